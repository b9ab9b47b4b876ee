"""Outcomes counted between snapshots: what a quarterly hospital and death extract would hold."""

from __future__ import annotations

from conftest import QOF, cached_run

RUN = {"years": 2, "practices.list_size_mean": 2000, "measures.warmup_years": 1}


def test_quarterly_outcomes_add_up_to_the_financial_year():
    tables = cached_run(QOF, RUN).tables
    quarters = tables["quarterly_outcomes"]
    assert quarters.groupby(["practice", "year"]).day.nunique().eq(4).all()
    keys = ["practice", "year", "measure", "condition"]
    by_quarter = quarters.groupby(keys).value.sum()
    yearly = tables["outcomes"].groupby(keys).value.sum()
    assert set(yearly.index) == set(by_quarter.index)
    assert (by_quarter.reindex(yearly.index) - yearly).abs().max() < 1e-6
    deaths = quarters[quarters.measure == "deaths"]
    assert deaths.value.gt(0).sum() >= 4, "deaths fall in several quarters, not all at the year end"


def test_each_quarter_counts_only_its_own_outcomes():
    """No negative counts (a year's totals carried into the next year's first quarter would make them)."""
    quarters = cached_run(QOF, RUN).tables["quarterly_outcomes"]
    assert (quarters.value >= 0).all()
    life = quarters[quarters.measure == "life_years"].groupby("day").value.sum()
    assert life.between(0.2 * 2000, 0.3 * 2000).all(), "one quarterly health step's person-years per quarter"
