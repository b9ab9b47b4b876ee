"""Scenario objects for the clinical layer: risk factors, treatment, events, utilities, costs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.vocabulary import Condition, Item
from sim.config.types import Locked, NonNegative, Positive, Probability

Factor = Literal["sbp", "hba1c", "chol"]
FACTORS: tuple[str, ...] = ("sbp", "hba1c", "chol")

EventName = Literal["mi", "stroke", "hf_admission", "amputation", "microvascular", "copd_admission", "acsc_admission", "death"]
EVENTS: tuple[str, ...] = ("mi", "stroke", "hf_admission", "amputation", "microvascular", "copd_admission", "acsc_admission", "death")


class FactorSpec(Locked):
    """A risk factor QOF measures: how it starts, drifts, is measured and treated."""

    unit: str
    monitored_for: list[Condition]
    """Registers whose reviews measure and treat this factor."""
    only_for: list[Condition] = []
    """If set, the factor exists only for patients on these registers (HbA1c: diabetes)."""
    start_mean_register: float
    start_mean_other: float
    start_sd: Positive
    drift_mean: float
    """Change per year without treatment change."""
    drift_sd: NonNegative
    step_effect: Positive
    """Lowering per treatment step at full adherence."""
    start_steps_mean: NonNegative
    max_steps: Annotated[int, Field(ge=0, le=10)]
    target: float
    """Measured values above this are poor control (QOF threshold)."""
    measurement_sd: NonNegative
    intensify_probability: Probability
    """Chance a review that finds poor control intensifies treatment (clinical inertia)."""
    item: Item
    reference: float
    """Level at which hazard ratios are 1."""


class AdherenceSpec(Locked):
    peak_mean: Annotated[float, Field(gt=0.0, lt=1.0)]
    peak_concentration: Positive
    floor_share: Probability
    """Adherence wanes towards this share of the peak without reinforcement."""
    waning_days: Positive
    """Time constant of waning after the last review."""


class EventSpec(Locked):
    """Hazard = base x age, sex, risk-factor, condition and overdue effects (log-linear)."""

    eligible: list[Condition] = []
    """Only patients on one of these registers are at risk (empty: everyone)."""
    base_per_1000: NonNegative
    """Events per 1,000 person-years for a man aged 65 at reference risk factors."""
    age_hr_per_decade: Positive
    female_hr: Positive
    factor_hr: dict[Factor, Positive] = {}
    """Hazard ratio per unit above reference: SBP per 10 mmHg, HbA1c per 1%, cholesterol per mmol/L."""
    factor_share: dict[Factor, Probability] = {}
    """Share of the hazard a factor's ratio acts on; the whole hazard unless stated (a ratio published for one cause acts on that cause's share)."""
    condition_hr: dict[Condition, Positive] = {}
    """Hazard ratio for being on each register; none unless stated."""
    overdue_hr: Positive = 1.0
    """Hazard ratio when no review for over the overdue window (on any register)."""
    review_effect: Probability = 0.0
    """Share of the hazard removed at full review-reinforced adherence (e.g. COPD self-management)."""
    patient_shape: Positive | None = None
    """Gamma shape of between-patient variation in this hazard (None: none)."""
    case_fatality: Probability = 0.0
    """Share of events that are fatal; none unless stated."""
    adds_register: Condition | None = None
    """Register the event puts a patient on; none unless stated."""
    admission: bool = False
    """Whether the event is an emergency admission; not unless stated."""
    acsc: bool = False
    """Whether it is an ambulatory-care-sensitive admission; not unless stated."""
    cost: NonNegative = 0.0
    """NHS cost per event; not costed unless stated."""
    utility_decrement: NonNegative = 0.0
    """QALY loss in the year after the event."""


    @model_validator(mode="after")
    def _shares_of_known_ratios(self) -> EventSpec:
        stray = sorted(set(self.factor_share) - set(self.factor_hr))
        if stray:
            raise ValueError(f"factor_share names {stray} with no factor_hr")
        return self


class ClinicalSpec(Locked):
    step_days: Annotated[int, Field(ge=1, le=365)]
    factors: dict[Factor, FactorSpec]
    adherence: AdherenceSpec
    events: dict[EventName, EventSpec]
    utility_at_30: Probability
    utility_loss_per_decade: NonNegative
    condition_utility_decrement: dict[Condition, NonNegative]
    incidence_trend: dict[Condition, float]
    """Extra new diagnoses per year as a share of the register (secular trend)."""
    leave_rate: Probability
    """Share of the list leaving per year (moves), not a rate: over a year exactly this share of those
    who neither die nor leave otherwise moves away. Leavers and deaths are replaced by new registrants."""
    cost_per_hour: dict[str, NonNegative]
    """NHS cost of clinician time by role."""

    @model_validator(mode="after")
    def _complete(self) -> ClinicalSpec:
        missing = [f for f in FACTORS if f not in self.factors] + [e for e in EVENTS if e not in self.events]
        if missing:
            raise ValueError(f"missing: {', '.join(missing)}")
        return self
