"""Simulation time: one unit is a day; day 0 is Tuesday 1 April 2014, the start of a
financial (QOF) year. Years are 365 days (leap days ignored)."""

from __future__ import annotations

from enum import Enum

import simpy

DAYS_PER_YEAR = 365
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
WORKING_DAYS_PER_YEAR = DAYS_PER_YEAR * 5 / 7
FIRST_WEEKDAY = 1
"""Weekday of day 0 (Monday = 0): 1 April 2014 was a Tuesday."""

START_YEAR = 2014

NEVER = -1_000_000
"""Day stamp for "never happened"."""


def financial_year(day: int) -> int:
    """Index of the financial year containing ``day`` (0 is 2014/15)."""
    return day // DAYS_PER_YEAR


def year_start(fy: int) -> int:
    return fy * DAYS_PER_YEAR


def year_end(fy: int) -> int:
    """Last day (inclusive) of financial year ``fy``."""
    return (fy + 1) * DAYS_PER_YEAR - 1


def year_label(fy: int) -> str:
    return f"{START_YEAR + fy}/{(START_YEAR + fy + 1) % 100:02d}"


def is_working_day(day: int) -> bool:
    return (day + FIRST_WEEKDAY) % 7 < 5


def next_working_day(day: int) -> int:
    """First working day strictly after ``day``."""
    day += 1
    while not is_working_day(day):
        day += 1
    return day


def previous_working_day(day: int) -> int:
    """Last working day strictly before ``day``: ``next_working_day(a) >= day`` exactly when ``a >= previous_working_day(day)``."""
    day -= 1
    while not is_working_day(day):
        day -= 1
    return day


def months(n: float) -> int:
    """``n`` months in whole days."""
    return int(round(n * DAYS_PER_MONTH))


class Phase(float, Enum):
    """Order of work within a simulated day: the fraction of the day at which it happens.

    Events at the same day run in this order, so no process needs to know another's
    timing: a practice switching regime (joining a scheme), the contract year's own
    events (informed dissent at its start, the year-end push), then recall searches, then the day's clinics, then the health step (events,
    deaths, diagnoses, moves), then measurement (snapshots, closing a financial year).
    """

    SWITCH = 0.1
    CONTRACT_YEAR = 0.2
    RECALL = 0.25
    CLINIC = 0.5
    HEALTH = 0.8
    MEASURE = 0.9

    def at(self, day: int) -> float:
        """Simulation time of this phase on ``day``."""
        return day + self.value

    def wait(self, env: simpy.Environment, day: int) -> simpy.Timeout:
        """A SimPy timeout that fires at this phase of ``day`` (which must not be past)."""
        return env.timeout(self.at(day) - env.now)
