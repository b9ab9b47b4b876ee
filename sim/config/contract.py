"""Scenario objects for the money and the administrative time of a regime.

Kept apart from :mod:`sim.config.schema` so that module stays short. Administrative
work is described here and counted by :mod:`sim.model.admin`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.types import Locked, NonNegative, Probability
from sim.vocabulary import Condition, Item

AdminUnit = Literal["letter", "booking", "item_coded", "exception", "contact"]
"""Counted activities that carry administrative minutes per unit."""

ADMIN_UNITS: tuple[str, ...] = ("letter", "booking", "item_coded", "exception", "contact")

NON_CLINICAL_ROLES: tuple[str, ...] = ("admin", "manager")
"""Staff who do administrative work but no appointments: administrators and receptionists, the practice manager."""

CLINICIAN = "clinician"
"""In a per-unit task, the role that did the clinical work (e.g. who coded the item in the review)."""


class AdminTask(Locked):
    """Minutes of one role's administrative work per unit of an activity."""

    role: str
    """A practice role (gp, nurse, hca), federation staff, ``admin``, ``manager`` or ``clinician``."""
    minutes: NonNegative
    purpose: str
    """What the time is for (e.g. ``coding``, ``recall``, ``exception_coding``)."""


class ScheduledAdmin(Locked):
    """Administrative work a practice does on a calendar (reporting, meetings)."""

    purpose: str
    every_months: Annotated[int, Field(ge=1, le=12)]
    """Once every so many months (3 = quarterly, 12 = yearly)."""
    day: Annotated[int, Field(ge=0, le=364)] = 0
    """Day of the financial year of the first occurrence (0 is 1 April)."""
    minutes: dict[str, NonNegative]
    """Minutes per occurrence by role (as in :class:`AdminTask`, but not ``clinician``)."""
    per_1000_patients: bool = False
    """Scale the minutes with the practice list (per 1,000 patients) rather than per practice."""


class AdminSpec(Locked):
    """A regime's administrative work: per unit of counted activity, and on a calendar."""

    per_unit: dict[AdminUnit, list[AdminTask]] = {}
    scheduled: list[ScheduledAdmin] = []


# ------------------------------------------------------------------ the QOF contract
IndicatorKind = Literal["register", "process", "outcome", "treatment"]
INDICATOR_KINDS: tuple[str, ...] = ("register", "process", "outcome", "treatment")
Window = Literal["months", "flu_season", "since_diagnosis", "none"]


class IndicatorSpec(Locked):
    """One QOF clinical indicator: who is in it, what counts, its thresholds and points.

    ``kind`` follows the contract: a register earns its points for keeping the
    register; a process indicator counts an item coded in the window; an
    intermediate outcome counts the last value coded in the window at or below
    ``target``; a treatment indicator counts patients recorded as on ``treatments``.
    """

    id: str
    """The official indicator ID (e.g. DM012, HYP006)."""
    condition: Condition
    kind: IndicatorKind = "process"
    item: Item | None = None
    """Kind of item coded at a review (process and outcome indicators)."""
    window: Window = "months"
    """Look-back: the last ``window_months``; the flu season (1 August to 31 March); since diagnosis; none."""
    window_months: Annotated[int, Field(ge=1, le=60)] | None = None
    """Look-back in months; for ``since_diagnosis``, the months after diagnosis within which the item counts."""
    lower: Annotated[float, Field(ge=0.0, le=100.0)] = 0.0
    upper: Annotated[float, Field(ge=0.0, le=100.0)] = 0.0
    points: NonNegative
    factor: Literal["sbp", "hba1c", "chol"] | None = None
    """Outcome indicators: the risk factor whose last recorded value must be at or below ``target``."""
    target: float | None = None
    code: str | None = None
    """Indicators sharing a code share one coding draw (one BP code serves every BP indicator); default: the factor, else the ID."""
    treatments: list[str] = []
    """Treatment indicators: treatment classes (``care.treatments``; ``statin`` is the clinical layer's lipid treatment)."""
    any_treatment: bool = False
    """Any one of ``treatments`` suffices (e.g. anticoagulant or antiplatelet); default all of them."""
    subgroup: str | None = None
    """Only patients in this sub-population of the register (``care.subgroups``, or ``chads2_ge2``/``chads2_eq1``)."""
    also_on: Condition | None = None
    """Only patients also on this register (e.g. CKD with hypertension)."""
    new_in_year: bool = False
    """Only patients diagnosed in the financial year (e.g. referral to structured education)."""
    diagnosis_lead_months: Annotated[int, Field(ge=0, le=12)] = 0
    """``since_diagnosis`` window: an item coded up to this many months before diagnosis also counts."""
    min_age: Annotated[int, Field(ge=0, le=110)] = 0
    max_age: Annotated[int, Field(ge=1, le=111)] = 111
    women_only: bool = False
    completeness: Probability | None = None
    """Chance a review does this item, overriding ``care.item_completeness`` (e.g. a screening test few take up)."""
    investigation: bool = False
    """Needs an investigation a service may not provide (exception criterion I)."""
    prevalence_adjusted: bool = True
    """Paid with the adjusted prevalence factor (APDF)."""

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorSpec:
        if self.upper < self.lower:
            raise ValueError(f"upper threshold {self.upper} is below lower {self.lower}")
        if (self.factor is None) != (self.target is None):
            raise ValueError("an outcome indicator needs both factor and target")
        if (self.kind == "outcome") != (self.factor is not None):
            raise ValueError("outcome indicators, and only they, have a factor and target")
        if (self.kind == "treatment") != bool(self.treatments):
            raise ValueError("treatment indicators, and only they, name treatments")
        if self.kind in ("process", "outcome") and self.window != "flu_season" and self.item is None:
            raise ValueError(f"a {self.kind} indicator needs the item coded")
        if self.window in ("months", "since_diagnosis") and self.kind in ("process", "outcome") and self.window_months is None:
            raise ValueError(f"window {self.window!r} needs window_months (since_diagnosis: months after diagnosis)")
        return self

    @property
    def flu(self) -> bool:
        return self.window == "flu_season"


