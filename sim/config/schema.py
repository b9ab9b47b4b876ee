"""Typed, locked scenario objects. Unknown keys are errors, never ignored."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.config.clinical import ClinicalSpec
from sim.config.county import DeprivationSpec, RegimeSpec, SchemeSpec
from sim.config.contract import CareSpec, ContractSpec, IndicatorSpec
from sim.config.evaluation import EvaluationSpec
from sim.config.types import Locked, NonNegative, Positive, Probability
from sim.vocabulary import CONDITIONS, FRAILTY, Condition, PracticeRole



class AgeBand(Locked):
    lower: Annotated[int, Field(ge=0, le=110)]
    upper: Annotated[int, Field(ge=1, le=111)]
    share: Probability

    @model_validator(mode="after")
    def _ordered(self) -> AgeBand:
        if self.upper <= self.lower:
            raise ValueError(f"upper ({self.upper}) must exceed lower ({self.lower})")
        return self


class RateBand(Locked):
    lower: Annotated[int, Field(ge=0, le=110)]
    upper: Annotated[int, Field(ge=1, le=111)]
    rate: NonNegative
    """Relative rate for ages in [lower, upper)."""


class ConditionSpec(Locked):
    prevalence: Annotated[float, Field(gt=0.0, lt=1.0)]
    """Share of the registered list on the register (of the whole list, or of those at or above
    ``min_age``: see ``prevalence_of``)."""
    prevalence_of: Literal["list", "eligible"] = "list"
    """Denominator of ``prevalence``: the whole list unless stated, or patients at or above ``min_age`` (QOF diabetes is 17+)."""
    age_slope: float
    """Log-odds change per decade of age."""
    min_age: Annotated[int, Field(ge=0, le=100)] = 0


class BetaSpec(Locked):
    mean: Annotated[float, Field(gt=0.0, lt=1.0)]
    concentration: Positive
    """alpha + beta: larger means patients are more alike."""


class ResponseSpec(BetaSpec):
    never_share: Probability
    """Patients who never answer an invitation letter."""
    delay_days: Positive
    """Mean days from letter to the patient asking for an appointment."""


class FrailtySpec(Locked):
    min_age: Annotated[int, Field(ge=0, le=100)]
    shares: dict[str, Probability]

    @model_validator(mode="after")
    def _categories(self) -> FrailtySpec:
        if tuple(self.shares) != FRAILTY:
            raise ValueError(f"shares must list {', '.join(FRAILTY)} in that order")
        _check_sums_to_one(self.shares.values(), "frailty shares")
        return self


class PopulationSpec(Locked):
    age_bands: list[AgeBand]
    male_share: Probability
    multimorbidity_sd: NonNegative
    """SD of a shared latent risk on the log-odds scale: clusters conditions in patients."""
    conditions: dict[Condition, ConditionSpec]
    frailty: FrailtySpec
    response: ResponseSpec
    attendance: BetaSpec
    informed_dissent_share: Probability
    history_combined_share: Probability
    """Share of patients whose conditions were all recalled on one date before the run."""

    @model_validator(mode="after")
    def _complete(self) -> PopulationSpec:
        _check_sums_to_one((b.share for b in self.age_bands), "age band shares")
        missing = [c for c in CONDITIONS if c not in self.conditions]
        if missing:
            raise ValueError(f"conditions missing: {', '.join(missing)}")
        return self


class PracticesSpec(Locked):
    count: Annotated[int, Field(ge=1, le=10_000)]
    list_size_mean: Annotated[int, Field(ge=100)]
    list_size_cv: Annotated[float, Field(ge=0.0, le=2.0)]
    federation_size: Annotated[int, Field(ge=1)]


class DemandSpec(Locked):
    consultations_per_person_year: NonNegative
    """Consultations other than long-term-condition reviews."""
    age_relative_rate: list[RateBand]
    per_condition_relative: NonNegative
    role_share: dict[PracticeRole, Probability]
    same_day_share: Probability
    minutes: dict[PracticeRole, Positive]
    max_wait_days: Annotated[int, Field(ge=1)]
    """Days a routine request waits in the queue (from the day the patient wanted) before it lapses."""
    routine_lead_days: NonNegative = 0.0
    """Routine requests are for a day the patient chooses, ``1 + floor(Exp(mean))`` days ahead;
    0: for the next free appointment, today if minutes are left."""

    @model_validator(mode="after")
    def _shares(self) -> DemandSpec:
        _check_sums_to_one(self.role_share.values(), "role_share")
        return self


class StaffingSpec(Locked):
    fte_per_1000: dict[PracticeRole, NonNegative]
    minutes_per_fte_day: dict[PracticeRole, NonNegative]


class SharedStaff(Locked):
    fte_per_10000: NonNegative
    """Whole-time equivalents per 10,000 patients registered in the federation."""
    minutes_per_fte_day: NonNegative
    funded_by: Literal["practices", "commissioner"] = "commissioner"
    """Who pays: the practices (out of their QOF or protected income) or the commissioner (new money)."""
    cost_gbp_per_fte_year: NonNegative = 0.0
    """Employment cost of one whole-time post a year, on-costs included."""


class FederationSpec(Locked):
    shared_record: bool
    staff: dict[str, SharedStaff] = {}
    """Shared federation staff by role name; none unless stated."""

    @model_validator(mode="after")
    def _names(self) -> FederationSpec:
        clash = set(self.staff) & {"gp", "nurse", "hca"}
        if clash:
            raise ValueError(f"shared staff may not reuse practice role names: {sorted(clash)}")
        return self


class MeasuresSpec(Locked):
    overdue_months: Annotated[int, Field(ge=1)]
    lost_to_follow_up_months: Annotated[int, Field(ge=1)]
    gap_thresholds_months: list[Annotated[int, Field(ge=1, le=120)]] = [12, 15, 24]
    """Fixed clinical thresholds: months without a review of a condition reported as a gap, whatever was planned."""
    plan_grace_months: Annotated[float, Field(ge=0, le=24)] = 3.0
    """Months past the date the regime itself planned before a review counts as missed."""
    snapshots_per_year: Annotated[int, Field(ge=1, le=52)]
    warmup_years: Annotated[int, Field(ge=0, le=20)] = 0
    """Years simulated before measuring starts, so recall cycles and the population settle."""
    patient_tables: bool = True
    """Write the patient-level tables (one row per register patient); national runs turn them off."""


class Scenario(Locked):
    name: str
    description: str = ""
    """Plain-language description for the report."""
    seed: Annotated[int, Field(ge=0)]
    years: Annotated[int, Field(ge=1, le=50)]
    practices: PracticesSpec
    population: PopulationSpec
    demand: DemandSpec
    staffing: StaffingSpec
    federation: FederationSpec
    indicators: list[IndicatorSpec]
    contract: ContractSpec
    care: CareSpec
    measures: MeasuresSpec
    clinical: ClinicalSpec
    regime: RegimeSpec
    deprivation: DeprivationSpec
    scheme: SchemeSpec | None = None
    """A local scheme some practices join (the Somerset opt-out); none unless stated."""
    evaluation: EvaluationSpec | None = None
    """A virtual evaluation of the scheme (``qofsim evaluate``); none unless stated."""

    @model_validator(mode="after")
    def _unique_indicators(self) -> Scenario:
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"indicator ids repeat: {dupes}")
        known = {*self.care.treatments, "statin"}
        subgroups = {*self.care.subgroups, "chads2_ge2", "chads2_eq1"}
        for spec in self.indicators:
            if set(spec.treatments) - known:
                raise ValueError(f"indicator {spec.id}: unknown treatments {sorted(set(spec.treatments) - known)}; care.treatments has {sorted(known)}")
            if spec.subgroup is not None and spec.subgroup not in subgroups:
                raise ValueError(f"indicator {spec.id}: unknown subgroup {spec.subgroup!r}; known: {sorted(subgroups)}")
        return self

    @property
    def roles(self) -> tuple[str, ...]:
        """Practice roles then federation roles in sorted order (stable indices)."""
        return ("gp", "nurse", "hca", *sorted(self.federation.staff))




def _check_sums_to_one(values: Any, what: str) -> None:
    total = sum(values)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:.6g})")
