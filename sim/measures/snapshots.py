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

    Gaps are in *delivered* care: a patient is overdue when no review covering
    the condition took place within ``overdue_months``; lost to follow-up when
    none took place within ``lost_to_follow_up_months``. Patients never
    reviewed count as both (and are counted separately).
    """
    pop, care = practice.pop, practice.care
    spec = practice.scenario.measures
    overdue_days = spec.overdue_months * DAYS_PER_MONTH
    lost_days = spec.lost_to_follow_up_months * DAYS_PER_MONTH
    since = day - care.reviewed_or_joined()
    on = pop.has & pop.active[:, None]
    months = np.minimum((since / DAYS_PER_MONTH).astype(np.int64), GAP_MONTHS - 1)
    hist = np.zeros((len(CONDITIONS), GAP_MONTHS), dtype=np.int64)
    rows: list[dict[str, object]] = []
    for k, name in enumerate(CONDITIONS):
        members = on[:, k]
        gap = since[members, k]
        hist[k] = np.bincount(months[members, k], minlength=GAP_MONTHS)
        never = care.last_delivered[members, k] == NEVER
        values = {
            "register": float(members.sum()),
            "overdue": float((gap > overdue_days).sum()),
            "lost_to_follow_up": float((gap > lost_days).sum()),
            "never_reviewed": float(never.sum()),
            "mean_months_since_review": float(np.mean(np.minimum(gap, 10 * 365)) / DAYS_PER_MONTH) if len(gap) else np.nan,
        }
        rows.extend({"condition": name, "measure": m, "value": v} for m, v in values.items())
    return rows, hist


def control_snapshot(practice: Practice, day: int) -> list[dict[str, object]]:
    """Risk-factor control on each register that an outcome indicator defines, true and recorded.

    True control: the patient's current level is at or below the target.
    Recorded control: the last value coded within the indicator's window is at or below it.
    """
    pop, care = practice.pop, practice.care
    rows: list[dict[str, object]] = []
    factors = {}
    for i, spec in enumerate(practice.scenario.indicators):
        if spec.factor is None or spec.target is None:
            continue
        k = practice.indicators.condition[i]
        members = np.flatnonzero(pop.has[:, k] & pop.active)
        j = practice.indicators.factor[i]
        if j not in factors:
            factors[j] = practice.clinical.levels(slice(None), day)[:, j]
        true = factors[j][members]
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
