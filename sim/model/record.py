"""The care record: what has been delivered to, and recorded for, each patient."""

from __future__ import annotations

import numpy as np

from sim.engine.arrays import take_rows
from sim.vocabulary import CONDITIONS
from sim.engine.clock import DAYS_PER_YEAR, NEVER


class CareRecord:
    """Per-patient arrays of reviews delivered, measurements and recorded indicator items.

    ``*_day`` arrays hold day stamps (``NEVER`` when it never happened). Delivered
    care is what took place; recorded care is what was coded.
    """

    def __init__(self, n: int, n_indicators: int, n_factors: int) -> None:
        k = len(CONDITIONS)
        self.last_delivered = np.full((n, k), NEVER, dtype=np.int32)
        self.last_recorded = np.full((n, n_indicators), NEVER, dtype=np.int32)
        self.item_delivered = np.full((n, n_indicators), NEVER, dtype=np.int32)
        """Day each indicator's item was last done at a review, coded or not."""
        self.recorded_value = np.full((n, n_indicators), np.nan, dtype=np.float32)
        """Risk-factor value coded with an outcome indicator's item."""
        self.measured_day = np.full((n, n_factors), NEVER, dtype=np.int32)
        self.measured_value = np.full((n, n_factors), np.nan, dtype=np.float32)
        """Last measured risk factor, coded or not: what the clinician knows."""
        self.diagnosed = np.full((n, k), NEVER, dtype=np.int32)
        self.registered = np.full(n, NEVER, dtype=np.int32)
        self.reviews = np.zeros((n, k), dtype=np.int32)
        self.excepted_fy = np.full((n, k), -1, dtype=np.int16)
        """Financial year of the last register-level exception code (criteria A, B, G)."""
        self.excepted_reason = np.zeros((n, k), dtype=np.int8)
        self.ind_excepted_fy = np.full((n, n_indicators), -1, dtype=np.int16)
        """Financial year of the last indicator-level exception code (criteria D to I, flu declined)."""
        self.ind_excepted_reason = np.zeros((n, n_indicators), dtype=np.int8)
        self.visits = np.zeros(n, dtype=np.int32)
        self.exceptions = np.zeros(n, dtype=np.int32)

    def reviewed_or_joined(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Day from which each register condition's review gap runs: the last review, or,
        if never reviewed here, the diagnosis or the registration, whichever is later."""
        last = take_rows(self.last_delivered, rows)
        joined = np.maximum(take_rows(self.diagnosed, rows), self.registered[rows][:, None])
        return np.where(last == NEVER, joined, last)

    def open(self, rows: np.ndarray, day: int) -> None:
        """A new registrant takes these rows: a blank record."""
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                value[rows] = _blank(name, value)
        self.registered[rows] = day

    def seed_history(
        self, rows: np.ndarray, has: np.ndarray, ind_condition: np.ndarray, rng: np.random.Generator,
        combined_share: float, day: int,
    ) -> None:
        """Reviews before ``day``: each condition reviewed in the past year.

        A share of patients were recalled for all conditions together (one date),
        the rest on separate dates. Drawn from its own stream, so identical under
        every regime.
        """
        n, k = has.shape
        combined = rng.random(n) < combined_share
        own = rng.random((n, k))
        offset = np.where(combined[:, None], own[:, :1], own)
        last = day - np.floor(offset * DAYS_PER_YEAR).astype(np.int32) - 1
        self.last_delivered[rows] = np.where(has, last, NEVER)
        self.last_recorded[rows] = np.where(has[:, ind_condition], self.last_delivered[rows][:, ind_condition], NEVER)


def _blank(name: str, array: np.ndarray) -> object:
    if name in ("last_delivered", "last_recorded", "item_delivered", "measured_day", "diagnosed", "registered"):
        return NEVER
    if name in ("excepted_fy", "ind_excepted_fy"):
        return -1
    if array.dtype.kind == "f":
        return np.nan
    return 0
