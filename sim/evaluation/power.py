"""Power, false positives and minimum detectable effects from the per-evaluation estimates.

Power is the share of evaluations whose two-sided test rejects "no change" at ``alpha``,
with a 95% Wilson interval over the evaluations. Each arm's true effect is the mean
realised change (switchers' run against their own QOF run), with the harm's sign: a
rise in admissions or deaths, a fall in the share controlled. The minimum detectable
harm is read off the power curve (interpolated between arms, power made non-decreasing
in the true harm) and, as a check, from the placebo evaluations' standard errors:
``(t(1 - alpha/2) + t(power)) * SE`` with ``G - 1`` degrees of freedom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sim.evaluation.design import PLACEBO
from sim.evaluation.panel import MEASURE

KEYS = ["arm", "measure", "data"]


def power_table(estimates: pd.DataFrame, harms: dict[str, float], alpha: float) -> pd.DataFrame:
    """One row per arm, measure and data: true effect, power, harm found, mean estimate; ``harms`` maps arm to injected harm."""
    est = estimates.assign(
        sign=estimates.measure.map(lambda m: MEASURE[m].harm_sign),
        rejects=estimates.p < alpha,
    )
    est["harmful"] = est.rejects & (est.sign * est.estimate > 0)
    rows = []
    for (arm, measure, data), g in est.groupby(KEYS, sort=False):
        ok = g.p.notna()
        n, hits = int(ok.sum()), int(g.rejects[ok].sum())
        low, high = proportion_confint(hits, n, alpha=0.05, method="wilson") if n else (np.nan, np.nan)
        sign = MEASURE[measure].harm_sign
        rows.append(
            {
                "arm": arm, "measure": measure, "data": data, "injected": harms[arm],
                "true_effect": sign * g.true_relative.mean(),
                "power": hits / n if n else np.nan, "power_low": low, "power_high": high,
                "finds_harm": g.harmful[ok].mean() if n else np.nan,
                "mean_estimate": sign * g.relative[ok].mean() if n else np.nan,
                "evaluations": n,
            }
        )
    return pd.DataFrame(rows)


def mde_table(power: pd.DataFrame, estimates: pd.DataFrame, target: float, alpha: float) -> pd.DataFrame:
    """Minimum detectable harm (relative change in the measure) at ``target`` power, per measure and data."""
    rows = []
    for (measure, data), g in power.groupby(["measure", "data"], sort=False):
        curve = g[(g.arm == PLACEBO) | (g.true_effect >= 0)].dropna(subset=["power"]).sort_values("true_effect")
        placebo = estimates[(estimates.arm == PLACEBO) & (estimates.measure == measure) & (estimates.data == data)]
        rows.append(
            {
                "measure": measure, "data": data, "power": target,
                "mde": read_off(curve.true_effect.to_numpy(), curve.power.to_numpy(), target),
                "mde_from_se": from_se(placebo, target, alpha),
                "largest_simulated": curve.true_effect.max() if len(curve) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def read_off(effect: np.ndarray, power: np.ndarray, target: float) -> float:
    """Smallest effect at which the (non-decreasing) power curve reaches ``target``; NaN if it never does."""
    if len(effect) == 0:
        return np.nan
    rising = np.maximum.accumulate(power)
    above = np.flatnonzero(rising >= target)
    if len(above) == 0:
        return np.nan
    i = above[0]
    if i == 0:
        return float(effect[0])
    x0, x1, p0, p1 = effect[i - 1], effect[i], rising[i - 1], rising[i]
    return float(x0 + (target - p0) * (x1 - x0) / (p1 - p0)) if p1 > p0 else float(x1)


def from_se(placebo: pd.DataFrame, target: float, alpha: float) -> float:
    """Minimum detectable relative change implied by the typical standard error where nothing changed."""
    ok = placebo.dropna(subset=["se", "baseline"])
    if ok.empty:
        return np.nan
    df = int(ok.switching.iloc[0] + ok.controls.iloc[0]) - 1
    se = float(np.median(ok.se / ok.baseline.abs()))
    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(target, df)) * se)


def seen_vs_true(power: pd.DataFrame) -> pd.DataFrame:
    """For each arm and measure, what the evaluator's data suggest beside the truth and the analysis of true data."""
    keys = ["arm", "measure", "injected", "true_effect"]
    values = ["mean_estimate", "finds_harm", "power"]
    true = power[power.data == "true"][keys + values]
    seen = power[power.data == "observed"][["arm", "measure", *values]]
    out = true.merge(seen, on=["arm", "measure"], how="left", suffixes=("_true", "_observed"))
    out["bias_observed"] = out.mean_estimate_observed - out.mean_estimate_true
    return out
