"""Counters of activity and outcomes per practice and financial year, flushed to long rows."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.engine.capacity import WAIT_BINS

Key = tuple[str, str, str]
"""``(measure, role, condition)``; empty strings mean "all"."""

ActivityKey = tuple[str, str, str, str]
"""``(measure, role, condition, purpose)``: activity carries the purpose of administrative work."""


class Ledger:
    """Totals of activity (work done) and of outcomes (what happened to patients).

    Counts by role (``by_role``) are kept as arrays over the run's roles and
    only split into keyed totals at the end of a period: they are added to on
    every appointment, so they must be cheap.
    """

    def __init__(self, roles: tuple[str, ...] = ()) -> None:
        self.roles = roles
        self.totals: defaultdict[ActivityKey, float] = defaultdict(float)
        self.outcomes: defaultdict[Key, float] = defaultdict(float)
        self.per_role: defaultdict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(self.roles)))
        self.waits = np.zeros((2, WAIT_BINS), dtype=np.int64)

    def add(self, measure: str, value: float, role: str = "", condition: str = "") -> None:
        """Count activity (letters, exceptions, minutes, ...)."""
        self.totals[(measure, role, condition, "")] += value

    def admin(self, role: str, purpose: str, minutes: float) -> None:
        """Count administrative minutes of ``role`` (a role name) spent on ``purpose``."""
        self.totals[("admin_minutes", role, "", purpose)] += minutes

    def outcome(self, measure: str, value: float, condition: str = "") -> None:
        """Count an outcome (events, deaths, life-years, diagnoses, list changes)."""
        self.outcomes[(measure, "", condition)] += value

    def by_role(self, measure: str, roles: np.ndarray) -> None:
        """Count one for each entry of ``roles`` (role indices)."""
        self.per_role[measure] += np.bincount(roles, minlength=len(self.roles))

    def add_role(self, measure: str, role: int, value: float) -> None:
        self.per_role[measure][role] += value

    def flush(self) -> tuple[dict[ActivityKey, float], dict[Key, float], np.ndarray]:
        """Return the period's activity totals, outcome totals and wait histogram, and start afresh."""
        totals = dict(self.totals)
        for measure, values in self.per_role.items():
            for role, value in zip(self.roles, values, strict=True):
                if value:
                    key = (measure, role, "", "")
                    totals[key] = totals.get(key, 0.0) + float(value)
        outcomes, waits = dict(self.outcomes), self.waits
        self.totals = defaultdict(float)
        self.outcomes = defaultdict(float)
        self.per_role.clear()
        self.waits = np.zeros_like(waits)
        return totals, outcomes, waits
