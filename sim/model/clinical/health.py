"""The quarterly health step of a practice's list: events, deaths, new diagnoses, moves.

Every ``step_days`` events are drawn for each registered patient from their
exposure over the step: hazards from risk factors, age, sex, registers and review
history, integrated piecewise between reviews (a review changes levels and
adherence from its day on, not for the whole step). Events change the patient (an MI puts them on the CHD
register, a death ends all activity). Patients also develop new conditions as
they age, leave the list, and are replaced by new registrants.

Hazard of event ``e`` (per person-year)::

    base_e / 1000 * age_hr ** ((age - 65) / 10) * female_hr [if female]
        * prod_f [(1 - s_f) + s_f * factor_hr_f ** ((x_f - reference_f) / unit_f)]
        * prod_k condition_hr_k [if on register k] * overdue_hr [if overdue]
        * tendency (patient gamma frailty) * (1 - review_effect * adherence)

where ``s_f`` is the share of the hazard factor ``f``'s ratio acts on (1 unless
stated: UKPDS 35's HbA1c ratio for diabetes-related death acts on the
diabetes-related share of deaths only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.config.clinical import EVENTS, FACTORS, ClinicalSpec
from sim.config.schema import Scenario
from sim.engine.arrays import any_by_row, take_rows
from sim.engine.clock import DAYS_PER_MONTH, DAYS_PER_YEAR
from sim.engine.streams import Streams
from sim.model.clinical import compiled
from sim.model.clinical.state import ClinicalState
from sim.model.population import Population
from sim.vocabulary import CONDITIONS


class ListKeeper(Protocol):
    """Who keeps the list (a practice, or a group of practices): the health step reports
    diagnoses, deaths, moves and outcomes to it."""

    def outcome(self, measure: str, ids: np.ndarray, values: np.ndarray | None = None, scale: float = 1.0, always: bool = True) -> None:
        """Count ``measure`` for patients ``ids`` (in increasing order): one each, or ``values.sum() * scale``,
        to each patient's practice (``always``: a practice with none gets a zero)."""
        ...

    def diagnose(self, ids: np.ndarray, k: int, day: int) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def register_new(self, rows: np.ndarray, day: int) -> None: ...

FACTOR_UNIT = {"sbp": 10.0, "hba1c": 1.0, "chol": 1.0}
"""Hazard ratios are per 10 mmHg SBP, per 1% HbA1c and per 1 mmol/L cholesterol."""

DEATH = EVENTS.index("death")


