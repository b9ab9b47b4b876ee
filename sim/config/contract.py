"""Scenario objects for the money and the administrative time of a regime.

Kept apart from :mod:`sim.config.schema` so that module stays short. Administrative
work is described here and counted by :mod:`sim.model.admin`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sim.config.types import Locked, NonNegative

AdminUnit = Literal["letter", "booking", "item_coded", "exception", "contact"]
"""Counted activities that carry administrative minutes per unit."""

ADMIN_UNITS: tuple[str, ...] = ("letter", "booking", "item_coded", "exception", "contact")

NON_CLINICAL_ROLES: tuple[str, ...] = ("admin", "manager")
"""Staff who do administrative work but no appointments: administrators and receptionists, the practice manager."""

CLINICIAN = "clinician"
"""In a per-unit task, the role that did the clinical work (e.g. who coded the item in the review)."""


class AdminTask(Locked):
    """Minutes of one role's administrative work per unit of an activity."""

    role: str
    """A practice role (gp, nurse, hca), federation staff, ``admin``, ``manager`` or ``clinician``."""
    minutes: NonNegative
    purpose: str
    """What the time is for (e.g. ``coding``, ``recall``, ``exception_coding``)."""


class ScheduledAdmin(Locked):
    """Administrative work a practice does on a calendar (reporting, meetings)."""

    purpose: str
    every_months: Annotated[int, Field(ge=1, le=12)]
    """Once every so many months (3 = quarterly, 12 = yearly)."""
    day: Annotated[int, Field(ge=0, le=364)] = 0
    """Day of the financial year of the first occurrence (0 is 1 April)."""
    minutes: dict[str, NonNegative]
    """Minutes per occurrence by role (as in :class:`AdminTask`, but not ``clinician``)."""
    per_1000_patients: bool = False
    """Scale the minutes with the practice list (per 1,000 patients) rather than per practice."""


class AdminSpec(Locked):
    """A regime's administrative work: per unit of counted activity, and on a calendar."""

    per_unit: dict[AdminUnit, list[AdminTask]] = {}
    scheduled: list[ScheduledAdmin] = []
