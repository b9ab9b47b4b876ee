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
        self._routine = _RoutineTally(len(roles))

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

    def add_role_counts(self, measure: str, counts: np.ndarray) -> None:
        """Count ``counts[r]`` for each role ``r`` (what :meth:`by_role` counts, already tallied)."""
        self.per_role[measure] += counts

    def add_role(self, measure: str, role: int, value: float) -> None:
        self.per_role[measure][role] += value

    def routine_seen(self, role: int, unit: float, asked_counts: list[tuple[int, int]], day: int, booked_for: int, soon: int) -> None:
        """Routine (acute) appointments of ``unit`` minutes with ``role`` seen on ``day``: ``(day asked, count)``
        entries, booked for ``booked_for``; those who asked on or after ``soon`` were seen by the next working
        day. Tens of these come every practice-day, so they are tallied in plain Python and folded into
        the totals when the period closes."""
        self._routine.add(role, unit, asked_counts, day, booked_for, soon)

    def flush(self) -> tuple[dict[ActivityKey, float], dict[Key, float], np.ndarray]:
        """Return the period's activity totals, outcome totals and wait histogram, and start afresh."""
        self._routine.fold_into(self)
        self._routine = _RoutineTally(len(self.roles))
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


class _RoutineTally:
    """Routine (acute) appointments seen, tallied per role and per wait in Python numbers."""

    def __init__(self, roles: int) -> None:
        self.count = [0] * roles
        self.minutes = [0.0] * roles
        self.waits = [0] * WAIT_BINS
        self.next_working_day = 0
        self.delay = 0

    def add(self, role: int, unit: float, asked_counts: list[tuple[int, int]], day: int, booked_for: int, soon: int) -> None:
        last, waits = WAIT_BINS - 1, self.waits
        minutes = self.minutes[role]  # added to entry by entry, as the float sums must stay in order
        seen = next_day = 0
        for asked, n in asked_counts:
            seen += n
            minutes += n * unit
            waits[min(day - asked, last)] += n
            if asked >= soon:
                next_day += n
        self.count[role] += seen
        self.minutes[role] = minutes
        self.next_working_day += next_day
        self.delay += (day - booked_for) * seen

    def fold_into(self, ledger: Ledger) -> None:
        """Add the tally to ``ledger``'s totals (as the measures an appointment counts under)."""
        if not any(self.count):
            return
        ledger.per_role["minutes_other"] += np.array(self.minutes)
        ledger.per_role["appointments_other"] += np.array(self.count, dtype=float)
        ledger.waits[0] += np.array(self.waits, dtype=np.int64)
        ledger.add("routine_seen_next_working_day", self.next_working_day)
        ledger.add("routine_delay_days", self.delay)
