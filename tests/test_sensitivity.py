"""What drives the answer: the one-way sweep beside a comparison, and the conclusions that flip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from conftest import OPTOUT, QOF
from sim.cli import main
from sim.config import load_scenario
from sim.experiment.compare import compare
from sim.experiment.replications import ReplicationCache
from sim.experiment.sensitivity import HIGHER, LOWER, UNCLEAR, Lever, _conclusions, _table, conclusion, levers, sensitivity

TINY = {"years": 1, "practices.list_size_mean": 800, "measures.warmup_years": 0}


def _diffs(d: float, lo: float, hi: float) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples([("optout", "deaths_per_1000")], names=["scenario", "measure"])
    return pd.DataFrame({"baseline": "qof", "difference": d, "lower": lo, "upper": hi, "replications": 3}, index=index)


def test_conclusions_and_flips():
    assert conclusion(2.0, 0.5, 3.5) == HIGHER and conclusion(-2.0, -3.0, -1.0) == LOWER
    assert conclusion(0.5, -1.0, 2.0) == UNCLEAR and conclusion(1.0, np.nan, np.nan) == HIGHER
    diffs = {
        ("", "base"): _diffs(2.0, 1.0, 3.0),
        ("a", "low"): _diffs(1.5, 0.5, 2.5), ("a", "high"): _diffs(2.5, 1.5, 3.5),  # holds
        ("b", "low"): _diffs(0.5, -0.5, 1.5), ("b", "high"): _diffs(3.0, 2.0, 4.0),  # loses significance
        ("c", "low"): _diffs(2.0, 1.0, 3.0), ("c", "high"): _diffs(-1.0, -2.0, -0.5),  # reverses
    }
    found = [Lever(p, 1.0, 0.0, 2.0) for p in "abc"]
    table = _table(found, diffs).set_index("parameter")
    assert list(table.loc["a", ["sign_flips", "significance_flips", "conclusion_flips"]]) == [False, False, False]
    assert list(table.loc["b", ["sign_flips", "significance_flips", "conclusion_flips"]]) == [False, True, True]
    assert list(table.loc["c", ["sign_flips", "significance_flips", "conclusion_flips"]]) == [True, False, True]
    assert table.loc["c", "high_conclusion"] == LOWER and table.loc["c", "label"].startswith("Deaths")
    (row,) = _conclusions(table.reset_index(), diffs[("", "base")]).to_dict("records")
    assert row["conclusion"] == HIGHER and not row["holds_across_ranges"]
    assert row["flipped_by"] == f"b=0.0 ({UNCLEAR}); c=2.0 ({LOWER})"


def test_sweep_moves_only_the_scenarios_that_declare_a_parameter_and_runs_each_set_once(tmp_path):
    scenarios = [load_scenario(p, TINY) for p in (QOF, OPTOUT)]
    patterns = ("regime.params.review_adherence_boost", "clinical.events.acsc_admission.overdue_hr")
    assert [lv.path for lv in levers(scenarios, patterns)] == list(patterns)
    cache = ReplicationCache(tmp_path / "cache")
    swept = sensitivity(scenarios, cache, (0, 1), workers=1, progress=False, patterns=patterns)
    # base (2) + boost high (opt-out only) + overdue_hr high (both); both low ends equal the base values
    assert len(list(cache.root.iterdir())) == 5
    runs = swept.runs.pivot_table(index=["scenario", "replication", "measure"], columns="label", values="value")
    qof = runs.xs("qof_practice")
    assert (qof["base"].fillna(-1) == qof["regime.params.review_adherence_boost=0.15"].fillna(-1)).all()
    table = swept.table.set_index(["parameter", "measure"])
    boost = table.loc["regime.params.review_adherence_boost"]
    assert (boost["low_difference"].fillna(0) == boost["base_difference"].fillna(0)).all()
    assert {"sign_flips", "significance_flips", "conclusion_flips", "low_lower", "high_upper"} <= set(table.columns)
    conclusions = swept.conclusions
    assert set(conclusions["scenario"]) == {"optout_practice"}
    assert conclusions["holds_across_ranges"].dtype == bool


def test_compare_with_sensitivity_writes_the_tables(tmp_path):
    """``compare`` adds sensitivity.csv, conclusions.csv and sweep.parquet (the report reads the last)."""
    scenarios = [load_scenario(p, {**TINY, "measures.warmup_years": 3}) for p in (QOF, OPTOUT)]
    patterns = ("staffing.minutes_per_fte_day.gp", "regime.params.review_adherence_boost")
    folder = compare(scenarios, tmp_path / "s", (0, 1), workers=1, progress=False, sensitivity_replications=2, sensitivity_patterns=patterns)
    table = pd.read_csv(folder / "sensitivity.csv")
    assert set(table["parameter"]) == set(patterns) and set(table["scenario"]) == {"optout_practice"}
    assert (folder / "conclusions.csv").is_file()
    runs = pd.read_parquet(folder / "sweep.parquet")
    assert {"sample", "label", "parameter", "level", "scenario", "replication", "measure", "value"} <= set(runs.columns)
    assert json.loads((folder / "manifest.json").read_text())["sensitivity"]["replications"] == 2


def test_cli_sensitivity_is_on_request(monkeypatch, tmp_path):
    """``qofsim compare --sensitivity`` asks for the sweep (3 replications unless told); without it, none."""
    seen = []
    monkeypatch.setattr("sim.experiment.compare.compare", lambda *a, **k: seen.append(k["sensitivity_replications"]) or tmp_path)
    monkeypatch.setattr("sim.output.report.write_report", lambda folder: None)
    base = ["compare", str(QOF), str(OPTOUT), "--out", str(tmp_path), "-q"]
    for extra, expected in (([], 0), (["--sensitivity"], 3), (["--sensitivity", "--sensitivity-replications", "5"], 5)):
        assert main([*base, *extra]) == 0
        assert seen[-1] == expected
