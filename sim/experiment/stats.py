"""Summaries over replications: means with t confidence intervals, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t confidence interval; the interval is NaN for fewer than two values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def summarise(headline: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Long table: scenario, measure, mean, lower, upper, replications."""
    rows = []
    measures = [c for c in headline.columns if c not in ("scenario", "replication")]
    for scenario, group in headline.groupby("scenario", sort=False):
        for m in measures:
            mean, lo, hi = mean_ci(group[m].to_numpy(), level)
            rows.append({"scenario": scenario, "measure": m, "mean": mean, "lower": lo, "upper": hi, "replications": len(group)})
    return pd.DataFrame(rows)


def paired_differences(headline: pd.DataFrame, baseline: str, level: float = 0.95) -> pd.DataFrame:
    """Each scenario minus ``baseline``, paired by replication (common random numbers)."""
    measures = [c for c in headline.columns if c not in ("scenario", "replication")]
    base = headline[headline["scenario"] == baseline].set_index("replication")[measures]
    rows = []
    for scenario, group in headline.groupby("scenario", sort=False):
        if scenario == baseline:
            continue
        diff = group.set_index("replication")[measures] - base
        for m in measures:
            mean, lo, hi = mean_ci(diff[m].to_numpy(), level)
            rows.append(
                {"scenario": scenario, "baseline": baseline, "measure": m, "difference": mean, "lower": lo, "upper": hi, "replications": int(diff[m].notna().sum())}
            )
    return pd.DataFrame(rows)


def cumulative_ci(values: np.ndarray, level: float = 0.95) -> pd.DataFrame:
    """Mean and interval after each replication: the confidence-interval method's table."""
    rows = []
    for n in range(1, len(values) + 1):
        mean, lo, hi = mean_ci(values[:n], level)
        half = (hi - lo) / 2
        rows.append({"replications": n, "mean": mean, "lower": lo, "upper": hi, "relative_half_width": abs(half / mean) if mean else np.nan})
    return pd.DataFrame(rows)


def replications_needed(values: np.ndarray, precision: float, level: float = 0.95) -> int | None:
    """Fewest replications after which the interval's half-width stays within ``precision`` of the mean.

    The confidence-interval method (Hoad, Robinson and Davies 2010): ``None`` if
    the runs so far never reach it.
    """
    table = cumulative_ci(np.asarray(values, dtype=float), level)
    ok = (table["relative_half_width"] <= precision).to_numpy()
    for i in range(len(ok)):
        if ok[i:].all():
            return int(table["replications"].iloc[i])
    return None
