"""Simulation time: one unit is a day; day 0 is Tuesday 1 April 2014, the start of a
financial (QOF) year. Years are 365 days (leap days ignored)."""

from __future__ import annotations

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


def months(n: float) -> int:
    """``n`` months in whole days."""
    return int(round(n * DAYS_PER_MONTH))
