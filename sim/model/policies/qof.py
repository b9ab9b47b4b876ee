"""QOF recall: fixed per-condition cycles, up to three letters, exception reporting,
and a year-end push towards the payment thresholds."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import simpy
from pydantic import BaseModel, ConfigDict, Field

from sim.vocabulary import CONDITIONS, PRACTICE_ROLES, Condition, PracticeRole
from sim.model.policies.base import Policy, PolicyParams
from sim.model.qof.achievement import provisional_shortfall
from sim.engine.clock import financial_year, months, year_end, year_start

if TYPE_CHECKING:
    from sim.model.practice import Practice


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
    """Recall each condition on its own cycle, chase, exception-report, push at year end."""

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
        rank = np.array([SENIORITY[params.review_role[c]] for c in CONDITIONS])
        self._rank = rank
        self._rank_role = np.array([self.role_index[r] for r in sorted(SENIORITY, key=SENIORITY.get)])

    def start(self, practice: Practice, rows: np.ndarray, day: int) -> None:
        care = practice.care
        care.due[rows] = care.last_delivered[rows] + self._interval

    def processes(self, practice: Practice, env: simpy.Environment) -> Iterable[Generator[Any, Any, None]]:
        yield from super().processes(practice, env)
        yield self._financial_years(practice, env)

    # --------------------------------------------------------------- recall
    def recall(self, practice: Practice, day: int) -> None:
        care, pop = practice.care, practice.pop
        fy = financial_year(day)
        open_ = pop.has & (care.excepted_fy != fy)
        idle = (care.status == 0) & pop.active & ~pop.dissent
        due = open_ & (care.due <= day + self.params.invite_lead_days)
        ids = np.flatnonzero(idle & due.any(axis=1))
        horizon = day + self.params.invite_lead_days + self.params.bundle_window_days
        practice.invite(ids, open_[ids] & (care.due[ids] <= horizon), day)

    def booking(self, practice: Practice, ids: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        cover = practice.care.cover[ids]
        top = np.where(cover, self._rank[None, :], -1).max(axis=1)
        roles = self._rank_role[np.maximum(top, 0)]
        return roles, self.review_minutes(roles, cover.sum(axis=1))

    def on_no_response(self, practice: Practice, ids: np.ndarray, day: int) -> None:
        care = practice.care
        push = self.params.year_end_push
        push_max = push.letters_max if push else self.params.letters_max
        limit = np.where(care.priority[ids], push_max, self.params.letters_max)
        again = care.letters[ids] < limit
        practice.send_letter(ids[again], day)
        done = ids[~again]
        if len(done) == 0:
            return
        cover = care.cover[done]
        if self.params.exception_reporting:
            practice.exception_report(done, cover, day)
        nxt = year_start(financial_year(day) + 1)
        care.due[done] = np.where(cover, np.maximum(care.due[done], nxt), care.due[done])
        care.status[done] = 0
        care.cover[done] = False
        care.priority[done] = False

    def on_reviewed(self, practice: Practice, ids: np.ndarray, cover: np.ndarray, day: int) -> None:
        care = practice.care
        care.due[ids] = np.where(cover, day + self._interval, care.due[ids])

    def chase_after_days(self, priority: np.ndarray) -> np.ndarray:
        push = self.params.year_end_push
        late = push.chase_after_days if push else self.params.chase_after_days
        return np.where(priority, late, self.params.chase_after_days).astype(np.int64)

    # ------------------------------------------------------------ the year
    def _financial_years(self, practice: Practice, env: simpy.Environment) -> Generator[Any, Any, None]:
        """Informed dissent at the start of each year; the push before its end."""
        fy = 0
        while True:
            start = year_start(fy)
            yield env.timeout(start + 0.2 - env.now)
            if self.params.exception_reporting:
                self._record_dissent(practice, start)
            push = self.params.year_end_push
            if push is not None:
                yield env.timeout(start + push.start_day + 0.2 - env.now)
                self._push(practice, int(env.now))
            fy += 1

    def _record_dissent(self, practice: Practice, day: int) -> None:
        ids = np.flatnonzero(practice.pop.dissent & practice.pop.active & practice.pop.has.any(axis=1))
        practice.exception_report(ids, practice.pop.has[ids], day)

    def _push(self, practice: Practice, day: int) -> None:
        """Invite, with priority, everyone who would miss an indicator still below its upper threshold."""
        need = provisional_shortfall(practice, year_end(financial_year(day)))
        idle = (practice.care.status == 0) & practice.pop.active & ~practice.pop.dissent
        ids = np.flatnonzero(idle & need.any(axis=1))
        practice.invite(ids, need[ids], day, priority=True)

    def extra_sessions(self, practice: Practice, day: int) -> float:
        push = self.params.year_end_push
        if push is None or day - year_start(financial_year(day)) < push.start_day:
            return 0.0
        return push.extra_sessions


assert set(SENIORITY) == set(PRACTICE_ROLES)
