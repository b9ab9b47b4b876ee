"""Headline measures: one row per scenario and replication, consistent with the tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import OPTOUT, QOF, SMALL, cached_run
from sim.measures.summary import MEASURES, headline



@pytest.mark.parametrize("path", [QOF, OPTOUT], ids=["qof", "optout"])
def test_headline_has_every_measure_and_no_gaps(path):
    """headline() gives one row with every MEASURES column, all finite."""
    h = headline(cached_run(path, SMALL).tables)
    assert len(h) == 1
    assert list(h.columns) == ["scenario", "replication", *MEASURES]
    assert np.isfinite(h[list(MEASURES)].to_numpy(dtype=float)).all()


def test_headline_gaps_match_snapshots():
    """Gap shares pool the final year's snapshots (``_final_year``) or every measured one;
    the 15-month threshold is the snapshots' ``overdue``."""
    tables = cached_run(QOF, SMALL).tables
    snaps = tables["snapshots"]
    h = headline(tables).iloc[0]
    final = snaps[snaps.year == snaps.year.max()]
    share = lambda df, m: 100 * df[df.measure == m]["value"].sum() / df[df.measure == "register"]["value"].sum()  # noqa: E731
    assert h["no_review_15m_final_year_pct"] == pytest.approx(share(final, "overdue"))
    assert h["no_review_24m_final_year_pct"] == pytest.approx(share(final, "lost_to_follow_up"))
    assert h["missed_plan_pct"] == pytest.approx(share(snaps, "missed_plan"))
    assert h["missed_plan_pct"] != h["missed_plan_final_year_pct"]


def test_headline_reviews_match_activity():
    """Recorded and delivered reviews per 1,000 register patients stand in the ratio of the activity table's totals."""
    tables = cached_run(OPTOUT, SMALL).tables
    h = headline(tables).iloc[0]
    act = tables["activity"]
    delivered = act[act.measure == "reviews_delivered"]["value"].sum()
    recorded = act[act.measure == "reviews_recorded"]["value"].sum()
    assert 0 < recorded < delivered
    assert h.reviews_recorded_per_1000_register / h.reviews_delivered_per_1000_register == pytest.approx(recorded / delivered)


def test_headline_of_combined_tables_equals_headlines_of_each():
    """headline() of two scenarios' tables together equals each scenario's headline stacked."""
    runs = [cached_run(p, SMALL).tables for p in (QOF, OPTOUT)]
    combined = {name: pd.concat([r[name] for r in runs], ignore_index=True) for name in runs[0]}
    separate = pd.concat([headline(r) for r in runs], ignore_index=True)
    together = headline(combined)
    order = lambda df: df.sort_values(["scenario", "replication"]).reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(order(together), order(separate), check_dtype=False, rtol=1e-9)
