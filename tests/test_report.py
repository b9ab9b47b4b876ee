"""Plots and the self-contained HTML report of a comparison folder, and the answer it opens with.

One tiny comparison (three regimes, two years, small practices, two replications)
is run once for the module; the tests read and copy it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from sim.config import load_scenario
from sim.experiment.compare import compare
from sim.experiment.runner import run_scenario
from sim.output.answer import BUSY_PCT, QUESTIONS, answer, chosen_measures, effect
from sim.output.plots import PLOTS, REQUIRED
from sim.output.plots.clinical import plot_outcomes, plot_risk_factor_control
from sim.output.plots.common import MAX_WIDTH_IN, STYLE
from sim.output.plots.workload import plot_clinician_hours
from sim.output.reader import Comparison, short_descriptions
from sim.output.report import REPORT_TITLE, STRESS_SECTIONS, answer_text, build_report, write_report
from sim.output.report.measures import difference_text, level_text
from sim.output.report.model import clinic_day

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
OVERRIDES = {"years": 2, "practices.list_size_mean": 1500}
NAMES = ("qof_practice", "optout_practice", "withdrawn_practice")
OPENING_WORDS = 250
"""Title and first section together: a policy reader's 30 seconds."""
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
    loaded = [load_scenario(SCENARIOS / f"{name}.yaml", OVERRIDES) for name in NAMES]
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
def test_required_plot_written_as_png(folder: Path, name: str) -> None:
    png = folder / "plots" / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_svg_is_written_on_request(folder: Path, tmp_path: Path) -> None:
    from sim.output.plots import make_plots

    work = copy_of(folder, tmp_path)
    assert not list((work / "plots").glob("*.svg"))  # the report embeds PNG only
    written = make_plots(work, svg=True)
    svgs = [p for p in written if p.suffix == ".svg"]
    assert {p.stem for p in svgs} >= set(REQUIRED)
    assert all("<svg" in p.read_text()[:2000] for p in svgs)


def test_figures_drawn_on_two_processes_are_those_drawn_on_one(folder: Path, tmp_path: Path) -> None:
    """The fixture draws on the pool where the platform forks; one process draws the same files."""
    from sim.output.plots import make_plots

    work = copy_of(folder, tmp_path)
    written = make_plots(work, workers=1)
    assert written and all(p.read_bytes() == (folder / "plots" / p.name).read_bytes() for p in written)
    assert (work / "plots" / "index.json").read_text() == (folder / "plots" / "index.json").read_text()


def test_figures_are_readable_at_report_width(folder: Path) -> None:
    """At most six panels and at most report width, so text shows at its drawn size at 100% zoom."""
    comp = Comparison.load(folder)
    with mpl.rc_context(STYLE):
        for spec in PLOTS:
            plot = spec.draw(comp)
            if plot is None:
                continue
            panels = [ax for ax in plot.fig.axes if ax.get_visible()]
            assert len(panels) <= 6, spec.name
            assert plot.fig.get_figwidth() <= MAX_WIDTH_IN, spec.name


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
    for path in work.glob("*/headline.csv"):
        df = pd.read_csv(path)
        df[df["replication"] == 0].to_csv(path, index=False)
    comp = Comparison.load(work)
    with mpl.rc_context(STYLE):
        for spec in PLOTS:  # drawing exercises every interval-less code path; rendering is left to the fixture
            plot = spec.draw(comp)
            texts = " ".join(t.get_text().replace("\n", " ") for t in plot.fig.texts) if plot else ""
            assert plot is None or "Single replication" in texts, spec.name
    text = build_report(work).read_text(encoding="utf-8")
    assert "single replication" in text.lower() and "one replication: no interval" in text
    assert "95% CI" not in text


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
    assert "<section id='answer'" in html and "headline measures, per scenario and against the baseline" in html
    assert "comparison.csv" in html and "differences.csv" in html  # downloadable tables
    assert "<details>" in html and "assumption" in html and "source" in html
    assert "SeedSequence" in html  # random streams, from the manifest
    assert "2017/18 to 2018/19" in html  # measured years from the manifest: two, after the 3-year warm-up


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
    monkeypatch.setattr(plots, "make_plots", lambda f, svg=False, **kw: drawn.append(Path(f)) or [])  # plots are tested above
    assert main(["report", str(work)]) == 0
    assert drawn == [work]
    assert REPORT_TITLE in (work / "report.html").read_text(encoding="utf-8")


