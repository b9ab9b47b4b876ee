"""QOF indicator achievement, computed the way the contract computes it.

For each indicator and financial year: the register; the denominator is the
register less patients exception-reported that year; the numerator is those in
the denominator with the indicator item recorded within the indicator's window
before 31 March; points scale linearly from the lower to the upper threshold.
The same calculation on *delivered* care shows what the record misses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.clock import DAYS_PER_MONTH, financial_year

if TYPE_CHECKING:
    from sim.config.schema import IndicatorSpec
    from sim.model.view import PracticeView


def points(achievement_pct: float, spec: IndicatorSpec) -> float:
    """Points earned for an achievement (percent) between the payment thresholds."""
    if spec.upper == spec.lower:
        return spec.points * float(achievement_pct >= spec.upper)
    share = (achievement_pct - spec.lower) / (spec.upper - spec.lower)
    return spec.points * float(np.clip(share, 0.0, 1.0))


def _window_start(spec: IndicatorSpec, on_day: int) -> int:
    return on_day - int(round(spec.window_months * DAYS_PER_MONTH))


NEW_PATIENT_DAYS = 274
"""QOF excludes patients diagnosed or registered in the last nine months of the year."""


def indicator_counts(practice: PracticeView, on_day: int) -> list[dict[str, float]]:
    """Register, exceptions, denominator and numerators of every indicator at ``on_day``.

    Outcome indicators (with a risk factor and target) count, on the recorded
    side, patients whose value coded within the window is at or below target; on
    the delivered side, patients measured within the window at or below target.
    """
    care, pop = practice.care, practice.pop
    fy = financial_year(on_day)
    recent = on_day - NEW_PATIENT_DAYS
    rows = []
    for i, spec in enumerate(practice.indicators.specs):
        k = practice.indicators.condition[i]
        register = pop.has[:, k] & pop.active
        excepted = register & (care.excepted_fy[:, k] == fy)
        new = register & ~excepted & ((care.diagnosed[:, k] > recent) | (care.registered > recent))
        denominator = register & ~excepted & ~new
        since = _window_start(spec, on_day)
        recorded = denominator & (care.last_recorded[:, i] >= since)
        j = practice.indicators.factor[i]
        if j >= 0:
            recorded &= care.recorded_value[:, i] <= spec.target
            delivered = denominator & (care.measured_day[:, j] >= since) & (care.measured_value[:, j] <= spec.target)
        else:
            delivered = denominator & (care.last_delivered[:, k] >= since)
        rows.append(
            {
                "indicator": spec.id,
                "condition": spec.condition,
                "kind": "process" if j < 0 else "outcome",
                "register": float(register.sum()),
                "exceptions": float(excepted.sum()),
                "excluded_new": float(new.sum()),
                "denominator": float(denominator.sum()),
                "numerator_recorded": float(recorded.sum()),
                "numerator_delivered": float(delivered.sum()),
            }
        )
    return rows


def achievement(practice: PracticeView, on_day: int) -> list[dict[str, float]]:
    """Indicator rows with achievement (percent) and points, recorded and delivered."""
    rows = indicator_counts(practice, on_day)
    for row, spec in zip(rows, practice.indicators.specs, strict=True):
        denominator = row["denominator"]
        for basis in ("recorded", "delivered"):
            pct = 100.0 * row[f"numerator_{basis}"] / denominator if denominator else float("nan")
            row[f"achievement_{basis}"] = pct
            row[f"points_{basis}"] = points(pct, spec) if denominator else 0.0
        row["points_available"] = spec.points
    return rows


def provisional_shortfall(practice: PracticeView, year_end_day: int) -> np.ndarray:
    """Conditions per patient that would miss an indicator still below its upper threshold.

    What a practice chasing its points looks at in January: patients in the
    denominator whose item would be out of date on 31 March.
    """
    care, pop = practice.care, practice.pop
    fy = financial_year(year_end_day)
    need = np.zeros_like(pop.has)
    for i, spec in enumerate(practice.indicators.specs):
        k = practice.indicators.condition[i]
        denominator = pop.has[:, k] & pop.active & (care.excepted_fy[:, k] != fy)
        missing = denominator & (care.last_recorded[:, i] < _window_start(spec, year_end_day))
        n = denominator.sum()
        if n and 100.0 * (n - missing.sum()) / n < spec.upper:
            need[:, k] |= missing
    return need
