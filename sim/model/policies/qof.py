"""QOF recall under the 2014/15 contract: fixed per-condition cycles, up to three letters,
exception reporting by criteria A to I, and a year-end push where the money is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import count
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.config.clinical import FACTORS
from sim.engine.arrays import any_by_row
from sim.engine.clock import Phase, financial_year, months, year_end, year_start
from sim.model.decisions import Booking, Exceptions, IndicatorExceptions, Invitation, NonResponse
from sim.model.policies.base import Activity, Policy, PolicyParams, Probability
from sim.model.qof.exceptions import A_INVITATIONS, Reason
from sim.model.qof.push import at_stake, most_valuable
from sim.model.view import GroupView, PracticeView
from sim.vocabulary import CONDITIONS, ITEMS, PRACTICE_ROLES, Condition, PracticeRole


class YearEndPush(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    start_day: Annotated[int, Field(ge=0, le=364)]
    """Day of the financial year the push starts (275 is 1 January)."""
    letters_max: Annotated[int, Field(ge=1, le=10)]
    """Letters in a push cycle; a patient is exception-reported only with three invitations in 12 months (criterion A)."""
    chase_after_days: Annotated[int, Field(ge=1)]
    extra_sessions: Annotated[float, Field(ge=0.0, le=1.0)]
    """Extra share of practice sessions put on during the push."""
    invitations_per_1000: Annotated[float, Field(gt=0)]
    """Patients a practice has room to chase in the push, per 1,000 on its list (most pounds at stake first)."""


class QofParams(PolicyParams):
    recall_interval_months: Annotated[float, Field(gt=0)]
    invite_lead_days: Annotated[int, Field(ge=0)]
    bundle_window_days: Annotated[int, Field(ge=0)]
    """Conditions due within this window of each other are reviewed together."""
    review_role: dict[Condition, PracticeRole]
    year_end_push: YearEndPush | None
    exception_reporting: bool
    """False when nothing rewards it (QOF withdrawn): non-responders wait for next year's recall."""
    clinical_exception_coding: Probability = 0.0
    """Chance the clinician codes a clinical exception (criteria D, E, F, H, I) a review finds grounds for."""
    flu_declined_coding: Probability = 0.0
    """Chance a flu vaccination declined at a review is coded (informed dissent for the flu indicators)."""
    recording_unincentivised: dict[str, Probability] | None = None
    """Coding probability by item kind for items no indicator pays for (retired indicators); default as ``recording``."""
    paid_on: str = "achievement"
    """``achievement`` (QOF points) or ``protected`` (the practice keeps its pre-scheme QOF income)."""


SENIORITY = {"hca": 0, "nurse": 1, "gp": 2}

_CODE = {r.name: int(r) for r in Reason}
"""Exception codes as plain integers (NumPy converts an enum member slowly)."""