def test_report_subcommand_refuses_a_folder_that_is_not_a_comparison(tmp_path: Path) -> None:
    from sim.cli import main

    assert main(["report", str(tmp_path)]) == 2


# ----------------------------------------------------------------- answer
def test_answer_has_three_lines_per_regime_in_the_scenarios_own_words(folder: Path) -> None:
    comp = Comparison.load(folder)
    result = answer(comp)
    assert [label for label, _ in result.regimes] == ["Under Somerset-style opt-out", "After QOF is withdrawn with nothing in its place"]
    assert result.heading == "Against one typical practice under QOF recall (the 2014 contract)"
    for _, lines in result.regimes:
        assert [line.topic for line in lines] == [topic for topic, _ in QUESTIONS]
        assert all(line.measure for line in lines)
    text = result.as_text()
    assert not any(name in text for name in NAMES)  # descriptions, not file names
    assert text.count("95% CI") + text.count("the same in every replication") == 6 and result.caveat in text


def test_a_single_run_states_its_own_levels(folder: Path, tmp_path: Path) -> None:
    work = copy_of(folder, tmp_path)
    overview = json.loads((work / "manifest.json").read_text())
    overview["scenarios"], overview["baseline"] = ["optout_practice"], "optout_practice"
    (work / "manifest.json").write_text(json.dumps(overview))
    text = answer_text(work)
    assert text.startswith("One typical practice under Somerset-style opt-out")
    assert text.count("95% CI") == 3 and "against" not in text.split("Caveat")[0]


def test_short_descriptions_drop_what_every_scenario_shares() -> None:
    labels = short_descriptions({"a": "A county under QOF recall. More words.", "b": "A county under opt-out: details"})
    assert labels == {"a": "QOF recall", "b": "Opt-out"}
    assert short_descriptions({"a": "Same", "b": "Same"}, str.upper) == {"a": "A", "b": "B"}  # ambiguous: names


def test_effect_says_how_big_and_how_sure() -> None:
    assert effect(17.3, 16.8, 17.9, "pct") == ("17.3 percentage points higher (95% CI 16.8 to 17.9)", True)
    assert effect(-7.8, -10.0, -5.6, "hours") == ("7.8 fewer (95% CI 5.6 to 10.0)", True)
    assert effect(-0.06, -0.47, 0.35, "count") == ("no clear difference (95% CI 0.47 fewer to 0.35 more)", False)
    assert effect(0.0, 0.0, 0.0, "count")[0] == "the same in every replication"
    assert effect(2.0, float("nan"), float("nan"), "count") == ("2.0 more (one replication: no interval)", None)


def test_caveat_names_a_role_at_capacity_else_the_assumptions(folder: Path, tmp_path: Path) -> None:
    work = copy_of(folder, tmp_path)
    for scenario in NAMES:
        path = work / scenario / "tables" / "activity.parquet"
        act = pd.read_parquet(path)
        available = act["measure"] == "minutes_available"
        act.loc[available, "value"] *= 10  # plenty of time: nobody near capacity
        act.to_parquet(path, index=False)
    assert answer(Comparison.load(work)).caveat.startswith("Intervals show simulation noise only")
    path = work / "optout_practice" / "tables" / "activity.parquet"
    act = pd.read_parquet(path)
    nurse = (act["measure"] == "minutes_available") & (act["role"] == "nurse")
    used = act[act["measure"].isin(["minutes_ltc", "minutes_other"]) & (act["role"] == "nurse")]["value"].sum()
    act.loc[nurse, "value"] *= (used / 0.97) / act.loc[nurse, "value"].sum()  # nurses book 97% of their minutes
    act.to_parquet(path, index=False)
    caveat = answer(Comparison.load(work)).caveat
    assert caveat.startswith("Capacity-bound: practice nurses booked 97% of their session minutes under Somerset-style opt-out")
    assert f"{BUSY_PCT:.0f}" not in caveat or "97%" in caveat


