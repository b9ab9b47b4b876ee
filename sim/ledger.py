"""Counters of activity per practice and financial year, flushed to long rows."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.capacity import WAIT_BINS


class Ledger:
    """Totals keyed by ``(measure, role, condition)``; empty strings mean "all"."""

    def __init__(self) -> None:
        self.totals: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.waits = np.zeros((2, WAIT_BINS), dtype=np.int64)

    def add(self, measure: str, value: float, role: str = "", condition: str = "") -> None:
        self.totals[(measure, role, condition)] += value

    def flush(self) -> tuple[dict[tuple[str, str, str], float], np.ndarray]:
        """Return the period's totals and wait histogram, and start afresh."""
        totals, waits = dict(self.totals), self.waits
        self.totals = defaultdict(float)
        self.waits = np.zeros_like(waits)
        return totals, waits
