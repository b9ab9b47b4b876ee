"""Experiments: intervals, paired differences, schedulers agree, interrupted runs resume exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import sim.experiment.replications
import sim.experiment.runner
from conftest import OPTOUT, QOF
from sim.config import load_scenario
from sim.experiment.replications import Interrupted, ReplicationCache, run_experiment
from sim.experiment.runner import run_scenario
from sim.experiment.stats import mean_ci, paired_differences, replications_needed

MULTI = {"years": 2, "practices.list_size_mean": 1200, "practices.count": 4, "practices.federation_size": 2}


def test_confidence_interval_covers_known_mean_at_its_level():
    """95% t intervals from normal samples of 8 cover the true mean about 95% of the time."""
    rng = np.random.default_rng(1)
    hits = sum(lo <= 3.0 <= hi for lo, hi in (mean_ci(rng.normal(3.0, 2.0, 8))[1:] for _ in range(4000)))
    assert 0.935 < hits / 4000 < 0.965


def test_confidence_interval_matches_t_formula():
    """The interval is mean +/- t(0.975, n-1) s / sqrt(n)."""
    values = np.array([1.0, 2.0, 4.0, 7.0])
    mean, lo, hi = mean_ci(values)
    assert mean == pytest.approx(3.5)
    assert hi - mean == pytest.approx(3.182446305 * values.std(ddof=1) / 2, rel=1e-6)


def test_paired_differences_remove_shared_noise():
    """Common random numbers: B = A + 2 exactly gives difference 2 with a zero-width interval."""
    a = np.random.default_rng(2).normal(50, 10, 6)
    head = pd.DataFrame(
        {"scenario": ["A"] * 6 + ["B"] * 6, "replication": list(range(6)) * 2, "m": np.r_[a, a + 2.0]}
    )
    diff = paired_differences(head, "A").iloc[0]
    assert diff["difference"] == pytest.approx(2.0)
    assert diff["upper"] - diff["lower"] == pytest.approx(0.0, abs=1e-9)
    assert diff["replications"] == 6


def test_replications_needed_finds_where_precision_is_reached():
    """The CI method returns the first n after which the relative half-width stays within target."""
    values = np.random.default_rng(3).normal(100, 5, 30)
    n = replications_needed(values, 0.03)
    # analytically about (t * 5 / 3)^2 ~ 12 replications for a 3% half-width
    assert n is not None and 6 <= n <= 20
    assert replications_needed(values[:2], 0.0001) is None


def _tables_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def test_serial_process_pool_and_dask_give_identical_results():
    """Where the work runs never changes the results: serial = local pool = local Dask cluster."""
    loaded = load_scenario(QOF, MULTI)
    serial = run_scenario(loaded, (0, 1), workers=1, progress=False, scheduler="serial")
    pool = run_scenario(loaded, (0, 1), workers=2, progress=False, scheduler="processes")
    dask = run_scenario(loaded, (0, 1), workers=2, progress=False, scheduler="dask")
    _tables_equal(serial.tables, pool.tables)
    _tables_equal(serial.tables, dask.tables)


def test_interrupted_and_resumed_run_equals_uninterrupted(tmp_path: Path, monkeypatch):
    """Ctrl-C after one replication keeps it; rerunning finishes the rest; all equals a clean run."""
    scenarios = [load_scenario(QOF, MULTI), load_scenario(OPTOUT, MULTI)]
    clean = run_experiment(scenarios, ReplicationCache(tmp_path / "clean"), (0, 1), workers=1, progress=False)

    real = sim.experiment.replications.execute

    def interrupted(*args, **kwargs):
        for i, item in enumerate(real(*args, **kwargs)):
            if i == 3:  # two federations make a replication: stop inside the second one
                raise KeyboardInterrupt
            yield item

    cache = ReplicationCache(tmp_path / "resumed")
    monkeypatch.setattr(sim.experiment.runner, "BATCH_PATIENTS", 1)  # one federation a task, so a replication can be cut short
    monkeypatch.setattr(sim.experiment.replications, "execute", interrupted)
    with pytest.raises(Interrupted) as info:
        run_experiment(scenarios, cache, (0, 1), workers=1, progress=False)
    assert info.value.finished == 1
    assert sum(cache.has(s, r) for s in scenarios for r in (0, 1)) == 1
    monkeypatch.setattr(sim.experiment.replications, "execute", real)
    resumed = run_experiment(scenarios, cache, (0, 1), workers=1, progress=False)
    for a, b in zip(clean, resumed, strict=True):
        _tables_equal(a.tables, b.tables)


def test_rerun_reuses_finished_replications(tmp_path: Path, monkeypatch):
    """A rerun with the same settings simulates nothing new; a changed parameter invalidates the cache."""
    loaded = load_scenario(QOF, MULTI)
    cache = ReplicationCache(tmp_path)
    run_experiment([loaded], cache, (0,), workers=1, progress=False)
    calls = []
    real = sim.experiment.replications.execute
    monkeypatch.setattr(sim.experiment.replications, "execute", lambda fn, tasks, *a: calls.extend(tasks) or real(fn, tasks, *a))
    run_experiment([loaded], cache, (0,), workers=1, progress=False)
    assert calls == []
    run_experiment([load_scenario(QOF, {**MULTI, "seed": 99})], cache, (0,), workers=1, progress=False)
    assert sum(len(batch) for (_, _, batch), _ in calls) == 2  # both federations, simulated again