def test_caveat_names_an_assumption_that_reverses_the_answer(folder: Path, tmp_path: Path) -> None:
    """A one-way sweep saved beside the results in which opt-out has fewer patients past their own plan than QOF at one end."""
    work = copy_of(folder, tmp_path)
    qof, optout = (pd.read_csv(work / s / "headline.csv") for s in ("qof_practice", "optout_practice"))
    optout["missed_plan_pct"] = qof["missed_plan_pct"] + 3.0 + 0.1 * optout["replication"]  # a clear answer: more past their own plan
    optout.to_csv(work / "optout_practice" / "headline.csv", index=False)
    label = "population.attendance.mean=0.5"
    rows = [
        {"sample": 1, "label": label, "parameter": "population.attendance.mean", "level": "low", "scenario": s,
         "replication": 0, "measure": "missed_plan_pct", "value": value}
        for s, value in (("qof_practice", 20.0), ("optout_practice", 15.0), ("withdrawn_practice", 25.0))
    ]
    pd.DataFrame(rows).to_parquet(work / "sweep.parquet", index=False)
    caveat = answer(Comparison.load(work)).caveat
    assert caveat.startswith(f"The answer on monitoring gaps under Somerset-style opt-out reverses when {label}")


def test_an_answer_with_no_clear_difference_cannot_reverse(folder: Path, tmp_path: Path) -> None:
    """A sign change of a difference whose interval spans 0 is noise, not a reversed answer."""
    work = copy_of(folder, tmp_path)
    comp = Comparison.load(work)
    diffs = comp.differences()
    unclear = diffs[(diffs["lower"] < 0) & (diffs["upper"] > 0) & (diffs["difference"] != 0)]
    pairs = {(s, m) for s, m in zip(unclear["scenario"], unclear["measure"])}
    chosen = [(s, m) for _, m in chosen_measures(comp) for s in comp.scenarios if (s, m) in pairs]
    assert chosen, "the fixture should have an answer line with no clear difference"
    scenario, measure = chosen[0]
    sign = np.sign(unclear.set_index(["scenario", "measure"]).loc[(scenario, measure), "difference"])
    rows = [
        {"sample": 1, "label": "x=1", "parameter": "x", "level": "low", "scenario": s, "replication": 0,
         "measure": measure, "value": 10.0 - 5.0 * sign * (s == scenario)}
        for s in comp.scenarios
    ]
    pd.DataFrame(rows).to_parquet(work / "sweep.parquet", index=False)
    assert "reverses" not in answer(Comparison.load(work)).caveat


def test_a_sweep_without_the_answer_measures_leaves_the_caveat_alone(folder: Path, tmp_path: Path) -> None:
    """A sweep saved without the answer's measures (e.g. from an older version) neither crashes nor flips the caveat."""
    work = copy_of(folder, tmp_path)
    rows = [
        {"sample": 1, "label": "x=1", "parameter": "x", "level": "low", "scenario": s, "replication": 0, "measure": "no_such_measure", "value": 1.0}
        for s in ("qof_practice", "optout_practice", "withdrawn_practice")
    ]
    pd.DataFrame(rows).to_parquet(work / "sweep.parquet", index=False)
    assert "reverses" not in answer(Comparison.load(work)).caveat


def test_bounded_measures_show_no_negative_interval_and_zero_reads_none_observed(folder: Path, html: str) -> None:
    levels = Comparison.load(folder).levels()
    assert (levels["lower"].dropna() >= 0).all()
    assert (levels.loc[levels["measure"].str.endswith("_pct"), "upper"].dropna() <= 100).all()
    assert level_text(0.0, 0.0, 0.0) == "none observed" and difference_text(0.0, 0.0, 0.0) == "none"
    assert difference_text(1e-5, 2e-6, 3e-5) == "none"  # a rate's denominator moved, not its events
    assert effect(1e-5, 2e-6, 3e-5, "count") == ("the same in every replication", False)
    assert level_text(0.0028, 0.0007, 0.012) == "0.0028 (0.0007 to 0.012)"
    assert "(0.0 to 0.0)" not in html and "e-0" not in html.split("id='detail'")[1].split("</table>")[0]


def test_opening_is_the_answer_in_few_words_with_one_figure(html: str) -> None:
    opening = html[html.index("<header"): html.index("<nav>")]
    words = re.sub(r"<[^>]+>", " ", opening).split()
    assert len(words) <= OPENING_WORDS
    assert len(re.findall(r"<img\b", opening)) == 1
    for topic, _ in QUESTIONS:
        assert opening.count(f"<strong>{topic}:</strong>") == 2  # one line per regime
    assert "Caveat." in opening


