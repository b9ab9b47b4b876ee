"""Scenario objects for a virtual evaluation: known true effects, and the evaluation that tries to see them.

A virtual evaluation simulates a county under QOF for some years, switches a share
of its practices to the scheme, injects a *known* effect into the switching
practices (:class:`TrueEffectsSpec`) and analyses the practice-by-quarter data a
real evaluator would have had (:class:`EvaluationSpec`), many times over.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.config.types import Locked, Positive

Channel = Literal["acsc_admissions", "mortality", "hba1c_control", "bp_control"]
CHANNELS: tuple[str, ...] = ("acsc_admissions", "mortality", "hba1c_control", "bp_control")
CONTROL_FACTOR = {"hba1c_control": "hba1c", "bp_control": "sbp"}
"""The risk factor whose control each control channel changes."""

Harm = Annotated[float, Field(ge=0.0, lt=1.0)]
HazardChange = Annotated[float, Field(gt=-1.0, le=10.0)]


class HeldAbove(Locked):
    """Where a patient held out of control is kept: at least this far above the factor's target in the clinical layer."""

    sbp: Positive = 5.0
    """mmHg above the systolic target (150): a held patient is measurably, not marginally, uncontrolled."""
    hba1c: Positive = 0.3
    """% above the HbA1c target (7.5%): twice the measurement SD, so a held patient is seldom measured controlled."""


class TrueEffectsSpec(Locked):
    """Known effects injected into the scheme's practices from the day they switch; none unless stated.

    They act in the clinical layer, so everything downstream (events, deaths, what
    reviews measure, what is recorded) follows from them. Hazard changes are
    relative (0.1 = 10% higher hazard). A control change of ``h`` holds a share ``h``
    of patients (fixed per person) above the target, so the share controlled falls
    by the relative amount ``h`` (harm only).
    """

    acsc_admissions: HazardChange = 0.0
    """Relative change in the hazard of every ambulatory-care-sensitive admission (events with ``acsc: true``)."""
    mortality: HazardChange = 0.0
    """Relative change in the hazard of death: background deaths and the case fatality of every event."""
    hba1c_control: Harm = 0.0
    """Relative fall in the share of patients with HbA1c at or below target."""
    bp_control: Harm = 0.0
    """Relative fall in the share of patients with systolic BP at or below target."""
    held_above: HeldAbove = HeldAbove()
    """How far above target patients held out of control are kept."""

    @property
    def any(self) -> bool:
        return any(getattr(self, c) != 0 for c in CHANNELS)


class AnalysisSpec(Locked):
    """How each simulated evaluation analyses its data."""

    method: Literal["did", "cits"] = "did"
    """``did``: difference-in-differences with practice and quarter fixed effects; ``cits``: controlled
    interrupted time series (level and slope changes against the controls' own)."""
    weights: Literal["list_size", "none"] = "list_size"
    """Weight practices by list size (each patient counts equally) or count practices equally."""
    alpha: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05
    """Two-sided significance level of each evaluation's test."""
    power: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8
    """Power at which the minimum detectable effect is read off."""


class EvaluationSpec(Locked):
    """A virtual evaluation: who switches and when come from ``scheme``; this says what is injected and analysed.

    Each evaluation has ``practices.count`` practices, ``round(scheme.share * count)``
    of them switching (chosen by ``scheme.selection``), after ``years_before`` years
    under QOF; it is followed for ``years_after`` years. The evaluation sets
    ``years`` and ``scheme.start_year`` from these.
    """

    years_before: Annotated[int, Field(ge=1, le=20)]
    """Years under QOF before the switch (the pre-period)."""
    years_after: Annotated[int, Field(ge=1, le=20)]
    """Years followed after the switch."""
    effects: list[Harm]
    """True harms injected, each as its own arm: hazards rise by it, shares controlled fall by it.

    Zero is worth including: it is what the scheme, as modelled, does by itself. (The false-positive rate
    needs no arm of its own: placebo evaluations give switchers their own run on QOF.)"""
    effects_on: list[Channel] = list(CHANNELS)
    """Which channels each harm is injected into."""
    controls: Annotated[int, Field(ge=1)] | None = None
    """Control practices in each evaluation (default: every practice that does not switch)."""
    evaluations: Annotated[int, Field(ge=1, le=1_000_000)]
    """Simulated evaluations per arm, spread over the pool's replications."""
    pool_practices: Annotated[int, Field(ge=2, le=10_000)] | None = None
    """Practices simulated in each pool replication (default: ``practices.count``)."""
    sampling: Literal["resample", "partition"] = "resample"
    """``resample``: each evaluation draws its practices with replacement from the pool; ``partition``: the pool is
    cut into disjoint evaluations of fresh practices (fully simulated, no reuse)."""
    analysis: AnalysisSpec = AnalysisSpec()

    @field_validator("effects")
    @classmethod
    def _effects(cls, effects: list[float]) -> list[float]:
        if not effects:
            raise ValueError("no effect list: give the true effects to inject, e.g. [0, 0.05, 0.1, 0.2]")
        if len(set(effects)) != len(effects):
            raise ValueError(f"repeats a value: {effects}")
        return sorted(effects)

    @field_validator("effects_on")
    @classmethod
    def _channels(cls, channels: list[str]) -> list[str]:
        if not channels:
            raise ValueError(f"names no channel; choose from {', '.join(CHANNELS)}")
        if len(set(channels)) != len(channels):
            raise ValueError(f"repeats a channel: {channels}")
        return channels
