"""National scale: an England-shaped scenario runs without patient tables, and on Dask as serially."""

from __future__ import annotations

import pandas as pd

from conftest import SCENARIOS
from sim.config import load_scenario
from sim.experiment.runner import run_scenario
from sim.model.county import federation_plan

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
