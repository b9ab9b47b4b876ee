"""Care behind QOF's treatment and vaccination indicators, and patients' grounds for exception.

Treatment indicators (antiplatelet or anticoagulant, ACE-I/ARB, beta-blocker) and
flu vaccination count care, not review ticks. A patient is *on* a drug class or
not (care delivered), and the record shows it or not (care recorded): drugs start
at reviews with a probability (clinical inertia) unless the patient cannot take
them, and are recorded when the practice prescribes them. Flu vaccination is given
in the flu season at the practice's flu clinics, or at a review in season, to
patients who accept it that season; it is recorded with a probability.

Patients' clinical grounds for exception are facts about them, the same under
every regime (drawn from the ``qof_care`` stream): contraindication or
intolerance (criteria E, F), a supervening condition (H), unsuitability through
severe frailty (B). Whether anyone codes an exception is the regime's decision.
The care here is the same under every regime; only what gets coded differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import TYPE_CHECKING

import numpy as np

from sim.config.clinical import FACTORS
from sim.engine.arrays import any_by_row
from sim.engine.clock import DAYS_PER_YEAR, NEVER, financial_year, year_start
from sim.model.qof.indicators import OUTCOME, Indicators
from sim.vocabulary import CONDITIONS, FRAILTY, ITEMS

if TYPE_CHECKING:
    from sim.config.schema import Scenario
    from sim.engine.streams import PersonDraws, Streams
    from sim.model.population import Population

CHOL = FACTORS.index("chol")
SEVERE = FRAILTY.index("severe")
_C = {c: CONDITIONS.index(c) for c in ("heart_failure", "hypertension", "diabetes", "stroke")}


class QofCare:
    """Per-patient treatment, vaccination and exception-ground state of one practice."""

    def __init__(
        self, scenario: Scenario, indicators: Indicators, pop: Population, rng: np.random.Generator, streams: Streams,
        grounds_ratio: float = 1.0,
    ) -> None:
        self.spec = scenario.care
        self.grounds_ratio = grounds_ratio
        """Multiplier of the shares with clinical grounds for exception (deprivation: more in deprived practices)."""
        self.season_start = scenario.contract.flu_season_start_day
        self.ind = indicators
        self.pop = pop
        self.rng = rng
        """Draws for patients as they join (grounds for exception, treatment on joining, flu propensity)."""
        self.streams = streams
        """Draws at reviews and flu offers, keyed to the person."""
        n = pop.size
        self.treatments = tuple(self.spec.treatments)
        self.subgroups = tuple(self.spec.subgroups)
        t, s = len(self.treatments), len(self.subgroups)
        self.on = np.zeros((n, t), dtype=bool)
        """On each drug class (care delivered)."""
        self.rx_recorded = np.zeros((n, t), dtype=bool)
        """The record shows it (care recorded)."""
        self.contraindicated = np.zeros((n, t), dtype=bool)
        self.in_subgroup = np.zeros((n, s), dtype=bool)
        self.supervening = np.zeros((n, len(indicators)), dtype=bool)
        self.unsuitable = np.zeros(n, dtype=bool)
        self.flu_accept = np.zeros(n)
        self.flu_willing = np.zeros(n, dtype=bool)
        self.flu_drawn_fy = np.full(n, -1, dtype=np.int32)
        self.vaccinated = np.full(n, NEVER, dtype=np.int32)
        self.vaccine_recorded = np.full(n, NEVER, dtype=np.int32)
        self.flu_declined = np.full(n, NEVER, dtype=np.int32)
        """Day the patient last declined a flu vaccination offered to them."""
        self.statin_steps: np.ndarray | None = None
        """Lipid treatment steps of the clinical layer (set by the practice): ``statin`` means steps > 0."""
        self.protected: np.ndarray | None = None
        """Income per indicator a practice keeps when it is not paid on achievement (set at the start)."""
        self._needs = np.array([[name in _started(spec) for name in self.treatments] for spec in indicators.specs], dtype=bool)
        """Drugs a review starts for each indicator (of alternatives, the first listed)."""
        self._flu_conditions = np.unique(indicators.condition[indicators.flu])
        self._treatment_needs = self._needs[indicators.treatment_ids].astype(np.int32)
        self._treatment_conditions = indicators.condition[indicators.treatment_ids]
        self._start_probability = np.array([tr.start_probability for tr in self.spec.treatments.values()])
        self._record_probability = np.array([tr.record_probability for tr in self.spec.treatments.values()])
        by_kind = np.array([self.spec.item_completeness.get(item, 1.0) for item in ITEMS])
        own = np.array([s.completeness if s.completeness is not None else np.nan for s in indicators.specs])
        self.completeness = np.where(np.isnan(own), by_kind[np.maximum(indicators.item, 0)], own)
        """Chance a review does each indicator's item: the indicator's own, else by item kind."""
        self._restricted = np.flatnonzero(indicators.restricted)
        self.member = np.zeros((n, len(indicators)), dtype=bool)
        """Cached indicator populations ``[patient, indicator]`` for review-time decisions (see :meth:`refresh`)."""
        self.contra = np.zeros((n, len(indicators)), dtype=bool)
        """Cannot take an indicator's treatment ``[patient, indicator]`` (criteria E/F)."""
        self.join(np.arange(n), 0)

    # ------------------------------------------------------------- joining
    def join(self, rows: np.ndarray, day: int) -> None:
        """Patients joining (the start, or new registrants): draw grounds, treatment and flu propensity."""
        rng, spec, m = self.rng, self.spec, len(rows)
        for j, sub in enumerate(spec.subgroups.values()):
            self.in_subgroup[rows, j] = rng.random(m) < sub.share
        for j, tr in enumerate(spec.treatments.values()):
            self.contraindicated[rows, j] = rng.random(m) < min(tr.contraindicated_share * self.grounds_ratio, 1.0)
        supervening = min(spec.supervening_share * self.grounds_ratio, 1.0)
        self.supervening[rows] = (rng.random((m, len(self.ind))) < supervening) & (self.ind.kind == OUTCOME)
        self.unsuitable[rows] = rng.random(m) < min(spec.unsuitable_share * self.grounds_ratio, 1.0)
        a, c = spec.flu.accept_mean, spec.flu.accept_concentration
        self.flu_accept[rows] = rng.beta(a * c, (1 - a) * c, m)
        self.flu_drawn_fy[rows] = -1
        for arr in (self.vaccinated, self.vaccine_recorded, self.flu_declined):
            arr[rows] = NEVER
        self.on[rows] = False
        self.rx_recorded[rows] = False
        for i in self.ind.treatment_ids:
            self.contra[rows, i] = self.contraindicated_for(int(i), rows)
        self.refresh(day, rows)
        eligible = self._treatable(rows)
        for j, tr in enumerate(spec.treatments.values()):
            start = eligible[:, j] & (rng.random(m) < tr.initial_share)
            self.on[rows, j] = start
            self.rx_recorded[rows, j] = start & (rng.random(m) < tr.record_probability)

    # ------------------------------------------------------------- eligibility
    def eligible(self, i: int, day: int, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Patients in indicator ``i``'s population at ``day``: register, age, sex and sub-population."""
        if not self.ind.restricted[i]:
            return self.pop.has[rows, self.ind.condition[i]] & self.pop.active[rows]
        return self._eligible(i, _Patients(self, day, rows))

    def _eligible(self, i: int, p: _Patients) -> np.ndarray:
        """Eligibility for a restricted indicator ``i`` (age, sex, another register or a sub-population)."""
        spec = self.ind.specs[i]
        out = p.has[:, self.ind.condition[i]] & p.active
        out &= (p.age >= spec.min_age) & (p.age < spec.max_age)
        if spec.women_only:
            out &= ~p.male
        if spec.also_on is not None:
            out &= p.has[:, CONDITIONS.index(spec.also_on)]
        if spec.subgroup in ("chads2_ge2", "chads2_eq1"):
            out &= p.chads2 >= 2 if spec.subgroup == "chads2_ge2" else p.chads2 == 1
        elif spec.subgroup is not None:
            out &= self.in_subgroup[p.rows, self.subgroups.index(spec.subgroup)]
        return out

    def refresh(self, day: int, rows: np.ndarray | slice = slice(None)) -> None:
        """Recompute the cached indicator populations (after joining, and after each health step:
        diagnoses, deaths and moves change registers; ages change slowly). Registers, ages and
        CHADS2 are read once for every indicator."""
        p = _Patients(self, day, rows)
        member = p.has[:, self.ind.condition] & p.active[:, None]  # right for every indicator but the restricted
        for i in self._restricted:
            member[:, i] = self._eligible(int(i), p)
        self.member[rows] = member  # whole rows: one copy, not a scatter over columns

    def _treatable(self, rows: np.ndarray, cover: np.ndarray | None = None) -> np.ndarray:
        """``[rows, treatments]``: in some treatment indicator (of a covered condition) that needs
        the drug, and able to take it. Uses the cached populations."""
        member = self.member.take(rows, 0)[:, self.ind.treatment_ids]
        if cover is not None:
            member &= cover[:, self._treatment_conditions]
        out = (member.astype(np.int32) @ self._treatment_needs) > 0
        return out & ~self.contraindicated.take(rows, 0)

    # ------------------------------------------------------------- numerators
    def treated(self, i: int, recorded: bool, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Patients (of ``rows``) on indicator ``i``'s treatments (``recorded``: as the record shows)."""
        spec = self.ind.specs[i]
        parts = []
        for name in spec.treatments:
            if name == "statin":
                assert self.statin_steps is not None
                parts.append(self.statin_steps[rows] > 0)
            else:
                j = self.treatments.index(name)
                parts.append(self.on[rows, j] & self.rx_recorded[rows, j] if recorded else self.on[rows, j])
        stack = np.array(parts)
        return stack.any(axis=0) if spec.any_treatment else stack.all(axis=0)

    def contraindicated_for(self, i: int, rows: np.ndarray) -> np.ndarray:
        """Patients who cannot take indicator ``i``'s treatment (any one needed, or every alternative)."""
        spec = self.ind.specs[i]
        cols = [self.treatments.index(t) for t in spec.treatments if t != "statin"]
        if not cols:
            return np.zeros(len(rows), dtype=bool)
        c = self.contraindicated[np.ix_(rows, cols)]
        return c.all(axis=1) if spec.any_treatment else c.any(axis=1)

    def season_opened(self, day: int) -> int:
        """First day of the flu-vaccination window of the financial year containing ``day``."""
        return year_start(financial_year(day)) + self.season_start

    # ------------------------------------------------------------- care
    def review(self, ids: np.ndarray, cover: np.ndarray, day: int, draws: PersonDraws) -> None:
        """Care at a review of ``cover``: start treatments, prescribe (record), vaccinate in season.
        ``draws`` are keyed to the patients ``ids`` and this review."""
        if len(ids) == 0:
            return
        covered = self._treatable(ids, cover)
        u = draws.random((len(ids), 2 * len(self.treatments)))  # per drug: whether it starts, whether it is recorded
        start = covered & ~self.on.take(ids, 0) & (u[:, 0::2] < self._start_probability)
        rows, cols = start.nonzero()
        self.on[ids[rows], cols] = True
        on = self.on.take(ids, 0)  # read again, as each drug's starts are written before its recording
        record = covered & on & ~self.rx_recorded.take(ids, 0) & (u[:, 1::2] < self._record_probability)
        rows, cols = record.nonzero()
        self.rx_recorded[ids[rows], cols] = True
        if day >= self.season_opened(day) and len(self._flu_conditions):
            due = cover[:, self._flu_conditions].any(axis=1)
            self._offer_flu(ids[due], day, reach=1.0)

    def flu_clinic(self, day: int) -> int:
        """The practice's flu clinics: eligible patients not yet vaccinated this season; returns vaccinations."""
        pop = self.pop
        eligible = pop.active & any_by_row(pop.has[:, self._flu_conditions])
        ids = np.flatnonzero(eligible & (self.vaccinated < self.season_opened(day)))
        return self._offer_flu(ids, day, reach=self.spec.flu.clinic_reach, declines=False)

    def _offer_flu(self, ids: np.ndarray, day: int, reach: float, declines: bool = True) -> int:
        """Offer a flu vaccination: whether the patient is willing is drawn once a season; draws keyed to the person and day."""
        if len(ids) == 0:
            return 0
        ids = ids[self.vaccinated[ids] < self.season_opened(day)]
        fy = financial_year(day)
        u = self.streams.for_people("flu", self.pop.pid[ids], day).random((len(ids), 3))
        fresh = self.flu_drawn_fy[ids] != fy
        self.flu_willing[ids[fresh]] = u[fresh, 0] < self.flu_accept[ids[fresh]]
        self.flu_drawn_fy[ids[fresh]] = fy
        willing = self.flu_willing[ids]
        given = willing & (u[:, 1] < reach)
        jab = ids[given]
        self.vaccinated[jab] = day
        self.vaccine_recorded[ids[given & (u[:, 2] < self.spec.flu.record_probability)]] = day
        if declines:
            self.flu_declined[ids[~willing]] = day
        return len(jab)

    def clinic_days(self) -> Iterator[int]:
        """The flu clinic day of every financial year."""
        return (year_start(fy) + self.spec.flu.clinic_day for fy in count())

    def severely_frail_unsuitable(self) -> np.ndarray:
        """Patients for whom review is inappropriate (criterion B): severely frail and judged unsuitable."""
        return self.unsuitable & (self.pop.frailty == SEVERE) & self.pop.active


class _Patients:
    """Registers, ages and CHADS2 of some patients at a day, read once for many indicators."""

    def __init__(self, care: QofCare, day: int, rows: np.ndarray | slice) -> None:
        pop = care.pop
        self.rows = rows
        self.has = pop.has[rows]
        self.active = pop.active[rows]
        self.male = pop.male[rows]
        self.age = pop.age[rows] + day / DAYS_PER_YEAR
        self._chads2: np.ndarray | None = None

    @property
    def chads2(self) -> np.ndarray:
        """CHADS2 from the registers and age: heart failure, hypertension, age 75+, diabetes, stroke (x2)."""
        if self._chads2 is None:
            has = self.has
            self._chads2 = (
                has[:, _C["heart_failure"]].astype(int) + has[:, _C["hypertension"]] + (self.age >= 75)
                + has[:, _C["diabetes"]] + 2 * has[:, _C["stroke"]]
            )
        return self._chads2


def _started(spec: object) -> list[str]:
    names: list[str] = list(spec.treatments)  # type: ignore[attr-defined]
    return names[:1] if spec.any_treatment else names  # type: ignore[attr-defined]


def statin_steps(clinical_steps: np.ndarray) -> np.ndarray:
    """The lipid-lowering column of the clinical layer's treatment steps."""
    return clinical_steps[:, CHOL]
