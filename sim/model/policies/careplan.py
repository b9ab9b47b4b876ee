"""The Somerset scheme as practised: personalised care planning with a retained core.

From the reports of the scheme: practices stopped recording most indicators but kept
"good markers of clinical care" such as diabetes and serious mental illness; took "a
discretionary approach ... based on individual discussion with patients about their
needs and aspirations"; focused on complex multimorbidity and the frail elderly;
shifted work between GPs, nurses, HCAs and federation staff; shared records; and
reported to the commissioner every quarter.

So: a review interval by need (multimorbidity, frailty, age), changed in either
direction by the goals the patient agrees; one combined, longer care-planning
review covering what the patient's plan covers; the role by need, some complex
reviews by federation staff; the retained core recalled at least yearly and
recorded as under QOF; non-responders never exception-reported, complex ones
phoned by a care coordinator; patients who dissent left alone; the rest of the
record discretionary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.arrays import any_by_row, min_by_row
from sim.engine.clock import DAYS_PER_YEAR, months
from sim.model.decisions import Booking, ContactOutcome, Invitation, NonResponse
from sim.model.policies.base import Policy
from sim.model.policies.careplan_params import TIERS, CarePlanParams
from sim.model.qof.indicators import Indicators
from sim.model.view import PracticeView
from sim.vocabulary import CONDITIONS, FRAILTY, ITEMS

NO_GOAL = -1
"""Goal index of patients whose plan follows their need tier unchanged."""


class CarePlanning(Policy):
    """Personalised care planning: intervals by need and the patient's goals, a retained core."""

    name = "careplan"
    Params = CarePlanParams
    params: CarePlanParams

    def __init__(self, params: CarePlanParams, scenario: Any) -> None:
        super().__init__(params, scenario)
        for tier in TIERS:
            if tier not in params.interval_months or tier not in params.role:
                raise ValueError(f"interval_months and role must give every tier ({', '.join(TIERS)})")
        self.require_minutes(set(params.role.values()), "role")
        if params.shared_care:
            self.require_minutes({params.shared_care.role}, "shared_care.role")
        self._interval = np.array([months(params.interval_months[t]) for t in TIERS])
        self._tier_role = np.array([self.role_of(params.role[t], f"role.{t}") for t in TIERS])
        if params.shared_care:
            self._shared_role = self.role_of(params.shared_care.role, "shared_care.role")
        if params.coordinator:
            self._coordinator = self.role_of(params.coordinator.role, "coordinator.role")
            self._coordinated = np.array([t in params.coordinator.tiers for t in TIERS])
        core = params.retained_core
        self._core = np.array([c in core.conditions for c in CONDITIONS])
        self._core_interval = months(core.interval_months)
        goals = list(params.goals.values())
        self._goal_cum = np.cumsum([g.share for g in goals])
        self._goal_factor = np.array([g.interval_factor for g in goals] + [1.0])  # last: no goal
        self._goal_core_only = np.array([g.covers == "core" for g in goals] + [False])
        self._goal: np.ndarray = np.zeros(0, dtype=np.int64)

    # ------------------------------------------------------------------ need
    def tier(self, practice: PracticeView, ids: np.ndarray, day: int) -> np.ndarray:
        """0 low, 1 medium, 2 high need, from conditions, frailty and current age."""
        pop = practice.pop
        n_cond = pop.has[ids].sum(axis=1)
        frailty = pop.frailty[ids]
        age = pop.age[ids] + day / DAYS_PER_YEAR
        high, low = self.params.high_need, self.params.low_need
        is_high = (n_cond >= high.min_conditions) | (frailty >= FRAILTY.index(high.min_frailty))
        is_low = (n_cond <= low.max_conditions) & (age < low.max_age) & (frailty <= FRAILTY.index(low.max_frailty))
        return np.where(is_high, 2, np.where(is_low, 0, 1))

    def goal(self, ids: np.ndarray) -> np.ndarray:
        """Index of each patient's agreed goal in ``params.goals`` (``NO_GOAL`` for none)."""
        return self._goal[ids]

    def interval(self, practice: PracticeView, ids: np.ndarray, day: int) -> np.ndarray:
        """Days to the next plan review: the need tier's interval scaled by the patient's goal,
        but no longer than the retained core's interval for patients on a core register."""
        days = self._interval[self.tier(practice, ids, day)] * self._goal_factor[self._goal[ids]]
        on_core = (practice.pop.has[ids] & self._core).any(axis=1)
        days = np.where(on_core, np.minimum(days, self._core_interval), days)
        return days.astype(np.int32)

    def plan_covers(self, practice: PracticeView, ids: np.ndarray) -> np.ndarray:
        """Conditions each patient's plan reviews: all their registers, or only the retained
        core for those whose goal is to manage the rest themselves (all, if they have no core condition)."""
        has = practice.pop.has[ids]
        core_only = self._goal_core_only[self._goal[ids]]
        core = has & self._core
        return np.where((core_only & core.any(axis=1))[:, None], core, has)

    def _all_due(self, practice: PracticeView, ids: np.ndarray, day: int) -> np.ndarray:
        """One plan covers every condition: the same due date in every column."""
        return np.broadcast_to((day + self.interval(practice, ids, day))[:, None], practice.recall.due[ids].shape).copy()

    # ------------------------------------------------------------ life cycle
    def start(self, practice: PracticeView, rows: np.ndarray, day: int) -> np.ndarray:
        """Agree each joining patient's goal; first plan one interval after their earliest
        past review (now if never reviewed)."""
        if len(self._goal) != practice.pop.size:
            self._goal = np.full(practice.pop.size, NO_GOAL, dtype=np.int64)
        draw = practice.streams.for_people("preference", practice.pop.pid[rows], day).random(len(rows))
        chosen = np.searchsorted(self._goal_cum, draw, side="right")
        self._goal[rows] = np.where(chosen < len(self._goal_cum), chosen, NO_GOAL)
        has = practice.pop.has[rows]
        earliest = min_by_row(np.where(has, practice.care.last_delivered[rows], np.iinfo(np.int32).max))
        first = np.where(any_by_row(has), earliest + self.interval(practice, rows, day), day)
        return np.broadcast_to(first[:, None], has.shape).astype(np.int32)

    def on_diagnosis(self, practice: PracticeView, ids: np.ndarray, k: int, day: int) -> np.ndarray:
        """One care plan covers everything: a new condition brings the next review forward."""
        return np.minimum(practice.recall.due[ids], day)

    def invitations(self, practice: PracticeView, day: int) -> Invitation:
        """Patients whose plan review is due; those who dissent are not invited."""
        pop, recall = practice.pop, practice.recall
        due = any_by_row(pop.has) & (recall.due[:, 0] <= day + self.params.invite_lead_days)
        ids = np.flatnonzero(due & recall.idle() & pop.active & ~pop.dissent)
        return Invitation(ids, self.plan_covers(practice, ids))

    def booking(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> Booking:
        tier = self.tier(practice, ids, day)
        roles = self._tier_role[tier]
        shared = self.params.shared_care
        if shared is not None:
            visit = practice.care.visits[ids]  # booked for the patient's next review
            draw = practice.streams.for_people("shared_care", practice.pop.pid[ids], visit).random(len(ids)) < shared.share
            roles = np.where((tier == TIERS.index(shared.tier)) & draw, self._shared_role, roles)
        return Booking(roles, self.review_minutes(roles, cover.sum(axis=1)))

    def after_no_response(self, practice: PracticeView, ids: np.ndarray, day: int) -> NonResponse:
        """Another letter up to the limit; then the coordinator phones complex patients who
        have not dissented; the rest are offered a review again after their usual interval
        (never excepted)."""
        again = practice.recall.letters[ids] < self.params.letters_max
        contact = np.zeros(len(ids), dtype=bool)
        coordinator = self.params.coordinator
        if coordinator is not None:
            contact = ~again & self._coordinated[self.tier(practice, ids, day)] & ~practice.pop.dissent[ids]
            return NonResponse(again, contact, self._all_due(practice, ids, day), None, self._coordinator, coordinator.minutes)
        return NonResponse(again, contact, self._all_due(practice, ids, day))

    def after_contact(self, practice: PracticeView, ids: np.ndarray, day: int) -> ContactOutcome:
        assert self.params.coordinator is not None
        letters = practice.recall.letters_total[ids]  # phoned after the patient's n-th letter went unanswered
        agreed = practice.streams.for_people("coordination", practice.pop.pid[ids], letters).random(len(ids)) < self.params.coordinator.success
        return ContactOutcome(agreed, self._all_due(practice, ids, day))

    def next_due(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> np.ndarray:
        return self._all_due(practice, ids, day)

    # ------------------------------------------------------------ recording
    def recording(self, roles: np.ndarray, indicators: Indicators) -> np.ndarray:
        """Discretionary coding, except the retained core's indicators, coded as the core says."""
        p = super().recording(roles, indicators)
        core = self._core[indicators.condition]
        if core.any():
            kept = np.array([self.params.retained_core.recording[i] for i in ITEMS])[indicators.item[core]]
            can_code = self.recording_table[roles][:, indicators.item[core]] > 0  # no shared record, no coding
            p[:, core] = np.where(can_code, kept, 0.0)
        return p

    @property
    def opportunistic_probability(self) -> float:
        if self.scenario.federation.shared_record:
            return self.params.shared_record_opportunistic_probability
        return self.params.opportunistic_probability

    def longest_cycle_days(self) -> int:
        """The longest interval a plan can set: the low-need interval at the longest goal factor."""
        return int(self._interval.max() * self._goal_factor.max())
