"""Somerset-style opt-out: discretionary, personalised care planning.

Review intervals follow need (multimorbidity, frailty, age) rather than a fixed
cycle; one combined, longer review covers all of a patient's conditions; the
role doing it depends on need and can be federation staff; some patients agree
fewer reviews; non-responders are not exception-reported but may be phoned by a
care coordinator; recording is discretionary.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from sim.engine.clock import DAYS_PER_YEAR, months
from sim.model.decisions import Booking, ContactOutcome, Invitation, NonResponse
from sim.model.policies.base import Policy, PolicyParams, Probability
from sim.model.view import PracticeView
from sim.vocabulary import FRAILTY

Tier = Literal["low", "medium", "high"]
TIERS: tuple[str, ...] = ("low", "medium", "high")
Frailty = Literal["fit", "mild", "moderate", "severe"]


class _Locked(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HighNeed(_Locked):
    min_conditions: Annotated[int, Field(ge=1)]
    min_frailty: Frailty


class LowNeed(_Locked):
    max_conditions: Annotated[int, Field(ge=1)]
    max_age: Annotated[float, Field(gt=0)]
    max_frailty: Frailty


class SharedCare(_Locked):
    """Route a share of one tier's reviews to federation staff."""

    tier: Tier
    role: str
    share: Probability


class Coordinator(_Locked):
    """Phone non-responders in some tiers instead of giving up."""

    role: str
    tiers: list[Tier]
    minutes: Annotated[float, Field(gt=0)]
    success: Probability


class CarePlanParams(PolicyParams):
    interval_months: dict[Tier, Annotated[float, Field(gt=0)]]
    high_need: HighNeed
    low_need: LowNeed
    invite_lead_days: Annotated[int, Field(ge=0)]
    fewer_reviews_share: Probability
    fewer_reviews_factor: Annotated[float, Field(ge=1.0)]
    role: dict[Tier, str]
    shared_care: SharedCare | None = None
    coordinator: Coordinator | None = None
    shared_record_opportunistic_probability: Probability


class CarePlanning(Policy):
    """Need-based intervals, one combined care-planning review, discretionary recording."""

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

    def interval(self, practice: PracticeView, ids: np.ndarray, day: int) -> np.ndarray:
        days = self._interval[self.tier(practice, ids, day)]
        return np.where(self._fewer_reviews[ids], days * self.params.fewer_reviews_factor, days).astype(np.int32)

    def _all_due(self, practice: PracticeView, ids: np.ndarray, day: int) -> np.ndarray:
        """One plan covers every condition: the same due date in every column."""
        return np.broadcast_to((day + self.interval(practice, ids, day))[:, None], practice.recall.due[ids].shape).copy()

    # ------------------------------------------------------------ life cycle
    def start(self, practice: PracticeView, rows: np.ndarray, day: int) -> np.ndarray:
        """Whether each joining patient agrees fewer reviews; first plan one interval after
        their earliest past review (now if never reviewed)."""
        if not hasattr(self, "_fewer_reviews"):
            self._fewer_reviews = np.zeros(practice.pop.size, dtype=bool)
        rng = practice.streams["preference"]
        self._fewer_reviews[rows] = rng.random(len(rows)) < self.params.fewer_reviews_share
        has = practice.pop.has[rows]
        earliest = np.where(has, practice.care.last_delivered[rows], np.iinfo(np.int32).max).min(axis=1)
        first = np.where(has.any(axis=1), earliest + self.interval(practice, rows, day), day)
        return np.broadcast_to(first[:, None], has.shape).astype(np.int32)

    def on_diagnosis(self, practice: PracticeView, ids: np.ndarray, k: int, day: int) -> np.ndarray:
        """One care plan covers everything: a new condition brings the next review forward."""
        return np.minimum(practice.recall.due[ids], day)

    def invitations(self, practice: PracticeView, day: int) -> Invitation:
        pop, recall = practice.pop, practice.recall
        due = pop.has.any(axis=1) & (recall.due[:, 0] <= day + self.params.invite_lead_days)
        ids = np.flatnonzero(due & recall.idle() & pop.active & ~pop.dissent)  # dissenters are left alone
        return Invitation(ids, pop.has[ids])

    def booking(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> Booking:
        tier = self.tier(practice, ids, day)
        roles = self._tier_role[tier]
        shared = self.params.shared_care
        if shared is not None:
            draw = practice.streams["shared_care"].random(len(ids)) < shared.share
            roles = np.where((tier == TIERS.index(shared.tier)) & draw, self._shared_role, roles)
        return Booking(roles, self.review_minutes(roles, practice.pop.has[ids].sum(axis=1)))

    def after_no_response(self, practice: PracticeView, ids: np.ndarray, day: int) -> NonResponse:
        """Another letter up to the limit; then the coordinator phones high-need patients;
        the rest are offered a review again after their usual interval (never excepted)."""
        again = practice.recall.letters[ids] < self.params.letters_max
        contact = np.zeros(len(ids), dtype=bool)
        coordinator = self.params.coordinator
        if coordinator is not None:
            contact = ~again & self._coordinated[self.tier(practice, ids, day)] & ~practice.pop.dissent[ids]
            return NonResponse(again, contact, self._all_due(practice, ids, day), None, self._coordinator, coordinator.minutes)
        return NonResponse(again, contact, self._all_due(practice, ids, day))

    def after_contact(self, practice: PracticeView, ids: np.ndarray, day: int) -> ContactOutcome:
        assert self.params.coordinator is not None
        agreed = practice.streams["coordination"].random(len(ids)) < self.params.coordinator.success
        return ContactOutcome(agreed, self._all_due(practice, ids, day))

    def next_due(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> np.ndarray:
        return self._all_due(practice, ids, day)

    @property
    def opportunistic_probability(self) -> float:
        if self.scenario.federation.shared_record:
            return self.params.shared_record_opportunistic_probability
        return self.params.opportunistic_probability
