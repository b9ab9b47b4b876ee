"""Sweeps: ranges from the registry, regime-specific parameters move only their regime, tidy output."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from conftest import OPTOUT, QOF
import sim.experiment.sweep
from sim.config import ScenarioError
from sim.experiment.sweep import differences, one_way_samples, salib_problem, sweep, uncertain_parameters

TINY = {"years": 1, "practices.list_size_mean": 800, "measures.warmup_years": 0}
"""Too short a warm-up for a comparison: the tests of a sweep's mechanics lift the check (``no_warmup_check``)."""
PATHS = [QOF, OPTOUT]


@pytest.fixture
def no_warmup_check(monkeypatch):
    monkeypatch.setattr(sim.experiment.sweep, "check_warmup", lambda scenarios: None)


def test_sweep_refuses_a_warmup_shorter_than_a_review_cycle_before_any_run(monkeypatch):
    """A sweep compares scenarios, so it needs a comparison's warm-up: opt-out's 36-month cycle outlasts one year."""
    monkeypatch.setattr(sim.experiment.sweep, "execute", lambda *a, **k: pytest.fail("ran before refusing"))
    samples = pd.DataFrame({"population.attendance.mean": [0.8]})
    with pytest.raises(ScenarioError, match="measures.warmup_years.*shorter than the longest review cycle"):
        sweep(PATHS, samples, (0,), {**TINY, "measures.warmup_years": 1}, workers=1, progress=False)


def test_parameters_and_problem_come_from_the_registry():
    """Every uncertain parameter's bounds are its registry range and bracket its value."""
    params = uncertain_parameters(PATHS, TINY)
    names = {p.path for p in params}
    assert {"population.attendance.mean", "regime.params.review_adherence_boost"} <= names
    problem = salib_problem(params)
    for p, bounds in zip(params, problem["bounds"], strict=True):
        assert bounds == [p.low, p.high] and p.low <= p.value <= p.high


def test_regime_parameter_moves_only_its_regime_and_results_are_paired(no_warmup_check):
    """Changing care planning's adherence boost leaves QOF identical; replications pair by CRN."""
    samples = pd.DataFrame({"regime.params.review_adherence_boost": [0.0, 0.15]})
    results = sweep(PATHS, samples, (0,), TINY, workers=1, progress=False)
    assert set(results.columns) >= {"sample", "scenario", "replication", "measure", "value"}
    qof = results[results["scenario"] == "qof_practice"].pivot_table(index="measure", columns="sample", values="value")
    assert (qof[0].fillna(-1) == qof[1].fillna(-1)).all()
    opt = results[(results["scenario"] == "optout_practice") & (results["measure"] == "hba1c_controlled_true_pct")]
    assert opt["value"].iloc[0] != opt["value"].iloc[1]
    diffs = differences(results, "qof_practice")
    assert set(diffs["measure"]) == {"missed_plan_pct", "clinician_hours_per_1000", "events_per_1000"}
    assert len(diffs) == 2 * 3


def test_sweep_is_identical_serially_and_on_a_pool(no_warmup_check):
    """A sweep's results do not depend on where it runs."""
    params = [p for p in uncertain_parameters(PATHS, TINY) if p.path == "population.attendance.mean"]
    samples = one_way_samples(params)
    serial = sweep(PATHS, samples, (0,), TINY, workers=1, scheduler="serial", progress=False)
    pooled = sweep(PATHS, samples, (0,), TINY, workers=2, scheduler="processes", progress=False)
    assert_frame_equal(serial, pooled)
    assert set(serial["level"]) == {"base", "low", "high"}
