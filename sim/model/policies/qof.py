"""QOF recall: fixed per-condition cycles, up to three letters, exception reporting,
and a year-end push towards the payment thresholds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import count
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.engine.clock import Phase, financial_year, months, year_end, year_start
from sim.model.decisions import Booking, Exceptions, Invitation, NonResponse
from sim.model.policies.base import Activity, Policy, PolicyParams
from sim.model.qof.achievement import provisional_shortfall
from sim.model.view import PracticeView
from sim.vocabulary import CONDITIONS, PRACTICE_ROLES, Condition, PracticeRole


class YearEndPush(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start_day: Annotated[int, Field(ge=0, le=364)]
    """Day of the financial year the push starts (275 is 1 January)."""
    letters_max: Annotated[int, Field(ge=1, le=10)]
    chase_after_days: Annotated[int, Field(ge=1)]
    extra_sessions: Annotated[float, Field(ge=0.0, le=1.0)]
    """Extra share of practice sessions put on during the push."""


class QofParams(PolicyParams):
    recall_interval_months: Annotated[float, Field(gt=0)]
    invite_lead_days: Annotated[int, Field(ge=0)]
    bundle_window_days: Annotated[int, Field(ge=0)]
    """Conditions due within this window of each other are reviewed together."""
    review_role: dict[Condition, PracticeRole]
    year_end_push: YearEndPush | None
    exception_reporting: bool
    """False when nothing rewards it (QOF withdrawn): non-responders wait for next year's recall."""


SENIORITY = {"hca": 0, "nurse": 1, "gp": 2}


class QofRecall(Policy):
    """QOF recall: each condition on its own cycle, up to three letters, exception
    reporting of non-responders and informed dissent, and a year-end push towards the
    payment thresholds."""

    name = "qof"
    Params = QofParams
    params: QofParams

    def __init__(self, params: QofParams, scenario: Any) -> None:
        super().__init__(params, scenario)
        missing = [c for c in CONDITIONS if c not in params.review_role]
        if missing:
            raise ValueError(f"review_role: missing {missing}")
        self.require_minutes(set(params.review_role.values()), "review_role")
        self._interval = months(params.recall_interval_months)
        self._rank = np.array([SENIORITY[params.review_role[c]] for c in CONDITIONS])
        self._rank_role = np.array([self.role_index[r] for r in sorted(SENIORITY, key=SENIORITY.get)])

    def start(self, practice: PracticeView, rows: np.ndarray, day: int) -> np.ndarray:
        return practice.care.last_delivered[rows] + self._interval

    def activities(self) -> Iterable[Activity]:
        yield from super().activities()
        if self.params.exception_reporting:
            yield Activity("informed dissent", Phase.CONTRACT_YEAR, _year_starts(0), self.dissent)
        push = self.params.year_end_push
        if push is not None:
            yield Activity("year-end push", Phase.CONTRACT_YEAR, _year_starts(push.start_day), self.push)

    # --------------------------------------------------------------- recall
    def invitations(self, practice: PracticeView, day: int) -> Invitation:
        care, pop, recall = practice.care, practice.pop, practice.recall
        fy = financial_year(day)
        open_ = pop.has & (care.excepted_fy != fy)
        idle = recall.idle() & pop.active & ~pop.dissent
        due = open_ & (recall.due <= day + self.params.invite_lead_days)
        ids = np.flatnonzero(idle & due.any(axis=1))
        horizon = day + self.params.invite_lead_days + self.params.bundle_window_days
        return Invitation(ids, open_[ids] & (recall.due[ids] <= horizon))

    def booking(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> Booking:
        """The most senior role any covered condition needs does the whole review."""
        top = np.where(cover, self._rank[None, :], -1).max(axis=1)
        roles = self._rank_role[np.maximum(top, 0)]
        return Booking(roles, self.review_minutes(roles, cover.sum(axis=1)))

    def after_no_response(self, practice: PracticeView, ids: np.ndarray, day: int) -> NonResponse:
        """Another letter up to the limit; then exception-report and wait for next year."""
        recall = practice.recall
        push = self.params.year_end_push
        push_max = push.letters_max if push else self.params.letters_max
        limit = np.where(recall.priority[ids], push_max, self.params.letters_max)
        again = recall.letters[ids] < limit
        cover = recall.cover[ids]
        nxt = year_start(financial_year(day) + 1)
        next_due = np.where(cover, np.maximum(recall.due[ids], nxt), recall.due[ids])
        excepted = cover if self.params.exception_reporting else None
        return NonResponse(letter=again, contact=np.zeros(len(ids), dtype=bool), next_due=next_due, excepted=excepted)

    def next_due(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> np.ndarray:
        return np.where(cover, day + self._interval, practice.recall.due[ids])

    def chase_after_days(self, priority: np.ndarray) -> np.ndarray:
        push = self.params.year_end_push
        late = push.chase_after_days if push else self.params.chase_after_days
        return np.where(priority, late, self.params.chase_after_days).astype(np.int64)

    # ------------------------------------------------------------ the year
    def dissent(self, practice: PracticeView, day: int) -> Exceptions:
        """At the start of the contract year, patients who dissent are excepted from every register."""
        pop = practice.pop
        ids = np.flatnonzero(pop.dissent & pop.active & pop.has.any(axis=1))
        return Exceptions(ids, pop.has[ids])

    def push(self, practice: PracticeView, day: int) -> Invitation:
        """Invite, with priority, everyone who would miss an indicator still below its upper threshold."""
        need = provisional_shortfall(practice, year_end(financial_year(day)))
        pop = practice.pop
        idle = practice.recall.idle() & pop.active & ~pop.dissent
        ids = np.flatnonzero(idle & need.any(axis=1))
        return Invitation(ids, need[ids], priority=True)

    def extra_sessions(self, day: int) -> float:
        push = self.params.year_end_push
        if push is None or day - year_start(financial_year(day)) < push.start_day:
            return 0.0
        return push.extra_sessions


def _year_starts(offset: int) -> Any:
    def days() -> Iterator[int]:
        return (year_start(fy) + offset for fy in count())

    return days


assert set(SENIORITY) == set(PRACTICE_ROLES)