class Hazards:
    """Log-linear hazards of every event, vectorised over patients."""

    def __init__(self, spec: ClinicalSpec) -> None:
        self.spec = spec
        self.events = list(spec.events.values())
        e, k, f = len(EVENTS), len(CONDITIONS), len(FACTORS)
        self.base = np.array([ev.base_per_1000 / 1000 for ev in self.events])
        self.log_age = np.log([ev.age_hr_per_decade for ev in self.events])
        self.log_female = np.log([ev.female_hr for ev in self.events])
        self.log_factor = np.zeros((f, e))
        self.log_condition = np.zeros((k, e))
        self.eligible = np.ones((k, e), dtype=bool)
        self.any_eligible = np.ones(e, dtype=bool)
        self.partial: list[tuple[int, int, float, float]] = []
        """(event, factor, share, log ratio): ratios that act on a share of the hazard only."""
        for j, ev in enumerate(self.events):
            for name, hr in ev.factor_hr.items():
                share = ev.factor_share.get(name, 1.0)
                if share < 1.0:
                    self.partial.append((j, FACTORS.index(name), share, float(np.log(hr))))
                else:
                    self.log_factor[FACTORS.index(name), j] = np.log(hr)
            for name, hr in ev.condition_hr.items():
                self.log_condition[CONDITIONS.index(name), j] = np.log(hr)
            if ev.eligible:
                self.eligible[:, j] = [c in ev.eligible for c in CONDITIONS]
                self.any_eligible[j] = False
        self.log_overdue = np.log([ev.overdue_hr for ev in self.events])
        self.review_effect = np.array([ev.review_effect for ev in self.events])
        self.reference = np.array([spec.factors[x].reference for x in FACTORS])
        self.unit = np.array([FACTOR_UNIT[x] for x in FACTORS])
        self.coefficients = np.vstack([self.log_age, self.log_female, self.log_overdue, self.log_factor, self.log_condition])
        """Log hazard ratios ``[covariate, event]`` in the order :meth:`rates` stacks the covariates."""
        event, factor, share, log_hr = zip(*self.partial) if self.partial else ((), (), (), ())
        self._partial = (np.array(event, np.int64), np.array(factor, np.int64), np.array(share, float), np.array(log_hr, float))

    def rates(
        self, pop: Population, clinical: ClinicalState, overdue: np.ndarray, ids: np.ndarray, day: float | np.ndarray
    ) -> np.ndarray:
        """Hazards ``[patients, events]`` per person-year at ``day`` (one day, or one per patient);
        ``overdue`` flags patients overdue a review."""
        age = pop.age[ids] + day / DAYS_PER_YEAR
        adherence = clinical.review_multiplier(ids, day)  # the adherence that levels also use
        levels = clinical.levels(ids, day, adherence)
        return compiled.hazards(
            ids, age, pop.male, overdue, levels, self.reference, self.unit, pop.has, clinical.tendency, adherence,
            self.coefficients, self.base, *self._partial, self.review_effect, self.eligible, self.any_eligible,
        )


