"""Results stream per federation: folded on arrival, released, and assembled in task order.

The reference is the all-at-once assembly the runner used before results streamed
(``all_at_once`` below, kept verbatim): the streamed tables must equal it exactly,
whatever order the federations arrive in.
"""

from __future__ import annotations

import gc
import pickle
import random
import time
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS
from sim.config import LoadedScenario, load_scenario
from sim.experiment.assembly import Assembly, FederationPieces, Task, fold
from sim.experiment.replications import ReplicationCache, run_experiment
from sim.experiment.runner import run_federation, run_scenario, simulate_federation, tasks_for
from sim.experiment.schedulers import execute
from sim.measures.recorder import FederationResult, Recorder
from sim.measures.snapshots import GAP_MONTHS
from sim.model.county import federation_plan
from sim.model.group import PracticeGroup
from sim.model.practice import Practice
from sim.vocabulary import CONDITIONS

MIXED = {
    "practices.count": 5, "practices.federation_size": 2, "practices.list_size_mean": 300,
    "scheme.share": 0.5, "years": 1, "measures.warmup_years": 0, "measures.patient_tables": True,
}
"""Three federations (the last of one practice), practices under QOF and the scheme mixed."""


# ------------------------------------------------------------------ the reference
def all_at_once(loaded: LoadedScenario, results: list[tuple[Task, FederationResult]]) -> dict[str, pd.DataFrame]:
    """The runner's assembly before results streamed: every result held, then concatenated."""
    tables: dict[str, pd.DataFrame] = {}
    for name in ("practices", "snapshots", "control", "activity", "outcomes", "quarterly_outcomes", "waits", "qof", "patients", "patient_conditions"):
        frames = [pd.DataFrame(getattr(r, name)).assign(replication=rep) for (rep, _), r in results]
        tables[name] = _front(pd.concat(frames, ignore_index=True), loaded)
    tables["gaps"] = _front(_gap_table(results), loaded)
    rates = loaded.scenario.clinical.cost_per_hour
    tables["cost_rates"] = pd.DataFrame({"scenario": loaded.name, "role": list(rates), "cost_per_hour": list(rates.values())})
    return tables


