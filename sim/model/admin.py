"""Administrative time as work: minutes by role and purpose, counted in the ledger.

Any regime states the administrative work it causes in ``regime.params.admin``
(:class:`~sim.config.contract.AdminSpec`), in two forms:

``per_unit``
    Minutes per unit of a counted activity: ``letter`` (each recall letter),
    ``booking`` (each review booked), ``item_coded`` (each indicator item coded at a
    review), ``exception`` (each exception report coded) and ``contact`` (each phone
    contact). A task's role is a practice role, federation staff, ``admin`` or
    ``manager`` (non-clinical staff), or ``clinician``: the role that did the review.
``scheduled``
    Work on a calendar: year-end QOF reporting, quarterly reporting, federation or
    multidisciplinary meetings. Minutes by role per occurrence, per practice or per
    1,000 patients. :meth:`Policy.activities` runs them; each occurrence is an
    :class:`~sim.model.decisions.AdminWork` decision that the recall desk records.

A regime may also return :class:`~sim.model.decisions.AdminWork` from any activity
of its own. Everything lands in the ledger as the activity measure ``admin_minutes``
with its role and purpose (:meth:`Ledger.admin`); the headline reports hours by role.

Administrative minutes are counted, not taken from appointment capacity: the
``staffing.minutes_per_fte_day`` of each role is patient-facing time, net of the
rest of the working day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count

import numpy as np

from sim.config.contract import CLINICIAN, NON_CLINICAL_ROLES, AdminSpec, AdminTask, ScheduledAdmin
from sim.engine.clock import DAYS_PER_MONTH
from sim.model.decisions import AdminWork
from sim.model.ledger import Ledger

ADMIN_MINUTES = "admin_minutes"
"""Activity measure of administrative minutes (with role and purpose)."""


def check_roles(spec: AdminSpec, roles: tuple[str, ...]) -> None:
    """Every role named in ``spec`` must exist in the scenario or be non-clinical staff."""
    known = set(roles) | set(NON_CLINICAL_ROLES)
    named = {(f"per_unit.{u}", t.role) for u, tasks in spec.per_unit.items() for t in tasks if t.role != CLINICIAN}
    named |= {(f"scheduled.{s.purpose}", r) for s in spec.scheduled for r in s.minutes}
    bad = sorted((where, role) for where, role in named if role not in known)
    if bad:
        raise ValueError(f"admin: unknown role(s) {bad}; use {sorted(known)} or {CLINICIAN!r} per unit")


class AdminClerk:
    """Counts one practice's administrative minutes per unit of activity into its ledger."""

    def __init__(self, spec: AdminSpec, ledger: Ledger, roles: tuple[str, ...]) -> None:
        check_roles(spec, roles)
        self.spec = spec
        self.ledger = ledger
        self.roles = roles
        self._tasks: dict[str, list[AdminTask]] = {unit: [t for t in tasks if t.minutes] for unit, tasks in spec.per_unit.items()}
        """Tasks of each unit that take any minutes."""

    def count(self, unit: str, n: float | np.ndarray, roles: np.ndarray | None = None) -> None:
        """``n`` units of ``unit`` took place.

        With ``roles`` (role index per entry), ``n`` gives the units of each entry, so
        ``clinician`` tasks are charged to the role that did the work.
        """
        if not self._tasks.get(unit):
            return
        total = float(n) if isinstance(n, (int, float)) else float(np.sum(n))
        by_role = None if roles is None else np.bincount(roles, weights=np.broadcast_to(n, roles.shape), minlength=len(self.roles))
        self._charge(unit, total, by_role)

    def count_by_role(self, unit: str, units: np.ndarray) -> None:
        """``units[r]`` units of ``unit`` done by role ``r`` (whole numbers), as :meth:`count` with
        a role per entry charges them."""
        self._charge(unit, float(units.sum()), units)

    def _charge(self, unit: str, total: float, by_role: np.ndarray | None) -> None:
        """Minutes of each task per ``unit``: ``total`` units, or for ``clinician`` tasks ``by_role``."""
        for task in self._tasks.get(unit, ()):
            if task.role != CLINICIAN:
                self.ledger.admin(task.role, task.purpose, total * task.minutes)
                continue
            if by_role is None:
                raise ValueError(f"admin per {unit}: a 'clinician' task needs the roles that did the work")
            for r in by_role.nonzero()[0].tolist():
                self.ledger.admin(self.roles[r], task.purpose, float(by_role[r]) * task.minutes)

    def record(self, work: AdminWork) -> None:
        """Administrative work a regime decided on (e.g. a scheduled report)."""
        for role, minutes in work.minutes.items():
            if minutes:
                self.ledger.admin(role, work.purpose, minutes)


def calendar(item: ScheduledAdmin) -> Callable[[], Iterator[int]]:
    """Days of a scheduled task: ``item.day``, then every ``every_months`` months."""
    return lambda: (item.day + int(round(i * item.every_months * DAYS_PER_MONTH)) for i in count())


def scheduled_work(item: ScheduledAdmin, list_size: int, practice: int = 0) -> AdminWork:
    """One occurrence of a scheduled task in a practice of ``list_size`` patients (``practice`` of its group)."""
    scale = list_size / 1000 if item.per_1000_patients else 1.0
    return AdminWork(item.purpose, {role: minutes * scale for role, minutes in item.minutes.items()}, practice)
