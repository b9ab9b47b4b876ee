"""The QOF baseline is plausible for 2014/15 England: points achieved and exception rates sit
within stated bands of the published figures (docs/calibration.md has the full check,
``benchmarks/calibration.py``, with more replications and years)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import QOF, cached_run

BASELINE = {"years": 2, "measures.warmup_years": 2, "practices.list_size_mean": 7100}
"""One mean-sized practice (7,100), two measured years after two warm-up years: the smallest run
whose figures are steady from seed to seed (points within about a point, exceptions within half a
point); smaller lists or a single year swing by several points."""

NATIONAL_POINTS = 94.7
"""England 2014/15: 529.6 of 559 points (Pulse, 29 Oct 2015)."""
POINTS_BAND = (86.0, 97.1)
"""Of the 370 points modelled. 94.7% of 559 means the modelled areas earned 92.0% if the 189 points
outside them were all earned, 97.1% if only 90% of them were: that is the upper end. The lower end
allows the misses docs/calibration.md names (HbA1c still at 2004/05 control, treatment indicators)."""
EXCEPTIONS_BAND = (2.7, 2 * 4.87)
"""Pooled exception rate, %: from Doran et al., BMJ 2012's median (2.7%, 2008/09) to twice the
national 2008/09 rate (4.87%, NHS Information Centre via Pulse). Criterion C (new patients) alone is
~3.5% in the model, so the published total itself is out of reach (docs/calibration.md)."""


@pytest.fixture(scope="module")
def paid() -> pd.DataFrame:
    qof = cached_run(QOF, BASELINE).tables["qof"]
    return qof[qof["points_available"] > 0]


def _exception_rate(rows: pd.DataFrame) -> float:
    excepted = (rows["exceptions"] + rows["excluded_new"]).sum()
    return 100 * excepted / (rows["denominator"].sum() + excepted)


def test_points_achieved_sit_near_the_2014_15_national_figure(paid):
    share = 100 * paid["points_recorded"].sum() / paid["points_available"].sum()
    assert POINTS_BAND[0] <= share <= POINTS_BAND[1], f"{share:.1f}% of modelled points (England {NATIONAL_POINTS}%)"


def test_pooled_exception_rate_sits_within_the_published_band(paid):
    rate = _exception_rate(paid[paid["kind"] != "register"])
    assert EXCEPTIONS_BAND[0] <= rate <= EXCEPTIONS_BAND[1], f"{rate:.1f}% excepted"


def test_outcome_and_treatment_indicators_are_excepted_more_than_process(paid):
    """Doran et al., NEJM 2008: exceptions most common for treatment and intermediate outcomes,
    least for checks and measurements (HSCIC 2008/09: outcome 6.9% vs process 1.7%)."""
    rate = {kind: _exception_rate(rows) for kind, rows in paid.groupby("kind") if kind != "register"}
    assert rate["outcome"] > rate["process"]
    assert rate["treatment"] > rate["process"]