def test_compare_prints_the_answer_and_the_report_path(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import sim.experiment.compare
    from sim.cli import main

    work = copy_of(folder, tmp_path)
    monkeypatch.setattr(sim.experiment.compare, "compare", lambda *a, **k: work)  # simulated once, for the module
    files = [str(SCENARIOS / f"{n}.yaml") for n in NAMES]
    assert main(["compare", *files, "-o", str(tmp_path), "-q"]) == 0
    out = capsys.readouterr().out
    assert answer_text(work) in out
    assert out.count("Monitoring gaps: ") == 2 and out.count("Workload: ") == 2 and out.count("Outcomes: ") == 2
    assert str(work / "report.html") in out.splitlines()[-1]


# ------------------------------------------------- the model as described
@pytest.fixture(scope="module")
def busy_clinic() -> dict[str, pd.DataFrame]:
    """A practice (over one nurse FTE) whose nurse reviews take 90 minutes: reviews queue for weeks."""
    overrides = {"years": 1, "practices.list_size_mean": 4000, "demand.max_wait_days": 5, "regime.params.review_minutes.nurse": 90,
                 "demand.routine_lead_days": 0}  # requests for the next free appointment: waits are queueing only
    return run_scenario(load_scenario(SCENARIOS / "qof_practice.yaml", overrides), (0,), workers=1, progress=False).tables


def test_clinic_day_only_routine_acute_requests_lapse(busy_clinic: dict[str, pd.DataFrame]) -> None:
    text = clinic_day({"max_wait_days": 5})
    assert "Routine acute requests lapse after 5 days unseen; reviews wait until they are seen" in text
    waits = busy_clinic["waits"]
    seen = waits[waits["appointments"] > 0]
    assert seen.loc[seen["kind"] == "other", "wait_days"].max() <= 5  # acute: seen within 5 days or lapsed
    assert seen.loc[seen["kind"] == "ltc", "wait_days"].max() > 5  # reviews: still seen after 5 days


def test_clinic_day_serves_same_day_requests_first(busy_clinic: dict[str, pd.DataFrame]) -> None:
    assert "serves same-day requests first" in clinic_day({})
    act = busy_clinic["activity"]
    nurse = act[act["role"] == "nurse"].groupby("measure")["value"].sum()
    waits = busy_clinic["waits"]
    long_queue = waits.loc[(waits["kind"] == "ltc") & (waits["wait_days"] > 30), "appointments"].sum()
    assert long_queue > 0 and nurse["minutes_ltc"] > 0.3 * nurse["minutes_available"]  # the nurses' queue never empties ...
    assert nurse.get("same_day_unmet", 0.0) < 0.01 * nurse["appointments_other"]  # ... yet same-day demand is met first


# --------------------------------------------------------------- browser
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium: install it to run this test ('sudo apt-get install chromium' on Debian/Ubuntu; 'make browser' does it as root or with passwordless sudo)"
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


FIRST_SCREEN = """<script>addEventListener('load', () => {
  const box = (el) => el ? el.getBoundingClientRect().toJSON() : null;
  const img = document.querySelector('#answer img');
  const found = {text: box(document.querySelector('#answer .answer-text')), figure: box(img),
    loaded: img ? img.naturalWidth : 0, answer: document.querySelector('#answer').innerText,
    words: (document.querySelector('header').innerText + ' ' + document.querySelector('#answer').innerText).split(/\\s+/).filter(Boolean).length};
  const out = document.createElement('pre'); out.id = 'first-screen'; out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
});</script>"""


@needs_chromium
def test_first_screen_holds_the_answer_and_its_figure(folder: Path, tmp_path: Path) -> None:
    """At 1400 x 900 the answer's words and its figure are on screen without scrolling."""
    page = tmp_path / "report.html"
    page.write_text((folder / "report.html").read_text(encoding="utf-8").replace("</body>", FIRST_SCREEN + "</body>"), encoding="utf-8")
    dom = chromium(tmp_path, "--window-size=1400,900", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()).stdout
    found = json.loads(re.search(r"<pre id=\"first-screen\">(.*?)</pre>", dom, re.S).group(1))
    text, figure = found["text"], found["figure"]
    assert 0 <= text["top"] and text["bottom"] <= 900, text
    assert 0 <= figure["top"] and figure["bottom"] <= 900 and figure["right"] <= 1400, figure
    assert figure["width"] >= 400 and found["loaded"] > 0  # a real, decoded figure, not a thumbnail
    for label in ("Under Somerset-style opt-out", "After QOF is withdrawn with nothing in its place"):
        assert label in found["answer"]
    assert found["answer"].count("Monitoring gaps:") == 2 and "Caveat." in found["answer"]
    assert found["words"] <= OPENING_WORDS
