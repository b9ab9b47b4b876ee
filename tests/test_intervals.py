"""Intervals that respect a measure's range: percentages stay in 0-100, counts and rates at 0 and up."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sim.experiment.stats import mean_ci, measure_range, summarise
from sim.measures.summary import HEADLINES

PERCENT, NON_NEGATIVE = (0.0, 100.0), (0.0, math.inf)


def test_rare_events_get_no_negative_interval():
    """The case from issue 14: a t interval of 0.0028 (-0.0014 to 0.0071) for a rate."""
    values = np.array([0, 0, 0.014, 0, 0.0138, 0, 0, 0, 0, 0.001])
    assert mean_ci(values)[1] < 0  # what a plain t interval gives
    mean, lo, hi = mean_ci(values, bounds=NON_NEGATIVE)
    assert 0 < lo < mean < hi


def test_all_zero_is_a_degenerate_interval_at_zero():
    assert mean_ci(np.zeros(6), bounds=NON_NEGATIVE) == (0.0, 0.0, 0.0)
    assert mean_ci(np.full(6, 100.0), bounds=PERCENT) == (100.0, 100.0, 100.0)


def test_far_from_its_bounds_the_interval_is_close_to_the_t_interval():
    values = np.random.default_rng(4).normal(50.0, 1.0, 10)
    plain, bounded = mean_ci(values), mean_ci(values, bounds=PERCENT)
    assert bounded[1:] == pytest.approx(plain[1:], rel=2e-3)


def test_bounded_interval_covers_a_skewed_mean_about_as_often_as_it_says():
    """Exponential values (skewed, at least 0) in samples of 10: about 95% coverage of the true mean."""
    rng = np.random.default_rng(5)
    hits = sum(lo <= 2.0 <= hi for _, lo, hi in (mean_ci(rng.exponential(2.0, 10), bounds=NON_NEGATIVE) for _ in range(3000)))
    assert 0.90 < hits / 3000 < 0.98


@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=30))
@example([5e-324, 5e-324])  # a subnormal share: logit of it underflows
@example([0.0, 5e-324])
def test_percentage_intervals_stay_within_0_and_100_and_hold_the_mean(values):
    mean, lo, hi = mean_ci(np.array(values), bounds=PERCENT)
    assert 0 <= lo <= mean + 1e-9 and mean - 1e-9 <= hi <= 100


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=2, max_size=30))
def test_non_negative_intervals_never_go_below_0(values):
    mean, lo, hi = mean_ci(np.array(values), bounds=NON_NEGATIVE)
    assert 0 <= lo <= mean * (1 + 1e-9) + 1e-12 and hi >= mean * (1 - 1e-9)


def test_headline_ranges_follow_their_labels():
    """Percentages are the measures labelled '%'; every other headline measure is 0 and up."""
    for measure, label in HEADLINES.items():
        assert (measure_range(measure) == PERCENT) == (", %" in label), measure
        assert measure_range(measure)[0] == 0.0


def test_summary_table_uses_each_measures_range():
    import pandas as pd

    head = pd.DataFrame({"scenario": "A", "replication": range(4), "x_pct": [0.0, 0.0, 0.3, 0.1], "y_per_1000": [0.0, 0.02, 0.0, 0.0]})
    table = summarise(head)
    assert (table["lower"] >= 0).all() and (table["upper"] <= 100).all()