class NewPatientRule(Locked):
    """Exception criterion C: patients diagnosed or registered too recently to count."""

    measurement_months: Annotated[int, Field(ge=0, le=12)]
    """Process indicators (measurements): diagnosed or registered in the last so many months."""
    standard_months: Annotated[int, Field(ge=0, le=12)]
    """Outcome and treatment indicators (clinical standards)."""


class ContractSpec(Locked):
    """How QOF achievement is counted and paid (the 2014/15 rules)."""

    pound_per_point: NonNegative
    national_list_size: Annotated[float, Field(gt=0)]
    """Average practice list for the contractor population index (CPI = list / this)."""
    national_prevalence: dict[Condition, Annotated[float, Field(gt=0.0, lt=1.0)]]
    """England register prevalence (share of the whole list) for the adjusted prevalence factor APDF."""
    new_patients: NewPatientRule
    flu_season_start_day: Annotated[int, Field(ge=0, le=364)]
    """Day of the financial year the flu-vaccination window opens (122 is 1 August)."""
    pre_scheme_achievement: Probability
    """Share of available points a practice earned before leaving QOF: the basis of its protected income."""


# ------------------------------------------------------------------ care behind the indicators
class TreatmentSpec(Locked):
    """A drug class a treatment indicator counts: started at reviews, recorded when prescribed."""

    initial_share: Probability
    """Share of eligible patients on it when they join (start of the run or registration)."""
    start_probability: Probability
    """Chance a review of an eligible patient not on it starts it."""
    contraindicated_share: Probability
    """Patients who cannot take it (allergy, contraindication, intolerance: criteria E and F)."""
    record_probability: Probability
    """Chance the record shows it (a practice prescription; not, e.g., aspirin bought over the counter)."""


class SubgroupSpec(Locked):
    condition: Condition
    share: Probability
    """Share of the register in the sub-population (e.g. heart failure due to LVSD)."""


class FluSpec(Locked):
    accept_mean: Annotated[float, Field(gt=0.0, lt=1.0)]
    """Mean per-season chance an eligible patient accepts the vaccine."""
    accept_concentration: Annotated[float, Field(gt=0.0)]
    clinic_day: Annotated[int, Field(ge=0, le=364)]
    """Day of the financial year of the practice's flu clinics."""
    clinic_reach: Probability
    """Share of willing patients vaccinated at the clinics; the rest only if a review in season offers it."""
    record_probability: Probability


class CareSpec(Locked):
    """Care that treatment and vaccination indicators count, and patients' clinical grounds for exception."""

    item_completeness: dict[Item, Probability]
    """Chance a review that covers a condition does each process item (the blood test is taken, the feet examined)."""
    treatments: dict[str, TreatmentSpec]
    subgroups: dict[str, SubgroupSpec]
    flu: FluSpec
    unsuitable_share: Probability
    """Severely frail patients for whom review is inappropriate (criterion B)."""
    supervening_share: Probability
    """Per outcome indicator, patients with a supervening condition that makes the target inappropriate (criterion H)."""
    service_unavailable: Probability
    """Chance an indicator needing an investigation cannot get it at a review (criterion I)."""
