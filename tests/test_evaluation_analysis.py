"""The evaluation's analysis on data with a known answer (no simulation of practices)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from sim.evaluation.analysis import analyse
from sim.evaluation.power import read_off


def panel(rng: np.random.Generator, n_switch: int, n_control: int, quarters: int, after: int, effect: float, sd: float = 1.0):
    """Practice levels, quarter shocks, noise, and ``effect`` added to switchers after the switch."""
    n = n_switch + n_control
    switched = np.arange(n) < n_switch
    post = np.arange(quarters) >= quarters - after
    y = 50 + 5 * rng.normal(size=(n, 1)) + rng.normal(size=(1, quarters)) + sd * rng.normal(size=(n, quarters))
    return y + effect * (switched[:, None] & post[None, :]), switched, post


def test_absorbed_fixed_effects_give_the_textbook_regression():
    """Demeaning then clustering equals the regression with practice and quarter dummies (xtreg-style correction)."""
    rng = np.random.default_rng(1)
    y, switched, post = panel(rng, 30, 12, 16, 6, 0.5)
    y[3, 2] = np.nan  # an unbalanced panel too
    w = rng.uniform(2000, 12000, len(switched))
    ours = analyse(y, switched, post, w, "did")
    n, t = y.shape
    df = pd.DataFrame({"y": y.ravel(), "p": np.repeat(np.arange(n), t), "q": np.tile(np.arange(t), n),
                       "d": (switched[:, None] & post[None, :]).ravel().astype(float), "w": np.repeat(w, t)}).dropna()
    fit = smf.wls("y ~ d + C(p) + C(q)", df, weights=df.w).fit(cov_type="cluster", cov_kwds={"groups": df.p}, use_t=True)
    assert ours.estimate == pytest.approx(fit.params["d"], rel=1e-6)
    correction = np.sqrt((len(df) - 1) / (len(df) - len(fit.params)))  # the dummies counted, as plain regress does
    assert ours.se * correction == pytest.approx(fit.bse["d"], rel=1e-4)


def test_simulated_power_matches_analytic_power():
    """A two-group comparison of practice changes: power over many simulated evaluations matches the noncentral t."""
    rng = np.random.default_rng(7)
    n1 = n2 = 15
    quarters, after, sd = 8, 4, 1.0
    change_sd = sd * np.sqrt(1 / after + 1 / (quarters - after))  # SD of a practice's post-minus-pre mean
    effect = 0.55
    df = n1 + n2 - 2
    ncp = effect / (change_sd * np.sqrt(1 / n1 + 1 / n2))
    crit = stats.t.ppf(0.975, df)
    analytic = stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)
    runs = 1200
    hits = sum(
        analyse(*panel(rng, n1, n2, quarters, after, effect, sd), np.ones(n1 + n2), "did").p < 0.05 for _ in range(runs)
    )
    simulated = hits / runs
    assert 0.3 < analytic < 0.8, "an effect size where power is sensitive"
    assert abs(simulated - analytic) < 3.5 * np.sqrt(analytic * (1 - analytic) / runs) + 0.01


def test_cits_recovers_a_level_change_against_the_controls_trend():
    rng = np.random.default_rng(3)
    y, switched, post = panel(rng, 40, 20, 20, 8, 0.0)
    trend = 0.2 * np.arange(20)
    y = y + trend[None, :] + 0.1 * np.arange(20)[None, :] * switched[:, None]  # switchers' own steeper trend
    y = y + 1.5 * (switched[:, None] & post[None, :])
    est = analyse(y, switched, post, np.ones(60), "cits")
    assert est.ci_low < 1.5 < est.ci_high
    naive = analyse(y, switched, post, np.ones(60), "did")
    assert naive.estimate > est.ci_high, "ignoring the switchers' own trend overstates the change"


def test_no_estimate_when_switchers_are_not_seen_after_the_switch():
    rng = np.random.default_rng(2)
    y, switched, post = panel(rng, 10, 10, 8, 4, 1.0)
    y[np.ix_(switched, post)] = np.nan
    assert np.isnan(analyse(y, switched, post, np.ones(20)).p)


def test_relative_change_is_against_the_counterfactual():
    rng = np.random.default_rng(4)
    y, switched, post = panel(rng, 200, 200, 8, 4, 0.0, sd=0.1)
    y = y * np.where(switched[:, None] & post[None, :], 0.9, 1.0)  # a 10% fall in switchers after
    est = analyse(y, switched, post, np.ones(400))
    assert est.relative == pytest.approx(-0.10, abs=0.01)
    low, high = est.relative_ci
    assert low < -0.10 < high


def test_power_curve_read_off():
    effect = np.array([0.0, 0.05, 0.1, 0.2])
    assert read_off(effect, np.array([0.05, 0.4, 0.9, 1.0]), 0.8) == pytest.approx(0.09)
    assert read_off(effect, np.array([0.05, 0.4, 0.3, 0.85]), 0.8) == pytest.approx(0.1 + 0.1 * (0.8 - 0.4) / 0.45)
    assert np.isnan(read_off(effect, np.array([0.05, 0.1, 0.2, 0.5]), 0.8))