class HealthModel:
    """The clinical course of a practice's list, stepped every ``clinical.step_days``."""

    def __init__(self, scenario: Scenario, intercepts: np.ndarray, size: int = 0) -> None:
        self.spec = scenario.clinical
        self.hazards = Hazards(scenario.clinical)
        self.incidence = IncidenceCurve(scenario)
        self.intercepts = np.repeat(intercepts[None, :], size, axis=0)
        """Register intercepts of each row's practice ``[rows, conditions]`` (they vary with deprivation)."""
        self.overdue_days = scenario.measures.overdue_months * DAYS_PER_MONTH
        self.case_fatality = np.array([ev.case_fatality for ev in scenario.clinical.events.values()])
        with np.errstate(divide="ignore"):
            self.leave_hazard = -np.log1p(-scenario.clinical.leave_rate)
            """``leave_rate`` is a share of the list a year: the hazard that leaves that share in a year."""
        self._exposure = np.zeros((size, len(EVENTS)))
        """Cumulative hazard ``[rows, events]`` of the current step, accrued so far."""
        self._accrued_to = np.zeros(size)
        """Day up to which each row's exposure has been accrued."""

    def accrue(
        self, pop: Population, clinical: ClinicalState, reviewed_or_joined: np.ndarray, ids: np.ndarray, day: float
    ) -> None:
        """Add the exposure of ``ids`` from their last accrual to ``day``, at the state they were in.

        Called before a review changes a patient's levels or adherence, and for everyone
        at the end of a step, so a step's hazard is the sum over the stretches between
        reviews, each evaluated at its midpoint: a review on day 90 of a 91-day step
        protects one day, not the quarter. ``reviewed_or_joined`` is ``[ids, conditions]``.
        """
        if len(self._accrued_to) < pop.size:
            grow = pop.size - len(self._accrued_to)
            self._exposure = np.vstack([self._exposure, np.zeros((grow, len(EVENTS)))])
            self._accrued_to = np.concatenate([self._accrued_to, np.zeros(grow)])
        start = self._accrued_to[ids]
        mid = (start + day) / 2
        overdue = any_by_row(take_rows(pop.has, ids) & (mid[:, None] - reviewed_or_joined > self.overdue_days))
        rates = self.hazards.rates(pop, clinical, overdue, ids, mid)
        effects = clinical.effects
        if effects is not None:  # a virtual evaluation's injected truth, on the stretches from its start
            rates *= np.where(effects.acting(mid)[:, None], effects.hazard, 1.0)
        compiled.accrue(self._exposure, ids, rates, (day - start) / DAYS_PER_YEAR)
        self._accrued_to[ids] = day

    def step(
        self, pop: Population, clinical: ClinicalState, streams: Streams, keeper: ListKeeper,
        reviewed_or_joined: np.ndarray, day: int, days: float,
    ) -> None:
        """Advance every registered patient's health by ``days`` ending at ``day``.

        Events, death, leaving and new diagnoses compete within the step: each
        happens at a time in it, and nothing that would come after a patient's death
        or move (another event, its cost, a diagnosis, life-years) is counted.
        """
        ids = np.flatnonzero(pop.active)
        self.accrue(pop, clinical, reviewed_or_joined[ids], ids, day)
        case_fatality = self.case_fatality
        effects = clinical.effects
        if effects is not None and effects.acting(day):  # a virtual evaluation's injected truth
            case_fatality = np.minimum(case_fatality * effects.fatality, 1.0)
        fate = self._fates(streams, pop.pid[ids], ids, case_fatality, day, days)
        self._account_life(pop, keeper, ids, fate.lived, day, days)
        self._apply_events(pop, keeper, ids, fate.happened, fate.fatal, day)
        self._new_diagnoses(pop, streams, keeper, ids, fate.end, day, days)
        dead = ids[fate.dies]
        keeper.outcome("deaths", dead)
        keeper.remove(dead)
        leavers = ids[fate.leaves]
        keeper.outcome("left_list", leavers)
        keeper.remove(leavers)
        keeper.register_new(np.flatnonzero(~pop.active), day)
        self._exposure[:] = 0.0  # the next step starts afresh, for new registrants too
        self._accrued_to[:] = day

    def _fates(self, streams: Streams, pids: np.ndarray, ids: np.ndarray, case_fatality: np.ndarray, day: int, days: float) -> Fate:
        """When in the step each event, death and move of patients ``ids`` happens (a share of the step; inf if not).

        Draws are keyed to the person and the step, so one patient's fate never
        shifts another's numbers (and drawing for fewer patients changes none). Within the step
        each hazard is taken as constant, so an event's time is its exponential draw
        over its cumulative hazard. Whether an event is fatal is drawn for patients with one
        alone. One compiled pass (:func:`sim.model.clinical.compiled.fates`).
        """
        n_events = self._exposure.shape[1]
        events = streams.for_people("events", pids, day).words(n_events)
        fatality = streams.for_people("fatality", pids, day).words(n_events)
        moves = streams.for_people("moves", pids, day).words(1)
        leave_hazard = self.leave_hazard * days / DAYS_PER_YEAR
        return Fate(*compiled.fates(self._exposure, ids, case_fatality, DEATH, leave_hazard, events, fatality, moves))

    def _account_life(self, pop: Population, keeper: ListKeeper, ids: np.ndarray, lived: np.ndarray, day: int, days: float) -> None:
        """Life-years and QALYs of the step: ``lived`` is the share of it each patient was alive and registered."""
        spec = self.spec
        years = days / DAYS_PER_YEAR
        age = pop.age[ids] + (day - days / 2) / DAYS_PER_YEAR
        decrement = np.array([spec.condition_utility_decrement.get(c, 0.0) for c in CONDITIONS])
        utility = spec.utility_at_30 - spec.utility_loss_per_decade * np.maximum(age - 30, 0) / 10 - pop.has[ids] @ decrement
        keeper.outcome("life_years", ids, lived, years)
        keeper.outcome("qalys", ids, np.clip(utility, 0, 1) * lived, years)

    def _apply_events(
        self, pop: Population, keeper: ListKeeper, ids: np.ndarray, happened: np.ndarray, fatal: np.ndarray, day: int,
    ) -> None:
        """Count the events that happened before the patient died or left; a survivor of an event that
        adds a register joins it."""
        for j, (name, ev) in enumerate(self.spec.events.items()):
            who = ids[happened[:, j]]
            if len(who) == 0 or name == "death":
                continue
            each = np.ones(len(who))
            keeper.outcome(f"event_{name}", who, always=False)
            keeper.outcome("cost_events", who, each, ev.cost, always=False)
            keeper.outcome("qalys", who, each, -ev.utility_decrement, always=False)
            if ev.admission:
                keeper.outcome("emergency_admissions", who, always=False)
            if ev.acsc:
                keeper.outcome("acsc_admissions", who, always=False)
            if ev.adds_register is not None:
                k = CONDITIONS.index(ev.adds_register)
                survived = ids[happened[:, j] & ~fatal[:, j]]
                keeper.diagnose(survived[~pop.has[survived, k]], k, day)

    def _new_diagnoses(
        self, pop: Population, streams: Streams, keeper: ListKeeper, ids: np.ndarray, end: np.ndarray, day: int, days: float,
    ) -> None:
        """Age-specific prevalence rises with age: the rise is the incidence among those without.

        ``P(new) = (p(a + dt) - p(a) + trend * dt * p(a + dt)) / (1 - p(a))`` from the
        population model's logistic prevalence curve at the patient's latent risk.
        The secular trend adds ``trend`` of the register a year, shared out in
        proportion to each patient's own prevalence: none below the register's
        minimum age, most among the old and those at high latent risk. Registers
        that events add (an MI adds CHD) grow through those events instead, so
        they are not counted twice. A diagnosis counts only if it comes before the
        patient's death or move (``end``, a share of the step). Computed in one compiled
        pass (:func:`sim.model.clinical.compiled.new_diagnoses`).
        """
        curve = self.incidence
        on = curve.columns
        start = pop.age[ids] + (day - days) / DAYS_PER_YEAR  # age at the start of the step ending on ``day``
        people, slots = streams.for_people("incidence", pop.pid[ids], day).words(pop.has.shape[1])
        new = compiled.new_diagnoses(
            ids, start, pop.latent, self.intercepts, pop.has, end, on, curve.sd, curve.slope, curve.min_age, curve.trend,
            days / DAYS_PER_YEAR, people, slots,
        )
        rows, cols = np.nonzero(new)
        cols = on[cols]
        for k in np.unique(cols).tolist():
            keeper.diagnose(ids[rows[cols == k]], int(k), day)


