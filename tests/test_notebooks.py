"""The sensitivity-analysis notebooks run top to bottom at their small size and draw their plots."""

from __future__ import annotations

import os
import subprocess

import jupytext
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
EXPECTED = {
    "one_way_sensitivity": ["tornado_missed_plan_pct.png", "tornado_clinician_hours_per_1000.png", "tornado_events_per_1000.png"],
    "global_sensitivity": ["morris.png", "sobol.png", "top_parameters.csv"],
    "probabilistic_sensitivity": ["differences.png", "ce_plane.png", "ceac.png"],
    "explore_scenario": ["comparison/report.html", "comparison/plots/answer.png"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_draws(name: str, monkeypatch):
    """Executing the notebook (small size) raises nothing and writes its plots."""
    monkeypatch.delenv("QOFSIM_FULL", raising=False)
    out = NOTEBOOKS / "output" / name
    for file in EXPECTED[name]:
        (out / file).unlink(missing_ok=True)
    notebook = jupytext.read(NOTEBOOKS / f"{name}.py")
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for file in EXPECTED[name]:
        assert (out / file).stat().st_size > 1000 or file.endswith(".csv"), file


def test_notebooks_are_stored_as_scripts_without_outputs():
    """Notebooks live in git as jupytext scripts (they diff well); no .ipynb with stale outputs."""
    tracked = subprocess.run(["git", "ls-files", "notebooks"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert not [f for f in tracked.split() if f.endswith(".ipynb")]
    for name in EXPECTED:
        text = (NOTEBOOKS / f"{name}.py").read_text()
        assert "format_name: percent" in text and "FULL" in text
    assert os.path.exists(NOTEBOOKS / "README.md")
