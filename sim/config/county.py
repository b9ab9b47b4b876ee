"""Scenario objects for a county: which practices join the scheme, and how deprived each practice is."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.evaluation import TrueEffectsSpec
from sim.config.types import Locked, Positive, Probability
from sim.vocabulary import CONDITIONS, Condition

Selection = Literal["random", "largest", "smallest", "most_deprived", "least_deprived"]


class RegimeSpec(Locked):
    policy: str
    """A shipped policy name (``qof``, ``careplan``) or ``package.module:Class``."""
    params: dict[str, object] = {}
    """The policy's parameters, validated by the policy's own model."""


class SchemeSpec(Locked):
    """A local scheme that some of the county's practices join (Somerset: about 80%).

    Members follow ``regime`` from the start of financial year ``start_year``
    (0 is 2014/15, counted from the start of the run, warm-up included); the rest
    stay on the scenario's own regime.
    """

    share: Probability
    """Share of the county's practices that join (rounded to whole practices)."""
    selection: Selection = "random"
    """Which practices join: drawn at random from the seed, or the largest, smallest, most or least deprived."""
    start_year: Annotated[int, Field(ge=0, le=50)] = 0
    regime: RegimeSpec
    effects: TrueEffectsSpec | None = None
    """Known effects injected into members from the switch (virtual evaluations); none unless stated."""


class DeprivationSpec(Locked):
    """Each practice's deprivation quintile (1 least, 5 most deprived) and what it shifts.

    Effects are ratios between the most and least deprived quintile; a practice in
    quintile ``q`` gets ``ratio ** ((q - 3) / 4)``, so quintile 3 keeps the national
    figures and the county average stays near them.
    """

    quintile: Annotated[int, Field(ge=1, le=5)] | Literal["spread"]
    """A fixed quintile for every practice, or ``spread``: practices spread evenly over quintiles, in an order drawn from the seed."""
    prevalence_ratio: dict[Condition, Positive]
    """Register prevalence, most vs least deprived."""
    response_ratio: Positive
    """Mean chance of answering an invitation, most vs least deprived."""
    dissent_ratio: Positive
    """Share recording informed dissent, most vs least deprived."""
    exception_ratio: Positive
    """Clinical exception reporting (contraindication, intolerance, ...), most vs least deprived."""

    @model_validator(mode="after")
    def _all_conditions(self) -> DeprivationSpec:
        missing = [c for c in CONDITIONS if c not in self.prevalence_ratio]
        if missing:
            raise ValueError(f"prevalence_ratio missing: {', '.join(missing)}")
        return self

    def multiplier(self, ratio: float, quintile: int) -> float:
        """Effect of a most-vs-least ``ratio`` at ``quintile``, relative to the national figure."""
        return float(ratio ** ((quintile - 3) / 4))


__all__ = ["DeprivationSpec", "RegimeSpec", "SchemeSpec", "Selection", "Probability"]
