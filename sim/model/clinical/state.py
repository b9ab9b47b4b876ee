"""Risk factors, treatment and adherence of each patient, evaluated only when needed.

For factor ``f`` a patient's true level at day ``t`` is

    x(t) = u0 + drift * t / 365 - step_effect * steps * adherence(t)

where ``u0 + drift * t`` is the untreated course, ``steps`` the treatment steps
taken so far and ``adherence(t)`` wanes from the patient's peak towards a floor
after each review (``floor + (peak - floor) * exp(-(t - last_review) / tau)``).
Nothing is stepped day by day: a review or a hazard step evaluates ``x(t)``
directly. A review measures (with noise), reinforces adherence and, when the
measurement is above target, intensifies treatment with the probability that
clinical inertia allows.
"""

from __future__ import annotations

import numpy as np

from sim.config.clinical import FACTORS, ClinicalSpec
from sim.engine.arrays import take_rows
from sim.engine.clock import DAYS_PER_YEAR
from sim.engine.streams import PersonDraws
from sim.model.clinical.effects import TrueEffects
from sim.model.population import Population
from sim.vocabulary import CONDITIONS


class ClinicalState:
    """Per-patient arrays of the clinical layer (rows match the practice's population)."""

    def __init__(self, spec: ClinicalSpec, pop: Population, draws: PersonDraws) -> None:
        self.spec = spec
        n, f = pop.size, len(FACTORS)
        self.u0 = np.zeros((n, f))
        self.drift = np.zeros((n, f))
        self.steps = np.zeros((n, f))
        self.has_factor = np.zeros((n, f), dtype=bool)
        self.peak = np.zeros(n)
        self.reinforced = np.zeros(n)
        self.tendency = np.ones((n, len(spec.events)))
        self._step_effect = np.array([spec.factors[x].step_effect for x in FACTORS])
        self._measurement_sd = np.array([spec.factors[x].measurement_sd for x in FACTORS])
        self._target = np.array([spec.factors[x].target for x in FACTORS])
        self._intensify = np.array([spec.factors[x].intensify_probability for x in FACTORS])
        self._max_steps = np.array([spec.factors[x].max_steps for x in FACTORS])
        self.monitored = np.array([[c in spec.factors[x].monitored_for for c in CONDITIONS] for x in FACTORS])
        self._monitoring = np.ascontiguousarray(self.monitored.T)
        """``[condition, factor]``: a boolean product with covered conditions gives the factors measured."""
        self.effects: TrueEffects | None = None
        """Known effects injected from a day (virtual evaluations); read by :meth:`levels` and the health step."""
        self.init_rows(np.arange(n), pop, draws, day=0)

    # --------------------------------------------------------------- set-up
    def init_rows(self, ids: np.ndarray, pop: Population, rng: PersonDraws, day: int) -> None:
        """Draw starting levels, treatment and adherence for patients ``ids`` joining at ``day``.

        Levels at joining are drawn on treatment (calibrated to QOF-era control);
        the untreated course ``u0`` is backed out from them. ``rng`` draws for
        exactly these patients, keyed to each person.
        """
        spec = self.spec
        m = len(ids)
        has = pop.has[ids]
        level = np.zeros((m, len(FACTORS)))
        for j, name in enumerate(FACTORS):
            fs = spec.factors[name]
            treated = (has & self.monitored[j]).any(axis=1)
            level[:, j] = np.where(treated, fs.start_mean_register, fs.start_mean_other) + fs.start_sd * rng.standard_normal(m)
            self.steps[ids, j] = np.where(treated, np.minimum(rng.poisson(fs.start_steps_mean, m), fs.max_steps), 0)
            self.drift[ids, j] = fs.drift_mean + fs.drift_sd * rng.standard_normal(m)
            only = [CONDITIONS.index(c) for c in fs.only_for]
            self.has_factor[ids, j] = has[:, only].any(axis=1) if only else True
        ad = spec.adherence
        self.peak[ids] = rng.beta(ad.peak_mean * ad.peak_concentration, (1 - ad.peak_mean) * ad.peak_concentration, m)
        self.reinforced[ids] = day
        treatment = self.steps[ids] * self._step_effect * self.peak[ids, None]
        self.u0[ids] = level + treatment - self.drift[ids] * day / DAYS_PER_YEAR
        for k, ev in enumerate(spec.events.values()):
            if ev.patient_shape is not None:
                self.tendency[ids, k] = rng.gamma(ev.patient_shape, 1.0 / ev.patient_shape, m)

    def diagnose(self, ids: np.ndarray, k: int, day: int, rng: PersonDraws) -> None:
        """A new diagnosis of condition ``k``: factors that exist only for it start, untreated,
        at the register's starting distribution (HbA1c on diagnosing diabetes).
        ``rng`` draws for exactly ``ids``, keyed to each person."""
        for j, name in enumerate(FACTORS):
            fs = self.spec.factors[name]
            if CONDITIONS[k] not in fs.only_for:
                continue
            z = rng.standard_normal(len(ids))
            first = ~self.has_factor[ids, j]
            fresh = ids[first]
            level = fs.start_mean_register + fs.start_sd * z[first]
            self.has_factor[fresh, j] = True
            self.steps[fresh, j] = 0
            self.u0[fresh, j] = level - self.drift[fresh, j] * day / DAYS_PER_YEAR

    # ------------------------------------------------------------ evaluation
    def adherence(self, ids: np.ndarray | slice, day: float | np.ndarray) -> np.ndarray:
        ad = self.spec.adherence
        peak = self.peak[ids]
        floor = ad.floor_share * peak
        return floor + (peak - floor) * np.exp(-(day - self.reinforced[ids]) / ad.waning_days)

    def levels(self, ids: np.ndarray | slice, day: float | np.ndarray, adherence: np.ndarray | None = None) -> np.ndarray:
        """True risk-factor levels ``[patients, factors]`` at ``day`` (one day, or one per patient;
        NaN where a factor does not apply). ``adherence`` is :meth:`adherence` at the same
        ``ids`` and ``day`` when the caller already has it."""
        if adherence is None:
            adherence = self.adherence(ids, day)
        years = np.asarray(day, dtype=np.float64)[..., None] / DAYS_PER_YEAR
        treated = take_rows(self.steps, ids) * self._step_effect * adherence[:, None]
        untreated = take_rows(self.u0, ids) + take_rows(self.drift, ids) * years
        x = np.where(take_rows(self.has_factor, ids), untreated - treated, np.nan)
        if self.effects is not None:  # a virtual evaluation's injected truth, from its start (day may differ by patient)
            acting = np.asarray(self.effects.acting(day))
            if acting.any():
                x = np.where(acting[..., None], self.effects.hold(x, ids), x)
        return x

    # --------------------------------------------------------------- reviews
    def review(
        self, ids: np.ndarray, cover: np.ndarray, day: int, rng: PersonDraws, adherence_boost: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Measure the factors the covered conditions monitor, treat poor control, reinforce adherence.

        ``rng`` draws for exactly ``ids``, keyed to each person and review. Returns
        ``(measured, values)``: which factors were measured ``[patients, factors]``
        and the measured values.
        """
        measured = (cover @ self._monitoring) & self.has_factor.take(ids, 0)
        true = self.levels(ids, day)
        values = true + self._measurement_sd * rng.standard_normal(true.shape)
        poor = measured & (values > self._target)
        act = poor & (rng.random(poor.shape) < self._intensify) & (self.steps.take(ids, 0) < self._max_steps)
        self.steps[ids] += act
        self._reinforce(ids[cover.any(axis=1)], day, adherence_boost)
        return measured, values

    def _reinforce(self, ids: np.ndarray, day: int, boost: float) -> None:
        """Adherence returns to the patient's peak (raised by ``boost``, capped at 1).

        The untreated course is unchanged; the treated level jumps because adherence does.
        """
        if boost:
            self.peak[ids] = np.minimum(self.peak[ids] + boost, 1.0)
        self.reinforced[ids] = day

    def review_multiplier(self, ids: np.ndarray | slice, day: float | np.ndarray) -> np.ndarray:
        """Adherence as a share of full adherence, for hazards that reviews reduce."""
        return self.adherence(ids, day)
