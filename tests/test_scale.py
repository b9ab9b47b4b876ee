"""National scale: an England-shaped scenario runs without patient tables, and on Dask as serially."""

from __future__ import annotations

import pandas as pd

from conftest import SCENARIOS
from sim.config import load_scenario
from sim.experiment.runner import BATCH_PATIENTS, batches, run_scenario
from sim.experiment.schedulers import slots
from sim.model.county import federation_plan, list_sizes

ENGLAND = SCENARIOS / "qof_england.yaml"
SMALL_ENGLAND = {"practices.count": 14, "practices.list_size_mean": 300}


def test_england_scenario_describes_the_country():
    loaded = load_scenario(ENGLAND)
    sc = loaded.scenario
    assert 6_000 <= sc.practices.count <= 7_000
    assert 50e6 < sc.practices.count * sc.practices.list_size_mean < 60e6
    assert not sc.measures.patient_tables
    assert len(federation_plan(loaded)) == -(-sc.practices.count // sc.practices.federation_size)


def test_england_shaped_run_on_a_local_dask_cluster_matches_serial():
    loaded = load_scenario(ENGLAND, SMALL_ENGLAND)
    serial = run_scenario(loaded, (0,), workers=1, progress=False, scheduler="serial")
    dask = run_scenario(loaded, (0,), workers=2, progress=False, scheduler="dask")
    assert len(serial.tables["patients"]) == 0, "patient-level tables are off nationally"
    for name, table in serial.tables.items():
        pd.testing.assert_frame_equal(table, dask.tables[name], check_exact=True, obj=name)
    assert serial.tables["practices"].practice.nunique() == 14


def _patients(loaded, batch: list[int]) -> int:
    sizes, plan = list_sizes(loaded), federation_plan(loaded)
    return int(sum(sizes[p] for f in batch for p in plan[f]))


def test_batches_share_out_every_federation_once_and_evenly():
    """England: as many batches as its patients need at BATCH_PATIENTS each, every federation in one,
    none far over; the county on two workers: two batches of nearly equal patients."""
    england = load_scenario(ENGLAND)
    plan = batches(england, 1, 2)
    assert sorted(f for batch in plan for f in batch) == list(range(len(federation_plan(england))))
    total = int(list_sizes(england).sum())
    assert len(plan) == -(-total // BATCH_PATIENTS)
    assert max(_patients(england, b) for b in plan) < 1.15 * BATCH_PATIENTS
    county = load_scenario(SCENARIOS / "qof_county.yaml")
    two = batches(county, 1, 2)
    assert len(two) == 2 and sorted(f for b in two for f in b) == list(range(10))
    small, large = sorted(_patients(county, b) for b in two)
    assert large < 1.03 * small
    assert len(batches(county, 4, 2)) == 2, "four replications at once keep two workers busy with two batches each"
    assert len(batches(county, 1, 8)) == 8, "eight idle workers: smaller batches"


def test_a_run_on_a_dask_cluster_is_split_for_the_cluster_not_this_machine():
    """Given a cluster's address and no worker count, batches keep every one of the cluster's
    worker threads busy (three here, on a two-core machine); a worker count given still rules."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=3, threads_per_worker=1, processes=False, protocol="tcp://", dashboard_address=None) as cluster:
        assert slots(cluster.scheduler_address) == 3
        assert slots(cluster.scheduler_address, 2) == 2
    assert slots("serial", 8) == 1
    county = load_scenario(SCENARIOS / "qof_county.yaml")
    assert len(batches(county, 1, 3)) == 3
