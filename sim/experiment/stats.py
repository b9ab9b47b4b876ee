"""Summaries over replications: means with confidence intervals, paired differences.

A measure that cannot leave a range (a percentage, a count or rate that cannot be
negative) gets its interval on the logit or log scale, by the delta method, so the
interval stays inside the range; other quantities, such as paired differences, get
the usual t interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

Range = tuple[float, float]
UNBOUNDED: Range = (-math.inf, math.inf)


def measure_range(measure: str) -> Range:
    """The values a headline measure can take: percentages (``*_pct``) lie in 0 to 100;
    every other headline measure is a count, rate, time, cost or QALY total, 0 and up."""
    return (0.0, 100.0) if measure.endswith("_pct") else (0.0, math.inf)


def interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, bounds: Range = UNBOUNDED, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of a two-sided interval for means of ``n`` values (arrays alike).

    Unbounded: mean +/- t s / sqrt(n). Bounded on both sides: the same half-width taken
    on the logit scale of the range; bounded below (or above) only: on the log scale of
    the distance from the bound. NaN for fewer than two values; a mean at a bound (every
    value there), or too close to it for the scale, gets the degenerate interval [mean, mean].
    """
    mean, sd, n = (np.asarray(a, dtype=float) for a in np.broadcast_arrays(mean, sd, n))
    low, high = bounds
    with np.errstate(divide="ignore", invalid="ignore"):
        half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)
        if math.isfinite(low) and math.isfinite(high):
            width = high - low
            share = (mean - low) / width
            spread = half / width / (share * (1 - share))
            lower, upper = low + width * expit(logit(share) - spread), low + width * expit(logit(share) + spread)
        elif math.isfinite(low):
            lower, upper = low + (mean - low) * np.exp(-half / (mean - low)), low + (mean - low) * np.exp(half / (mean - low))
        elif math.isfinite(high):
            lower, upper = high - (high - mean) * np.exp(half / (high - mean)), high - (high - mean) * np.exp(-half / (high - mean))
        else:
            return mean - half, mean + half
    # A mean too close to a bound for the transformed scale (a subnormal share) has no usable
    # interval there; it gets the degenerate one, as a mean at the bound does.
    inside = (mean > low) & (mean < high) & np.isfinite(lower) & np.isfinite(upper)
    lower, upper = np.where(inside, lower, mean), np.where(inside, upper, mean)
    few = ~(n >= 2)
    return np.where(few, np.nan, lower), np.where(few, np.nan, upper)


def mean_ci(values: np.ndarray, level: float = 0.95, bounds: Range = UNBOUNDED) -> tuple[float, float, float]:
    """Mean and two-sided confidence interval (see :func:`interval`); the interval is NaN
    for fewer than two values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    lower, upper = interval(mean, sd, n, bounds, level)
    return mean, float(lower), float(upper)


def summarise(headline: pd.DataFrame, level: float = 0.95, ranges: Callable[[str], Range] = measure_range) -> pd.DataFrame:
    """Long table: scenario, measure, mean, lower, upper, replications.

    Each measure's interval respects its range (``ranges(measure)``, by default
    :func:`measure_range`).
    """
    rows = []
    measures = [c for c in headline.columns if c not in ("scenario", "replication")]
    for scenario, group in headline.groupby("scenario", sort=False):
        for m in measures:
            mean, lo, hi = mean_ci(group[m].to_numpy(), level, ranges(m))
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
