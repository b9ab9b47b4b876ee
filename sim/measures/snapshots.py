"""What a practice's record says at a moment: monitoring gaps on each register."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.vocabulary import CONDITIONS
from sim.engine.clock import DAYS_PER_MONTH, NEVER

if TYPE_CHECKING:
    from sim.model.practice import Practice

GAP_MONTHS = 37
"""Months-since-review bins 0..36; the last bin holds 36+ and never reviewed."""


def register_snapshot(practice: Practice, day: int) -> tuple[list[dict[str, object]], np.ndarray]:
    """Per-condition gap measures and the months-since-review histogram at ``day``.

    Gaps are in *delivered* care, seen two ways:

    - against the regime's own plan: ``missed_plan`` counts patients whose review
      of the condition is later than the date the regime planned for it (at the
      last review, diagnosis or joining) by more than ``plan_grace_months``; a
      long interval that was planned is not a gap;
    - against fixed clinical thresholds: ``no_review_<m>m`` counts patients with
      no review of the condition for over ``m`` months (each of
      ``gap_thresholds_months``), whatever was planned. ``overdue`` and
      ``lost_to_follow_up`` are the same at ``overdue_months`` and
      ``lost_to_follow_up_months``.

    Patients never reviewed count from diagnosis or registration, and are also
    counted separately.
    """
    pop, care = practice.pop, practice.care
    spec = practice.scenario.measures
    since = day - care.reviewed_or_joined()
    late = day - practice.recall.planned > spec.plan_grace_months * DAYS_PER_MONTH
    on = pop.has & pop.active[:, None]
    months = np.minimum((since / DAYS_PER_MONTH).astype(np.int64), GAP_MONTHS - 1)
    thresholds = {"overdue": spec.overdue_months, "lost_to_follow_up": spec.lost_to_follow_up_months}
    thresholds |= {threshold_measure(m): m for m in spec.gap_thresholds_months}
    hist = np.zeros((len(CONDITIONS), GAP_MONTHS), dtype=np.int64)
    rows: list[dict[str, object]] = []
    for k, name in enumerate(CONDITIONS):
        members = on[:, k]
        gap = since[members, k]
        hist[k] = np.bincount(months[members, k], minlength=GAP_MONTHS)
        values = {"register": float(members.sum())}
        values |= {m: float((gap > t * DAYS_PER_MONTH).sum()) for m, t in thresholds.items()}
        values["missed_plan"] = float(late[members, k].sum())
        values["never_reviewed"] = float((care.last_delivered[members, k] == NEVER).sum())
        values["mean_months_since_review"] = float(np.mean(np.minimum(gap, 10 * 365)) / DAYS_PER_MONTH) if len(gap) else np.nan
        rows.extend({"condition": name, "measure": m, "value": v} for m, v in values.items())
    return rows, hist


def threshold_measure(months: int) -> str:
    """Snapshot measure of patients with no review for over ``months`` months."""
    return f"no_review_{months}m"


def control_snapshot(practice: Practice, day: int) -> list[dict[str, object]]:
    """Risk-factor control on each register that an outcome indicator defines, true and recorded.

    True control: the patient's current level is at or below the target.
    Recorded control: the last value coded within the indicator's window is at or below it.
    """
    pop, care = practice.pop, practice.care
    rows: list[dict[str, object]] = []
    levels: np.ndarray | None = None
    for i, spec in enumerate(practice.scenario.indicators):
        if spec.factor is None or spec.target is None:
            continue
        k = practice.indicators.condition[i]
        members = np.flatnonzero(pop.has[:, k] & pop.active)
        if levels is None:
            levels = practice.clinical.levels(slice(None), day)  # every factor at once
        true = levels[members, practice.indicators.factor[i]]
        since = day - spec.window_months * DAYS_PER_MONTH
        recorded = (care.last_recorded[members, i] >= since) & (care.recorded_value[members, i] <= spec.target)
        rows.append(
            {
                "indicator": spec.id,
                "condition": spec.condition,
                "factor": spec.factor,
                "target": spec.target,
                "register": float(len(members)),
                "controlled_true": float(np.sum(true <= spec.target)),
                "controlled_recorded": float(recorded.sum()),
                "mean_level": float(np.nanmean(true)) if len(members) else np.nan,
            }
        )
    return rows