@dataclass(frozen=True)
class Fate:
    """What happens to each patient in a step (rows follow the step's patients)."""

    happened: np.ndarray
    """``[patients, events]``: the event happened before the patient died or left (a fatal one included)."""
    fatal: np.ndarray
    """``[patients, events]``: the event happened and was fatal."""
    dies: np.ndarray
    leaves: np.ndarray
    end: np.ndarray
    """Share of the step at which the patient died or left (inf if neither)."""

    @property
    def lived(self) -> np.ndarray:
        """Share of the step each patient was alive and on the list."""
        return np.minimum(self.end, 1.0)


class IncidenceCurve:
    """Per-condition constants of the prevalence curve, as row vectors over the conditions it diagnoses
    (the intercepts, which vary with a practice's deprivation, are the health model's per row)."""

    def __init__(self, scenario: Scenario) -> None:
        spec = scenario.population
        conds = [spec.conditions[c] for c in CONDITIONS]
        trend = scenario.clinical.incidence_trend
        by_event = {ev.adds_register for ev in scenario.clinical.events.values() if ev.adds_register}
        self.columns = np.array([k for k, c in enumerate(CONDITIONS) if c not in by_event], dtype=np.int64)
        """Conditions diagnosed through the curve; the others grow through events only."""
        on = self.columns
        self.sd = spec.multimorbidity_sd
        self.slope = np.array([c.age_slope for c in conds])[on]
        self.min_age = np.array([c.min_age for c in conds], dtype=np.float64)[on]
        self.trend = np.array([trend.get(c, 0.0) for c in CONDITIONS])[on]
