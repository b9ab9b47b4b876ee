"""A third regime written outside the package, to prove the plug-in contract.

Everyone on any register is invited once a year, on their own date, for one combined
check by a nurse; one letter, no chasing, nothing excepted; everything is coded.
It uses only the public regime interface: a ``Params`` model and decisions.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field

from sim.engine.clock import months
from sim.model.decisions import Booking, Invitation, NonResponse
from sim.model.policies import Policy, PolicyParams
from sim.model.view import PracticeView


class AnnualCheckupParams(PolicyParams):
    interval_months: Annotated[float, Field(gt=0)]
    """Months between checks."""
    role: str
    """Who does the check."""


class AnnualCheckup(Policy):
    """One combined check a year for every register patient; no chasing, no exceptions."""

    name = "annual_checkup"
    Params = AnnualCheckupParams
    params: AnnualCheckupParams

    def __init__(self, params: AnnualCheckupParams, scenario: Any) -> None:
        super().__init__(params, scenario)
        self.require_minutes({params.role}, "role")
        self._role = self.role_of(params.role, "role")
        self._interval = months(params.interval_months)

    def start(self, practice: PracticeView, rows: np.ndarray, day: int) -> np.ndarray:
        has = practice.pop.has[rows]
        last = np.where(has, practice.care.last_delivered[rows], np.iinfo(np.int32).min).max(axis=1)
        first = np.where(has.any(axis=1), last + self._interval, day)
        return np.repeat(first[:, None], has.shape[1], axis=1).astype(np.int32)

    def invitations(self, practice: PracticeView, day: int) -> Invitation:
        pop, recall = practice.pop, practice.recall
        due = pop.has.any(axis=1) & (recall.due.min(axis=1) <= day) & recall.idle() & pop.active
        ids = np.flatnonzero(due)
        return Invitation(ids, pop.has[ids])

    def booking(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> Booking:
        roles = np.full(len(ids), self._role)
        return Booking(roles, self.review_minutes(roles, cover.sum(axis=1)))

    def after_no_response(self, practice: PracticeView, ids: np.ndarray, day: int) -> NonResponse:
        n, k = len(ids), practice.recall.due.shape[1]
        none = np.zeros(n, dtype=bool)
        return NonResponse(letter=none, contact=none, next_due=np.full((n, k), day + self._interval, dtype=np.int32))

    def next_due(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> np.ndarray:
        return np.full((len(ids), cover.shape[1]), day + self._interval, dtype=np.int32)

    def longest_cycle_days(self) -> int:
        return self._interval