class QofRecall(Policy):
    """QOF recall: each condition on its own cycle, up to three letters, exception reporting
    (criteria A to I), and a year-end push towards the payment thresholds."""

    name = "qof"
    Params = QofParams
    params: QofParams

    def __init__(self, params: QofParams, scenario: Any) -> None:
        super().__init__(params, scenario)
        missing = [c for c in CONDITIONS if c not in params.review_role]
        if missing:
            raise ValueError(f"review_role: missing {missing}")
        if params.paid_on not in ("achievement", "protected"):
            raise ValueError(f"paid_on must be 'achievement' or 'protected' (got {params.paid_on!r})")
        self.require_minutes(set(params.review_role.values()), "review_role")
        self._interval = months(params.recall_interval_months)
        self._rank = np.array([SENIORITY[params.review_role[c]] for c in CONDITIONS])
        self._rank_role = np.array([self.role_index[r] for r in sorted(SENIORITY, key=SENIORITY.get)])
        self._unpaid = self._build_unincentivised()
        self._max_steps = np.array([scenario.clinical.factors[f].max_steps for f in FACTORS])

    @property
    def paid_on_achievement(self) -> bool:
        return self.params.paid_on == "achievement"

    def start(self, practice: PracticeView, rows: np.ndarray, day: int) -> np.ndarray:
        return practice.care.last_delivered[rows] + self._interval

    def activities(self) -> Iterable[Activity]:
        yield from super().activities()
        if self.params.exception_reporting:
            yield Activity("informed dissent", Phase.CONTRACT_YEAR, _year_starts(0), self.dissent)
            yield Activity("unsuitable", Phase.CONTRACT_YEAR, _year_starts(0), self.unsuitable)
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
        ids = np.flatnonzero(idle & any_by_row(due))
        horizon = day + self.params.invite_lead_days + self.params.bundle_window_days
        return Invitation(ids, open_[ids] & (recall.due[ids] <= horizon))

    def booking(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> Booking:
        """The most senior role any covered condition needs does the whole review."""
        top = np.where(cover, self._rank[None, :], -1).max(axis=1)
        roles = self._rank_role[np.maximum(top, 0)]
        return Booking(roles, self.review_minutes(roles, cover.sum(axis=1)))

    def after_no_response(self, practice: PracticeView, ids: np.ndarray, day: int) -> NonResponse:
        """Another letter up to the limit; then exception-report (criterion A: only with three
        invitations in the preceding 12 months) and wait for next year."""
        recall = practice.recall
        push = self.params.year_end_push
        priority = recall.priority[ids]
        limit = np.where(priority, push.letters_max if push else self.params.letters_max, self.params.letters_max)
        again = recall.letters[ids] < limit
        cover = recall.cover.take(ids, 0)
        nxt = year_start(financial_year(day) + 1)
        due = recall.due.take(ids, 0)
        next_due = np.where(cover, np.maximum(due, nxt), due)
        excepted = None
        if self.params.exception_reporting:
            a_ok = recall.invitations_in_year(ids, day) >= A_INVITATIONS
            if push is not None:  # the push writes again to those it cannot yet except, while an answer can still count
                again |= priority & ~a_ok & (day + push.chase_after_days < year_end(financial_year(day)))
            excepted = cover & a_ok[:, None]
        return NonResponse(letter=again, contact=np.zeros(len(ids), dtype=bool), next_due=next_due, excepted=excepted)

    def next_due(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> np.ndarray:
        return np.where(cover, day + self._interval, practice.recall.due.take(ids, 0))

    def longest_cycle_days(self) -> int:
        return self._interval

    def chase_after_days(self, priority: np.ndarray) -> np.ndarray:
        push = self.params.year_end_push
        late = push.chase_after_days if push else self.params.chase_after_days
        return np.where(priority, late, self.params.chase_after_days).astype(np.int64)

    # ------------------------------------------------------------ exceptions
    def review_exceptions(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> IndicatorExceptions | None:
        """Clinical exceptions coded at a review: D (maximum tolerated therapy, still above target),
        E/F (treatment contraindicated or not tolerated), H (supervening condition), I (service
        unavailable), and flu vaccination declined (G)."""
        if not self.params.exception_reporting or len(ids) == 0:
            return None
        ind, qc, care = practice.indicators, practice.qof_care, practice.care
        n = len(ids)
        grounds = np.zeros((n, len(ind)), dtype=np.int8)
        here = cover[:, ind.condition] & qc.member.take(ids, 0) & practice.pop.active[ids, None] & ind.paid
        out, j, treat, inv = ind.outcome_ids, ind.outcome_factor, ind.treatment_ids, ind.investigation_ids
        here_out = here[:, out]
        maxed = (care.measured_day.take(ids, 0) == day) & (practice.clinical.steps.take(ids, 0) >= self._max_steps)  # by factor
        above = maxed[:, j] & (care.measured_value.take(ids, 0)[:, j] > ind.target[out])  # measured today, above target, at most steps
        grounds[:, out] = np.where(here_out & qc.supervening.take(ids, 0)[:, out], _CODE["H"], np.where(here_out & above, _CODE["D"], 0))
        grounds[:, treat] = np.where(here[:, treat] & qc.contra.take(ids, 0)[:, treat], _CODE["E"], 0)
        rng = practice.streams.for_people("exceptions", practice.pop.pid[ids], care.visits[ids])  # at the patient's n-th review
        u = rng.random((n, len(inv) + len(ind)))  # one call for the two draws: the same numbers as two in turn
        missed = here[:, inv] & (care.last_recorded.take(ids, 0)[:, inv] != day)
        unavailable = missed & (u[:, : len(inv)] < practice.scenario.care.service_unavailable)
        grounds[:, inv] = np.where(unavailable, _CODE["I"], grounds[:, inv])
        grounds *= u[:, len(inv) :] < self.params.clinical_exception_coding
        declined = qc.flu_declined[ids] == day
        if np.count_nonzero(declined):  # the last draw, so none of the others depends on it being made
            coded = declined[:, None] & here & ind.flu & (rng.random(grounds.shape) < self.params.flu_declined_coding)
            grounds[coded] = _CODE["G"]
        keep = grounds.any(axis=1)
        return IndicatorExceptions(ids[keep], grounds[keep]) if np.count_nonzero(keep) else None

    # ------------------------------------------------------------ the year
    def dissent(self, practice: PracticeView, day: int) -> Exceptions:
        """At the start of the contract year, patients who dissent are excepted from every register (G)."""
        pop = practice.pop
        ids = np.flatnonzero(pop.dissent & pop.active & any_by_row(pop.has))
        return Exceptions(ids, pop.has[ids], reason="G")

    def unsuitable(self, practice: PracticeView, day: int) -> Exceptions:
        """At the start of the contract year, severely frail patients judged unsuitable for review (B)."""
        pop = practice.pop
        ids = np.flatnonzero(practice.qof_care.severely_frail_unsuitable() & any_by_row(pop.has) & ~pop.dissent)
        return Exceptions(ids, pop.has[ids], reason="B")

    def push(self, group: GroupView, day: int) -> Invitation:
        """Each practice invites, with priority, the patients with the most pounds at stake on 31 March,
        as many as its list gives it room for."""
        chosen, covers = [], []
        for member, rows in zip(group.members, group.blocks, strict=True):
            ids, cover = self._push_one(member, day)
            chosen.append(ids + rows.start)
            covers.append(cover)
        return Invitation(np.concatenate(chosen), np.concatenate(covers), priority=True)

    def _push_one(self, practice: PracticeView, day: int) -> tuple[np.ndarray, np.ndarray]:
        push = self.params.year_end_push
        assert push is not None
        value, cover = at_stake(practice, year_end(financial_year(day)))
        pop = practice.pop
        idle = practice.recall.idle() & pop.active & ~pop.dissent
        room = int(np.ceil(push.invitations_per_1000 * pop.active.sum() / 1000))
        ids = most_valuable(value, idle, room)
        return ids, cover[ids]

    def extra_sessions(self, day: int) -> float:
        push = self.params.year_end_push
        if push is None or day - year_start(financial_year(day)) < push.start_day:
            return 0.0
        return push.extra_sessions

    # ------------------------------------------------------------ recording
    def _build_unincentivised(self) -> np.ndarray:
        given = self.params.recording_unincentivised
        if given is None:
            return self.recording_table
        if set(given) != set(ITEMS):
            raise ValueError(f"recording_unincentivised must give each of {', '.join(ITEMS)}")
        table = self.recording_table.copy()
        shared = self.scenario.federation.shared_record
        for r in range(len(table)):
            if r < len(PRACTICE_ROLES) or shared:
                table[r] = [given[i] for i in ITEMS]
        return table

    @property
    def unincentivised_recording_table(self) -> np.ndarray:
        return self._unpaid


def _year_starts(offset: int) -> Any:
    def days() -> Iterator[int]:
        return (year_start(fy) + offset for fy in count())

    return days


assert set(SENIORITY) == set(PRACTICE_ROLES)
