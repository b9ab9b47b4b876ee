"""What a regime decides, as plain data. The recall desk carries decisions out.

A regime never writes a patient's record or recall state itself: it returns one of
these, and :class:`~sim.model.recall.RecallDesk` applies it through its named
transitions. Arrays are per patient, aligned with the ``ids`` the regime was asked
about; ``[n, k]`` arrays have one column per register condition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Invitation:
    """Invite ``ids`` now, each for the conditions in its row of ``cover``."""

    ids: np.ndarray
    cover: np.ndarray
    priority: bool = False
    """A priority invitation (a year-end push): booked ahead of the routine queue."""


@dataclass(frozen=True)
class Exceptions:
    """Except these conditions of these patients from this year's denominators (register level)."""

    ids: np.ndarray
    cover: np.ndarray
    reason: str = "A"
    """Exception criterion (:mod:`sim.model.qof.exceptions`): A, B or G at register level."""


@dataclass(frozen=True)
class IndicatorExceptions:
    """Except these patients from single indicators this year: ``[n, indicators]`` codes (0 for none)."""

    ids: np.ndarray
    reasons: np.ndarray


@dataclass(frozen=True)
class AdminWork:
    """Administrative minutes by role name, for one ``purpose``, done now (e.g. quarterly reporting)."""

    purpose: str
    minutes: dict[str, float]
    practice: int = 0
    """Which of the group's practices (``PracticeView.members``) did it."""


@dataclass(frozen=True)
class Booking:
    """Who does each patient's review (role index) and how many minutes it takes."""

    roles: np.ndarray
    minutes: np.ndarray


@dataclass(frozen=True)
class NonResponse:
    """What follows for patients who did not answer the last letter or missed the appointment.

    Each patient gets another ``letter``, or a phone ``contact`` from ``contact_role``,
    or else leaves recall for now: conditions in ``excepted`` are exception-reported
    and ``next_due`` is when they are due again.
    """

    letter: np.ndarray
    contact: np.ndarray
    next_due: np.ndarray
    excepted: np.ndarray | None = None
    contact_role: int = -1
    contact_minutes: float = 0.0


@dataclass(frozen=True)
class ContactOutcome:
    """After a phone contact: ``book`` a review, or leave recall until ``next_due``."""

    book: np.ndarray
    next_due: np.ndarray


Decision = Invitation | Exceptions | IndicatorExceptions | AdminWork
"""What a regime's scheduled activity (a recall search, the start of the contract year, reporting) returns."""
