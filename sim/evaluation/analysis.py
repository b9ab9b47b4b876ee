"""One evaluation's analysis, as published practice-level evaluations do it (statsmodels).

``did``: difference-in-differences with practice and quarter fixed effects,
``y[i, t] = a[i] + g[t] + b * switched[i] * post[t] + e``.
``cits``: controlled interrupted time series, a common linear trend with a level and a
slope change at the switch, and the switching practices' own trend, level change and
slope change beside it; the effect is the switchers' extra change averaged over the
post-period.

Fixed effects are absorbed by demeaning (alternating projections, exact for a balanced
panel), then weighted least squares of the demeaned outcome on the demeaned regressors
with errors clustered by practice (CR1, t with G - 1 degrees of freedom). Absorbed
practice effects are nested within the clusters, so, as xtreg or fixest do, they are not
counted in the small-sample correction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

METHODS = ("did", "cits")


@dataclass(frozen=True)
class Estimate:
    """One evaluation's estimate for one measure; relative figures are against the switchers' counterfactual."""

    estimate: float
    se: float
    p: float
    ci_low: float
    ci_high: float
    baseline: float
    """Switchers' post-period mean had they not switched (observed mean less the estimate)."""

    @property
    def relative(self) -> float:
        return self.estimate / self.baseline if self.baseline else np.nan

    @property
    def relative_ci(self) -> tuple[float, float]:
        """The interval of the estimate over the baseline, the baseline treated as known (as reports of "x% of
        baseline" do); the test and the power rest on the estimate itself."""
        if not self.baseline:
            return np.nan, np.nan
        lo, hi = self.ci_low / self.baseline, self.ci_high / self.baseline
        return (lo, hi) if self.baseline > 0 else (hi, lo)


NOT_ESTIMABLE = Estimate(np.nan, np.nan, np.nan, np.nan, np.nan, np.nan)


def demean(values: np.ndarray, seen: np.ndarray, weights: np.ndarray, two_way: bool = True, tol: float = 1e-10) -> np.ndarray:
    """Remove practice (and quarter) means from ``values[practice, quarter]`` over the ``seen`` cells.

    Quarter means are weighted by the practice ``weights``.
    """
    out = np.where(seen, values, 0.0)
    count = seen.sum(axis=1)
    w = weights[:, None] * seen
    wsum = w.sum(axis=0)
    for _ in range(1000):
        rows = np.divide(out.sum(axis=1), count, out=np.zeros(len(count)), where=count > 0)
        out = np.where(seen, out - rows[:, None], 0.0)
        if not two_way:
            return out
        cols = np.divide((w * out).sum(axis=0), wsum, out=np.zeros(len(wsum)), where=wsum > 0)
        out = np.where(seen, out - cols[None, :], 0.0)
        if max(np.abs(rows).max(initial=0), np.abs(cols).max(initial=0)) < tol:
            break
    return out


def regressors(switched: np.ndarray, post: np.ndarray, method: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Regressors ``[practice, quarter]`` of ``method`` and the weights that make its effect from their coefficients."""
    s = switched.astype(float)[:, None]
    after = np.broadcast_to(post.astype(float)[None, :], (len(switched), len(post)))
    if method == "did":
        return [s * after], np.array([1.0])
    if method != "cits":
        raise ValueError(f"unknown analysis method {method!r}: use one of {METHODS}")
    t = np.broadcast_to(np.arange(len(post), dtype=float)[None, :], after.shape)
    since = np.where(after > 0, t - t[0, np.argmax(post)], 0.0)
    cols = [t, after, since, s * t, s * after, s * since]
    mean_since = since[0, post].mean()
    return cols, np.array([0, 0, 0, 0, 1.0, mean_since])


def analyse(
    y: np.ndarray, switched: np.ndarray, post: np.ndarray, weights: np.ndarray, method: str = "did", alpha: float = 0.05
) -> Estimate:
    """Estimate the switchers' change against the controls' from ``y[practice, quarter]`` (NaN: not observed)."""
    seen = ~np.isnan(y)
    cols, combo = regressors(switched, post, method)
    two_way = method == "did"
    yd = demean(y, seen, weights, two_way)[seen]
    X = np.column_stack([demean(np.asarray(c), seen, weights, two_way)[seen] for c in cols])
    treated_after = (switched[:, None] & post[None, :] & seen).any()
    controls_seen = (~switched[:, None] & seen).any()
    if not treated_after or not controls_seen or (np.abs(X).sum(axis=0) < 1e-9).any():
        return NOT_ESTIMABLE
    groups = np.broadcast_to(np.arange(len(switched))[:, None], y.shape)[seen]
    w = np.broadcast_to(weights[:, None], y.shape)[seen]
    fit = sm.WLS(yd, X, weights=w, hasconst=False).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    if len(combo) == 1:
        estimate, se, p = float(fit.params[0]), float(fit.bse[0]), float(fit.pvalues[0])
        low, high = (float(v) for v in fit.conf_int(alpha=alpha)[0])
    else:
        test = fit.t_test(combo[None, :])
        estimate, se, p = float(np.squeeze(test.effect)), float(np.squeeze(test.sd)), float(np.squeeze(test.pvalue))
        low, high = (float(v) for v in np.squeeze(test.conf_int(alpha=alpha)))
    cell = switched[:, None] & post[None, :] & seen
    after_mean = float(np.sum(np.where(cell, y, 0.0) * weights[:, None]) / np.sum(cell * weights[:, None]))
    return Estimate(estimate, se, p, low, high, after_mean - estimate)