def _gap_table(results: list[tuple[Task, FederationResult]]) -> pd.DataFrame:
    frames = []
    by_rep: dict[int, list[FederationResult]] = {}
    for (rep, _), r in results:
        by_rep.setdefault(rep, []).append(r)
    for rep, feds in by_rep.items():
        days = feds[0].gap_days
        regimes = sorted({regime for f in feds for snap in f.gaps for regime in snap})
        empty = np.zeros((len(CONDITIONS), GAP_MONTHS), dtype=np.int64)
        s, k, m = np.meshgrid(np.arange(len(days)), np.arange(len(CONDITIONS)), np.arange(GAP_MONTHS), indexing="ij")
        for regime in regimes:
            hist = np.sum([np.stack([snap.get(regime, empty) for snap in f.gaps]) for f in feds], axis=0)
            frames.append(
                pd.DataFrame(
                    {
                        "regime": regime, "replication": rep, "day": np.asarray(days)[s.ravel()],
                        "condition": np.asarray(CONDITIONS)[k.ravel()], "months_since_review": m.ravel(), "patients": hist.ravel(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _front(df: pd.DataFrame, loaded: LoadedScenario) -> pd.DataFrame:
    df.insert(0, "scenario", loaded.name)
    if "regime" not in df:
        df.insert(1, "regime", loaded.scenario.regime.policy)
    keys = ["scenario", "regime", "replication"]
    return df[[*keys, *(c for c in df.columns if c not in keys)]]


# ------------------------------------------------------------------ helpers
def mixed() -> LoadedScenario:
    return load_scenario(SCENARIOS / "somerset_county.yaml", MIXED)


@lru_cache(maxsize=1)
def _pickled_results() -> tuple[tuple[Task, bytes], ...]:
    loaded = mixed()
    return tuple((task, pickle.dumps(simulate_federation(loaded, *task).result.compact())) for task in tasks_for(loaded, (0, 1)))


def results(drop_rows: dict[Task, str] | None = None) -> list[tuple[Task, FederationResult]]:
    """Fresh copies of every federation's result (unfolded, as the recorder left them), in task order;
    ``drop_rows`` empties one table of some federations."""
    out = []
    for task, data in _pickled_results():
        result = pickle.loads(data)
        if drop_rows and task in drop_rows:
            setattr(result, drop_rows[task], pd.DataFrame())
        out.append((task, result))
    return out


def streamed(loaded: LoadedScenario, arrivals: list[tuple[Task, FederationResult | FederationPieces]], tasks: list[Task]) -> Assembly:
    assembly = Assembly(loaded, tasks)
    for task, result in arrivals:
        assembly.add(task, result)
    return assembly


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


# ------------------------------------------------------------------ equality with the reference
def test_the_mixed_scenario_tests_what_it_should():
    """Several federations and replications, both regimes, a federation without one of them, patient tables on."""
    loaded = mixed()
    assert len(federation_plan(loaded)) == 3
    feds = [r for (rep, _), r in results() if rep == 0]
    regimes = [set().union(*f.gaps) for f in feds]
    assert len(set().union(*regimes)) == 2, regimes
    assert any(len(r) == 1 for r in regimes), "some federation lacks a regime"
    assert all(len(f.patients["pid"]) for f in feds)


@pytest.mark.parametrize("order", ["as_listed", "reversed", "shuffled_1", "shuffled_2", "shuffled_3"])
def test_streamed_tables_equal_the_all_at_once_assembly_whatever_the_arrival_order(order: str):
    loaded = mixed()
    expected = all_at_once(loaded, results())
    arrivals = results()
    if order == "reversed":
        arrivals.reverse()
    elif order.startswith("shuffled"):
        random.Random(int(order[-1])).shuffle(arrivals)
    tasks = [task for task, _ in results()]
    assembly = streamed(loaded, arrivals, tasks)
    assert assembly.complete
    assert assembly.patient_years == sum(r.patient_years for _, r in results())
    assert_same(dict(assembly.tables()), expected)


def test_pieces_folded_in_a_worker_assemble_as_the_results_would():
    """A worker folds its result and sends the pieces (pickled): the tables are the same."""
    loaded = mixed()
    sent = [(task, pickle.loads(pickle.dumps(fold(task[0], result)))) for task, result in results()]
    assert all(isinstance(pieces, FederationPieces) for _, pieces in sent)
    random.Random(3).shuffle(sent)
    assert_same(dict(streamed(loaded, sent, [t for t, _ in results()]).tables()), all_at_once(loaded, results()))


def test_a_federation_with_no_rows_of_a_table_assembles_as_before():
    """An empty table from one federation (first, middle or last) changes nothing but its rows."""
    loaded = mixed()
    drops = {(0, 0): "waits", (0, 1): "quarterly_outcomes", (1, 2): "control", (1, 0): "patients"}
    expected = all_at_once(loaded, results(drops))
    arrivals = results(drops)
    random.Random(7).shuffle(arrivals)
    assert_same(dict(streamed(loaded, arrivals, [t for t, _ in results()]).tables()), expected)


def test_listed_replication_order_is_kept():
    """Tables follow the tasks' order (replication 1 before 0 if listed so), as before."""
    loaded = mixed()
    listed = sorted(results(), key=lambda item: (-item[0][0], item[0][1]))
    expected = all_at_once(loaded, listed)
    assert_same(dict(streamed(loaded, results(), [t for t, _ in listed]).tables()), expected)


def test_an_assembly_refuses_unknown_repeated_and_missing_tasks():
    loaded = mixed()
    (first, result), *_ = results()
    assembly = Assembly(loaded, [first, (0, 1)])
    assembly.add(first, result)
    with pytest.raises(ValueError, match="twice"):
        assembly.add(first, result)
    with pytest.raises(ValueError, match="not one of"):
        assembly.add((5, 0), result)
    with pytest.raises(ValueError, match="not arrived"):
        next(assembly.tables())


# ------------------------------------------------------------------ nothing held
def test_a_folded_result_is_not_kept_by_the_assembly():
    loaded = mixed()
    (task, result), *_ = results()
    ref = weakref.ref(result)
    assembly = Assembly(loaded, [task])
    assembly.add(task, result)
    del result
    gc.collect()
    assert ref() is None
    assert assembly.arrived == 1


def test_a_federation_run_leaves_no_model_behind():
    """Once a federation's pieces are returned, its model (a web of cycles: processes, groups,
    practices) is gone, not left for the cyclic collector: a worker's memory does not grow
    with every federation it runs."""
    def models() -> set[int]:
        return {id(o) for o in gc.get_objects() if isinstance(o, (PracticeGroup, Practice))}

    gc.collect()
    held = models()  # other tests' fixtures may hold models: alive, so their ids are not reused
    gc.disable()  # no collection by chance during the run: only run_federation's own may free it
    try:
        run_federation(mixed(), 0, 0)
        left = models() - held
    finally:
        gc.enable()
    assert not left


@pytest.fixture
def folded_refs(monkeypatch) -> list[weakref.ref]:
    """Watches every arrival: each earlier result (folded pieces, from ``run_federation``) must be
    gone by the time the next arrives."""
    refs: list[weakref.ref] = []
    real = Assembly.add

    def add(self: Assembly, task: Task, result: FederationPieces | FederationResult) -> None:
        gc.collect()
        held = [i for i, ref in enumerate(refs) if ref() is not None]
        assert not held, f"results {held} were kept after being folded"
        refs.append(weakref.ref(result))
        real(self, task, result)

    monkeypatch.setattr(Assembly, "add", add)
    return refs


@pytest.mark.parametrize("scheduler", ["serial", "processes", "dask"])
def test_no_scheduler_keeps_results_once_folded(folded_refs: list[weakref.ref], scheduler: str):
    loaded = mixed()
    run_scenario(loaded, (0, 1), workers=2, progress=False, scheduler=scheduler)
    assert len(folded_refs) == 6


def test_dask_releases_each_result_in_the_cluster_once_yielded():
    """A Dask future held by the caller keeps its result in a worker's memory: each is dropped once yielded."""
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://", dashboard_address=None) as cluster, Client(cluster) as watcher:

        def held() -> int:
            return watcher.run_on_scheduler(lambda dask_scheduler: sum(t.state == "memory" for t in dask_scheduler.tasks.values()))

        for n, (_, value) in enumerate(execute(np.ones, [(i, (1000,)) for i in range(8)], cluster.scheduler_address, 1)):
            del value
            if n == 6:  # seven yielded, one to come: at most it and the last yielded are held
                assert eventually(lambda: held() <= 2), f"{held()} results held in the cluster"


def eventually(condition, seconds: float = 10.0) -> bool:
    """Whether ``condition()`` holds within ``seconds`` (the cluster releases asynchronously)."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def test_an_experiment_keeps_no_results_once_folded(folded_refs: list[weakref.ref], tmp_path: Path):
    run_experiment([mixed()], ReplicationCache(tmp_path), (0, 1), workers=2, progress=False)
    assert len(folded_refs) == 6


# ------------------------------------------------------------------ patient tables off
def test_without_patient_tables_no_patient_rows_are_built(tmp_path: Path, monkeypatch):
    """Nationally the patient tables are off: the recorder never builds them and the written tables are empty."""

    def refuse(self: Recorder) -> None:
        raise AssertionError("patient-level tables built although measures.patient_tables is false")

    monkeypatch.setattr(Recorder, "_patient_tables", refuse)
    loaded = load_scenario(SCENARIOS / "qof_england.yaml", {k: v for k, v in MIXED.items() if k.startswith(("practices", "years"))})
    assert not loaded.scenario.measures.patient_tables
    (result,) = run_experiment([loaded], ReplicationCache(tmp_path), (0,), workers=1, progress=False)
    assert len(result.tables["patients"]) == len(result.tables["patient_conditions"]) == 0
    assert len(result.tables["practices"]) == 5


# ------------------------------------------------------------------ the cache
def test_a_replication_that_fails_while_its_tables_are_built_leaves_nothing(tmp_path: Path):
    """Tables are written as they are built; a failure half-way leaves no folder, not half of one."""
    loaded = mixed()
    cache = ReplicationCache(tmp_path)

    def tables():
        yield "practices", pd.DataFrame({"practice": [0]})
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.save(loaded, 0, tables(), {"patient_years": 1.0, "seconds": 1.0})
    assert not cache.has(loaded, 0)
    assert not cache.folder(loaded, 0).exists()
    assert list(cache.folder(loaded, 0).parent.iterdir()) == []
