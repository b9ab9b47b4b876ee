"""A regime from outside the package plugs in with no engine change and runs end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from conftest import BASE, write_yaml

PLUGINS = Path(__file__).resolve().parent / "plugins"

SCENARIO = """
extends: {base}
name: checkup
description: Every register patient invited for one nurse check a year (a plug-in regime).
years: 2
practices:
  list_size_mean: 1500
regime:
  policy: {value: "annual_checkup:AnnualCheckup", assumption: "a plug-in regime for the tests"}
  params:
    recall_every_days: 7
    letters_max: 1
    chase_after_days: 21
    review_minutes: {nurse: 20}
    extra_condition_minutes: 5
    recording: {lab: 1.0, measurement: 1.0, review: 1.0, advice: 1.0, care_plan: 1.0}
    opportunistic_probability: 0.0
    opportunistic_minutes: 10
    interval_months: 12
    role: nurse
"""


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_plugin_regime_runs_through_the_cli(tmp_path: Path):
    scenario = write_yaml(tmp_path, "checkup.yaml", SCENARIO)
    done = run_cli(["run", str(scenario), "-r", "1", "-w", "1", "-o", str(tmp_path / "out"), "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "checkup" / "checkup"  # the run's folder, then the scenario's own
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "annual_checkup:AnnualCheckup" in json.dumps(manifest)
    activity = pd.read_parquet(folder / "tables" / "activity.parquet")
    by_role = activity[activity.measure == "reviews_delivered"].groupby("role")["value"].sum()
    assert set(by_role.index) == {"nurse"}, "every check is booked with the plug-in's role"
    headline = pd.read_csv(folder / "headline.csv").iloc[0]
    assert headline["reviews_delivered_per_1000_register"] > 300
    assert headline["exceptions_pct"] == 0


def test_plugin_params_are_validated_like_any_other(tmp_path: Path):
    bad = SCENARIO.replace("role: nurse", "role: nurse\n    surprise: 1")
    scenario = write_yaml(tmp_path, "bad.yaml", bad)
    done = run_cli(["check", str(scenario)], tmp_path)
    assert done.returncode == 2
    assert "regime.params.surprise" in done.stderr
    assert "Traceback" not in done.stderr
