"""Plots and the self-contained HTML report of a comparison folder.

One tiny comparison (two years, small practices, two replications) is run once
for the module; the tests read and copy it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest

from sim.experiment.compare import compare
from sim.config import load_scenario
from sim.output.plots import PLOTS, REQUIRED
from sim.output.plots.clinical import plot_outcomes, plot_risk_factor_control
from sim.output.plots.common import STYLE
from sim.output.plots.workload import plot_clinician_hours
from sim.output.reader import Comparison
from sim.output.report import REPORT_TITLE, STRESS_SECTIONS, build_report, write_report

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
OVERRIDES = {"years": 2, "practices.list_size_mean": 1500}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLOT_IMG = re.compile(r"<img\b[^>]*\bclass=[\"']plot[\"']")
EXTERNAL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "tiny"
    loaded = [load_scenario(SCENARIOS / name, OVERRIDES) for name in ("qof_practice.yaml", "optout_practice.yaml")]
    written = compare(loaded, out, replications=range(2), workers=1, progress=False)
    assert write_report(written) == written / "report.html"
    return written


@pytest.fixture(scope="module")
def index(folder: Path) -> list[dict[str, str]]:
    return json.loads((folder / "plots" / "index.json").read_text())


@pytest.fixture(scope="module")
def html(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def copy_of(folder: Path, tmp_path: Path) -> Path:
    dest = tmp_path / folder.name
    shutil.copytree(folder, dest)
    return dest


# ------------------------------------------------------------------ plots
@pytest.mark.parametrize("name", REQUIRED)
def test_required_plot_written_as_png_and_svg(folder: Path, name: str) -> None:
    png, svg = folder / "plots" / f"{name}.png", folder / "plots" / f"{name}.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    assert "<svg" in svg.read_text()[:2000]
    assert svg.stat().st_size > 10_000


def test_index_lists_required_plots_with_captions(index: list[dict[str, str]]) -> None:
    names = [entry["name"] for entry in index]
    assert set(REQUIRED) <= set(names)
    assert all(entry["caption"] and entry["title"] for entry in index)


def test_clinical_plots_follow_their_tables(folder: Path, index: list[dict[str, str]], tmp_path: Path) -> None:
    names = {entry["name"] for entry in index}
    for name in ("control", "outcomes"):
        written = (folder / "optout_practice" / "tables" / f"{name}.parquet").is_file()
        assert (name in names) == written
    work = copy_of(folder, tmp_path)
    for path in work.glob("*/tables/*.parquet"):
        if path.stem in ("control", "outcomes"):
            path.unlink()
    comp = Comparison.load(work)
    assert plot_risk_factor_control(comp) is None  # absent tables: skipped quietly
    assert plot_outcomes(comp) is None
    assert plot_clinician_hours(comp) is not None  # falls back to list sizes for patient-years


def test_malformed_clinical_table_is_skipped_with_a_warning(folder: Path, tmp_path: Path) -> None:
    work = copy_of(folder, tmp_path)
    for scenario in Comparison.load(work).scenarios:
        bad = pd.DataFrame({"scenario": [scenario], "replication": [0], "oops": [1]})
        bad.to_parquet(work / scenario / "tables" / "outcomes.parquet")
        bad.to_parquet(work / scenario / "tables" / "control.parquet")
    comp = Comparison.load(work)
    with pytest.warns(UserWarning, match="outcomes"):
        assert plot_outcomes(comp) is None
    with pytest.warns(UserWarning, match="control"):
        assert plot_risk_factor_control(comp) is None


def test_single_replication_shows_no_intervals_and_says_so(folder: Path, tmp_path: Path) -> None:
    work = copy_of(folder, tmp_path)
    overview = json.loads((work / "manifest.json").read_text())
    overview["replications"] = [0]
    (work / "manifest.json").write_text(json.dumps(overview))
    for path in work.glob("*/tables/*.parquet"):
        df = pd.read_parquet(path)
        if "replication" in df.columns:
            df[df["replication"] == 0].to_parquet(path, index=False)
    for name in ("comparison.csv", "differences.csv"):
        df = pd.read_csv(work / name)
        df[["lower", "upper"]] = float("nan")
        df.assign(replications=1).to_csv(work / name, index=False)
    comp = Comparison.load(work)
    with mpl.rc_context(STYLE):
        for spec in PLOTS:  # drawing exercises every interval-less code path; rendering is left to the fixture
            plot = spec.draw(comp)
            texts = " ".join(t.get_text().replace("\n", " ") for t in plot.fig.texts) if plot else ""
            assert plot is None or "Single replication" in texts, spec.name
    text = build_report(work).read_text(encoding="utf-8")
    assert "single replication" in text.lower()
    assert "(95% interval " not in text and "paired difference, " not in text


# ----------------------------------------------------------------- report
def test_report_is_self_contained(html: str) -> None:
    assert not EXTERNAL.findall(html)
    assert "<link" not in html.lower()
    assert "<script" not in html.lower()
    assert "url(" not in html


def test_report_embeds_every_plot(folder: Path, html: str, index: list[dict[str, str]]) -> None:
    assert len(PLOT_IMG.findall(html)) == len(index)
    for entry in index:
        data = base64.b64encode((folder / "plots" / entry["png"]).read_bytes()).decode("ascii")
        assert data in html, entry["name"]


def test_report_has_title_findings_tables_and_stress_des_methods(html: str) -> None:
    assert f"<h1>{REPORT_TITLE}</h1>" in html
    for heading in STRESS_SECTIONS:
        assert f"<h3>{heading}</h3>" in html
    assert "Under optout_practice, " in html and "than under qof_practice" in html
    assert "<details>" in html and "assumption" in html and "source" in html
    assert "SeedSequence" in html  # random streams, from the manifest
    assert "2014/15 to 2015/16" in html  # run length from the manifest (two years)


def test_report_escapes_text_from_the_manifests(folder: Path, tmp_path: Path) -> None:
    work = copy_of(folder, tmp_path)
    path = work / "optout_practice" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["description"] = "<script>alert('x')</script> & <b>bold</b>"
    path.write_text(json.dumps(manifest))
    text = build_report(work).read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;" in text


def test_report_subcommand_rebuilds_the_report(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.output import plots
    from sim.cli import main

    work = copy_of(folder, tmp_path)
    (work / "report.html").unlink()
    drawn: list[Path] = []
    monkeypatch.setattr(plots, "make_plots", lambda f: drawn.append(Path(f)) or [])  # plots are tested above
    assert main(["report", str(work)]) == 0
    assert drawn == [work]
    assert REPORT_TITLE in (work / "report.html").read_text(encoding="utf-8")


def test_report_subcommand_refuses_a_folder_that_is_not_a_comparison(tmp_path: Path) -> None:
    from sim.cli import main

    assert main(["report", str(tmp_path)]) == 2


# --------------------------------------------------------------- browser
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium (run 'make browser' to install it)"
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


@needs_chromium
def test_report_renders_in_headless_chromium(folder: Path, index: list[dict[str, str]], tmp_path: Path) -> None:
    url = (folder / "report.html").resolve().as_uri()
    dom = chromium(tmp_path, "--dump-dom", url).stdout
    assert REPORT_TITLE in dom
    assert len(PLOT_IMG.findall(dom)) == len(index)
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1280,4000", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
