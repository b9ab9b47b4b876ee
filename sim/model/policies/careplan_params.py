"""Parameters of the care-planning regime (the Somerset scheme as practised)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.model.policies.base import PolicyParams, Probability
from sim.vocabulary import ITEMS, Condition

Tier = Literal["low", "medium", "high"]
TIERS: tuple[str, ...] = ("low", "medium", "high")
Frailty = Literal["fit", "mild", "moderate", "severe"]


class _Locked(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


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


class Goal(_Locked):
    """A goal some patients agree in the care-planning discussion, and what it changes."""

    share: Probability
    """Share of patients who agree this goal."""
    interval_factor: Annotated[float, Field(gt=0.0, le=4.0)]
    """Their review interval is the need tier's times this (below 1: more often; above 1: less often)."""
    covers: Literal["all", "core"] = "all"
    """What their plan reviews: all their registers, or only the retained core (self-managing the rest)."""


class RetainedCore(_Locked):
    """The "good markers of clinical care" the scheme kept recording (diabetes, serious mental illness)."""

    conditions: list[Condition]
    interval_months: Annotated[float, Field(gt=0)]
    """Patients on a core register are reviewed at least this often."""
    recording: dict[str, Probability]
    """Coding probability of the core's indicator items, by kind of item."""

    @model_validator(mode="after")
    def _items(self) -> RetainedCore:
        missing = [i for i in ITEMS if i not in self.recording]
        if missing:
            raise ValueError(f"recording must give each of {', '.join(ITEMS)} (missing {missing})")
        return self


class CarePlanParams(PolicyParams):
    interval_months: dict[Tier, Annotated[float, Field(gt=0)]]
    high_need: HighNeed
    low_need: LowNeed
    invite_lead_days: Annotated[int, Field(ge=0)]
    goals: dict[str, Goal]
    """Goals agreed with patients, by name; patients agreeing none follow their need tier."""
    retained_core: RetainedCore
    role: dict[Tier, str]
    shared_care: SharedCare | None = None
    coordinator: Coordinator | None = None
    shared_record_opportunistic_probability: Probability

    @model_validator(mode="after")
    def _goal_shares(self) -> CarePlanParams:
        total = sum(g.share for g in self.goals.values())
        if total > 1 + 1e-9:
            raise ValueError(f"goal shares sum to {total:.3g}; at most 1 (the rest agree no goal)")
        return self
