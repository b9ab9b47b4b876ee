"""The scenario's indicator set as column arrays, for vectorised recording and counting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.config.clinical import FACTORS
from sim.config.contract import INDICATOR_KINDS
from sim.engine.clock import months
from sim.vocabulary import CONDITIONS, ITEMS

if TYPE_CHECKING:
    from sim.config.contract import IndicatorSpec

REGISTER, PROCESS, OUTCOME, TREATMENT = (INDICATOR_KINDS.index(k) for k in ("register", "process", "outcome", "treatment"))


class Indicators:
    """Indicator ``i``'s condition, kind, item kind (-1 for none), risk factor (-1 for none),
    target (NaN for none), look-back in days and coding group."""

    def __init__(self, specs: Sequence[IndicatorSpec]) -> None:
        self.specs = tuple(specs)
        self.ids = [s.id for s in specs]
        self.condition = np.array([CONDITIONS.index(s.condition) for s in specs], dtype=np.int64)
        self.kind = np.array([INDICATOR_KINDS.index(s.kind) for s in specs], dtype=np.int64)
        self.item = np.array([ITEMS.index(s.item) if s.item else -1 for s in specs], dtype=np.int64)
        self.factor = np.array([FACTORS.index(s.factor) if s.factor else -1 for s in specs], dtype=np.int64)
        self.target = np.array([s.target if s.target is not None else np.nan for s in specs])
        self.window_days = np.array([months(s.window_months) if s.window_months else 0 for s in specs], dtype=np.int64)
        self.flu = np.array([s.flu for s in specs], dtype=bool)
        self.since_diagnosis = np.array([s.window == "since_diagnosis" for s in specs], dtype=bool)
        """One-off items done around diagnosis: coded only within ``window_months`` after it."""
        codes = [s.code or s.factor or s.id for s in specs]
        names = list(dict.fromkeys(codes))
        self.group = np.array([names.index(c) for c in codes], dtype=np.int64)
        """Coding group of each indicator: one draw codes every indicator in a group."""
        self.n_groups = len(names)
        self.points = np.array([s.points for s in specs])
        self.investigation = np.array([s.investigation for s in specs], dtype=bool) & (self.points > 0)
        self.restricted = np.array(
            [bool(s.subgroup or s.also_on or s.women_only or s.min_age > 0 or s.max_age < 111) for s in specs], dtype=bool
        )
        """Indicators whose population is narrower than the register (age, sex, sub-population)."""

        self.outcome = self.factor >= 0
        """Which indicators are intermediate outcomes (a risk factor against a target)."""
        self.coded_at_review = (self.item >= 0) & ~self.flu
        """Indicators whose item a review codes (process and outcome, not flu vaccination)."""
        self.paid = self.points > 0
        self.outcome_ids = np.flatnonzero(self.kind == OUTCOME)
        """Outcome-kind indicators, and (``outcome_factor``) the risk factor each measures."""
        self.outcome_factor = self.factor[self.outcome_ids]
        self.treatment = self.kind == TREATMENT
        self.treatment_ids = np.flatnonzero(self.treatment)
        self.investigation_ids = np.flatnonzero(self.investigation)
        self.process_coded = ~self.outcome & self.coded_at_review
        """Process items a review codes (each done with the indicator's completeness)."""
        self.restricted_coded = self.restricted & self.coded_at_review
        self.since_diagnosis_ids = np.flatnonzero(self.since_diagnosis)
        # the same selections as column indices, for the coding done at every review
        self.process_coded_ids = np.flatnonzero(self.process_coded)
        self.restricted_coded_ids = np.flatnonzero(self.restricted_coded)
        self.since_diagnosis_condition = self.condition[self.since_diagnosis_ids]

    def __len__(self) -> int:
        return len(self.specs)

    def of_condition(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.condition == k)
