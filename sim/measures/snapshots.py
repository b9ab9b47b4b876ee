"""What a practice's record says at a moment: monitoring gaps on each register."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
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
    thresholds = {"overdue": spec.overdue_months, "lost_to_follow_up": spec.lost_to_follow_up_months}
    thresholds |= {threshold_measure(m): m for m in spec.gap_thresholds_months}
    tally, hist = _register_tallies(
        pop.has, pop.active, care.last_delivered, care.diagnosed, care.registered, practice.recall.planned, day,
        np.array([t * DAYS_PER_MONTH for t in thresholds.values()]), spec.plan_grace_months * DAYS_PER_MONTH,
    )
    rows: list[dict[str, object]] = []
    for k, name in enumerate(CONDITIONS):
        register, above, missed_plan, never, capped_sum = tally[k, 0], tally[k, 1:-3], tally[k, -3], tally[k, -2], tally[k, -1]
        values = {"register": float(register)}
        values |= {m: float(n) for m, n in zip(thresholds, above, strict=True)}
        values["missed_plan"] = float(missed_plan)
        values["never_reviewed"] = float(never)
        values["mean_months_since_review"] = float(capped_sum / register / DAYS_PER_MONTH) if register else np.nan
        rows.extend({"condition": name, "measure": m, "value": v} for m, v in values.items())
    return rows, hist


@numba.njit(cache=True)
def _register_tallies(
    has: np.ndarray, active: np.ndarray, last_delivered: np.ndarray, diagnosed: np.ndarray, registered: np.ndarray,
    planned: np.ndarray, day: int, threshold_days: np.ndarray, grace_days: float,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """One pass over a list: per register, ``[members, over each threshold..., missed plan, never
    reviewed, sum of days since review capped at ten years]`` and the months-since-review histogram.

    Days since review run from the last review, or if never reviewed from the later of diagnosis
    and registration (:meth:`~sim.model.record.CareRecord.reviewed_or_joined`). The sums are of
    whole numbers, exact in any order, so the mean is NumPy's to the bit.
    """
    n, k = has.shape
    t = threshold_days.shape[0]
    tally = np.zeros((k, t + 4))
    hist = np.zeros((k, GAP_MONTHS), dtype=np.int64)
    for i in range(n):
        if not active[i]:
            continue
        for c in range(k):
            if not has[i, c]:
                continue
            last = last_delivered[i, c]
            since = day - (max(diagnosed[i, c], registered[i]) if last == NEVER else last)
            tally[c, 0] += 1
            for j in range(t):
                if since > threshold_days[j]:
                    tally[c, 1 + j] += 1
            if day - planned[i, c] > grace_days:
                tally[c, t + 1] += 1
            if last == NEVER:
                tally[c, t + 2] += 1
            tally[c, t + 3] += min(since, 10 * 365)
            hist[c, min(int(since / DAYS_PER_MONTH), GAP_MONTHS - 1)] += 1
    return tally, hist


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
