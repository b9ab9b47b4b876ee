"""No crash a researcher can trigger: every bad scenario, override or option gives a clear
error naming the file, the field and what to do, exits 2, prints no traceback and writes nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import QOF, SCENARIOS
from sim.cli import main
from sim.config import ScenarioError, load_scenario
from sim.experiment.preflight import preflight

SOMERSET = SCENARIOS / "somerset_county.yaml"

TINY = "years: 1\npractices: {list_size_mean: 600}\n"
"""A scenario small enough that a run which wrongly starts ends in seconds."""


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    written: set[Path]


def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Outcome:
    """Run ``qofsim args`` in ``tmp_path`` (results to ``tmp_path/results``); note what it wrote."""
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    try:
        code = main([*args])
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, set(tmp_path.rglob("*")) - before)


def scenario(tmp_path: Path, text: str, name: str = "mine.yaml", data: bytes | None = None) -> Path:
    path = tmp_path / name
    path.write_bytes(data if data is not None else f"extends: {QOF}\nname: {path.stem}\n{TINY}{text}".encode())
    return path


def rejected(outcome: Outcome, *fragments: str) -> str:
    """Exit 2, an ``error:`` line with every fragment, no traceback, nothing written."""
    assert outcome.code == 2, outcome.err
    assert outcome.err.startswith("error: ") or "usage:" in outcome.err, outcome.err
    assert "Traceback" not in outcome.err + outcome.out
    assert outcome.written == set(), outcome.written
    for fragment in fragments:
        assert fragment in outcome.err, (fragment, outcome.err)
    return outcome.err


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """``run("check", path)`` -> Outcome; ``run`` and ``compare`` write under ``tmp_path/results``."""

    def call(*args: str) -> Outcome:
        extra = ["-o", str(tmp_path / "results"), "-q", "-w", "1"] if args[0] in ("run", "compare") else []
        return cli(tmp_path, capsys, monkeypatch, *args, *extra)

    return call


# ------------------------------------------------------------------ the file
def test_file_that_is_not_utf8(tmp_path: Path, run):
    """Latin-1 text: the file, the byte's line and column, and to save it as UTF-8."""
    path = scenario(tmp_path, "", data=f"extends: {QOF}\nname: latin\ndescription: caf\xe9\n".encode("latin-1"))
    for command in ("check", "run"):
        rejected(run(command, str(path)), str(path), "not UTF-8", "line 3, column 17", "save the file with UTF-8")


def test_utf16_file_is_named_as_such(tmp_path: Path, run):
    path = scenario(tmp_path, "", data="name: x\n".encode("utf-16"))
    rejected(run("check", str(path)), "not UTF-8 text (it looks like UTF-16)")


def test_duplicate_key_names_the_field_and_both_lines(tmp_path: Path, run):
    """Today the last of two keys silently wins; now it is an error."""
    path = scenario(tmp_path, "seed: 1\nseed: 2\n")
    rejected(run("check", str(path)), f"{path}: seed: appears twice in the same mapping (lines 5 and 6)", "delete one")


def test_nested_duplicate_key_names_its_full_path(tmp_path: Path):
    path = scenario(tmp_path, "population:\n  conditions:\n    diabetes: {prevalence: 0.05, prevalence: 0.06}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "population.conditions.diabetes.prevalence"


def test_merge_keys_are_not_duplicates(tmp_path: Path):
    """YAML's ``<<: *anchor`` may be overridden key by key: that is not a duplicate."""
    path = tmp_path / "merge.yaml"
    path.write_text(
        f"extends: {QOF}\nname: merge\nstaffing:\n  fte_per_1000: &staff {{gp: 0.5, nurse: 0.3, hca: 0.2}}\n"
        "  minutes_per_fte_day: {<<: *staff, gp: 170, nurse: 290, hca: 110}\n"
    )
    loaded = load_scenario(path)
    assert loaded.scenario.staffing.minutes_per_fte_day["gp"] == 170


def test_alias_bomb_is_refused_quickly(tmp_path: Path, run):
    """Nine levels of ten aliases would be a billion values: refused before anything is built."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = scenario(tmp_path, "", data=("\n".join(lines) + "\nname: *l9\n").encode())
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert time.perf_counter() - start < 1.0
    assert "aliases (*name) expand to more than" in info.value.problem
    rejected(run("check", str(path)), "write the values out")


def test_alias_that_contains_itself_is_refused(tmp_path: Path, run):
    path = scenario(tmp_path, "", data=b"name: loop\nx: &x [1, *x]\n")
    rejected(run("check", str(path)), "x[1]: an alias refers to the value that contains it")


def test_missing_extends_target_names_the_file_that_refers_to_it(tmp_path: Path, run):
    path = scenario(tmp_path, "", data=b"extends: gone.yaml\nname: orphan\n")
    err = rejected(run("check", str(path)), f"{path}: extends: 'gone.yaml' does not exist")
    assert str(tmp_path / "gone.yaml") in err


def test_folder_given_as_scenario(tmp_path: Path, run):
    rejected(run("check", str(tmp_path)), "is a folder; give a scenario .yaml file")


# -------------------------------------------------- would fail at run time
def test_all_staff_at_zero_fte(tmp_path: Path, run):
    """Today ``check`` says ok and ``run`` dies with KeyError 'kind', leaving a cache folder."""
    path = scenario(tmp_path, "staffing:\n  fte_per_1000: {gp: 0, nurse: 0, hca: 0}\n")
    for command in ("check", "run"):
        rejected(run(command, str(path)), f"{path}: staffing: no appointment fits in any clinician's day", "give at least one role FTE")
    assert not (tmp_path / "results").exists()


def test_too_little_staff_for_one_appointment(tmp_path: Path, run):
    """A sliver of a GP (0.085 minutes a day) can see nobody either: the same error, not a crash."""
    path = scenario(tmp_path, "staffing:\n  fte_per_1000: {gp: 0.001, nurse: 0, hca: 0}\n")
    rejected(run("run", str(path)), "no appointment fits")


@pytest.mark.parametrize("role", ["gp", "nurse", "hca"])
def test_staffing_table_missing_a_role(tmp_path: Path, role: str):
    """Today a role left out of staffing.fte_per_1000 validates and dies with KeyError at run time."""
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {QOF}\nname: s\n")
    loaded = load_scenario(path, {"staffing.fte_per_1000": {r: 0.3 for r in ("gp", "nurse", "hca") if r != role}})
    with pytest.raises(ScenarioError) as info:
        preflight(loaded)
    assert info.value.field == f"staffing.fte_per_1000.{role}"
    assert "missing; give every practice role" in info.value.problem


def test_prevalences_that_cannot_be_reached(tmp_path: Path, run):
    """Today ``check`` says ok and ``run`` dies inside SciPy's root finder."""
    text = "population:\n  conditions:\n    hypertension: {prevalence: 0.95}\n    ckd: {prevalence: 0.95}\n"
    path = scenario(tmp_path, text)
    for command in ("check", "run"):
        err = rejected(run(command, str(path)), f"{path}: population.conditions.hypertension.prevalence: 0.95 cannot be reached")
        assert "also population.conditions.ckd.prevalence" in err
        assert "lower the prevalence or min_age" in err


def test_prevalence_out_of_reach_only_in_a_deprived_quintile(tmp_path: Path, run):
    """Deprivation raises prevalence practice by practice: the check covers every quintile in use."""
    path = tmp_path / "deprived.yaml"
    path.write_text(
        f"extends: {SOMERSET}\nname: deprived\n"
        "population: {conditions: {hypertension: {prevalence: 0.74}}}\n"
        "deprivation: {prevalence_ratio: {hypertension: 1.5}}\n"
    )
    rejected(
        run("check", str(path)),
        "population.conditions.hypertension.prevalence: 0.74 (in deprivation quintile 4 it becomes 0.819) cannot be reached",
        "or deprivation.prevalence_ratio.hypertension",
    )


def test_missing_scheme_regime_file_names_the_file_that_refers_to_it(tmp_path: Path, run):
    path = tmp_path / "scheme.yaml"
    path.write_text(f"extends: {SOMERSET}\nname: scheme\nscheme: {{regime_from: nowhere.yaml}}\n")
    rejected(run("check", str(path)), f"{path}: scheme.regime_from: 'nowhere.yaml' does not exist")


def test_age_slope_too_steep_for_the_prevalence(tmp_path: Path, run):
    path = scenario(tmp_path, "population:\n  conditions:\n    af: {age_slope: 100}\n")
    rejected(run("check", str(path)), "population.conditions.af.age_slope: 100 per decade is too steep")


def test_appointment_longer_than_a_working_day(tmp_path: Path, run):
    """Today the engine raises RuntimeError mid-run; now check names the field."""
    path = scenario(tmp_path, "demand:\n  minutes: {gp: 400}\n")
    rejected(run("check", str(path)), "demand.minutes.gp: a consultation takes 400 min, longer than one gp's working day (185 min")


def test_compare_of_two_scenarios_with_one_name(tmp_path: Path, run):
    a = scenario(tmp_path, "", name="a.yaml")
    b = tmp_path / "b.yaml"
    b.write_text(a.read_text())
    rejected(run("compare", str(a), str(b)), f"{b}: name: 'a' is also the name of {a}")


def test_results_folder_under_a_file(tmp_path: Path, capsys, monkeypatch):
    path = scenario(tmp_path, "")
    (tmp_path / "taken").write_text("")
    outcome = cli(tmp_path, capsys, monkeypatch, "run", str(path), "-o", str(tmp_path / "taken"), "-q")
    rejected(outcome, "is a file", "choose another -o")


# ------------------------------------------------------------------ overrides
def test_set_error_is_reported_as_the_override(tmp_path: Path, run):
    """Today ``--set years=ten`` is reported against the file, as if the file were wrong."""
    path = scenario(tmp_path, "")
    err = rejected(run("run", str(path), "--set", "years=ten"), f"error: --set years=ten (scenario {path}): years:", "(got 'ten')")
    assert not err.startswith(f"error: {path}")


def test_set_error_found_by_preflight_is_the_override(tmp_path: Path, run):
    path = scenario(tmp_path, "")
    rejected(
        run("check", str(path), "--set", "population.conditions.smi.prevalence=0.9"),
        "error: --set population.conditions.smi.prevalence=0.9 (scenario", "0.9 cannot be reached",
    )


def test_set_through_a_single_value(tmp_path: Path, run):
    """``--set years.x=1``: today an AttributeError traceback or a misleading type error."""
    path = scenario(tmp_path, "")
    rejected(run("run", str(path), "--set", "years.x=1"), "--set years.x=1 (scenario", "years: is a single value (1), not a group of fields")


@pytest.mark.parametrize(
    "item, message",
    [("years=[1", "the value is not valid YAML at line 1, column 3"), ("=3", "expected FIELD=VALUE"), ("years", "expected FIELD=VALUE")],
)
def test_malformed_set(tmp_path: Path, run, item: str, message: str):
    path = scenario(tmp_path, "")
    rejected(run("run", str(path), "--set", item), f"error: --set {item}: {message}")


def test_file_error_is_still_the_file_with_overrides(tmp_path: Path, run):
    """A bad file value is the file's fault even when unrelated overrides are given."""
    path = scenario(tmp_path, "seed: -1\n")
    rejected(run("check", str(path), "--set", "years=2"), f"error: {path}: seed:")


def test_set_reaches_list_items():
    """``[i]`` steps into a list, as the parameter registry names list items (sweeps set them)."""
    loaded = load_scenario(QOF, {"indicators[0].points": 7, "population.age_bands[0].share": 0.12, "population.age_bands[1].share": 0.12})
    assert loaded.scenario.indicators[0].points == 7
    assert [b.share for b in loaded.scenario.population.age_bands[:2]] == [0.12, 0.12]


@pytest.mark.parametrize(
    "item, message",
    [
        ("indicators[999].lower=1", "indicators: has "),
        ("years[0]=1", "years: is a single value (1), not a list"),
        ("indicators.lower=1", "indicators: is a list, not a group of fields"),
        ("population..male_share=1", "is not a field path"),
    ],
)
def test_set_with_a_bad_list_step(tmp_path: Path, run, item: str, message: str):
    path = scenario(tmp_path, "")
    rejected(run("check", str(path), "--set", item), f"error: --set {item} (scenario", message)


def test_errors_cross_process_boundaries_intact():
    """A worker's ScenarioError (e.g. a bad sweep sample) reaches the parent whole, not as BrokenProcessPool."""
    import pickle

    error = ScenarioError(QOF, "years", "too long", origin="--set years=99")
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.field, again.origin) == (str(error), "years", "--set years=99")


# ------------------------------------------------------------------ many files
def test_check_reports_every_bad_file(tmp_path: Path, run):
    """Today ``check a b c`` stops at the first bad file."""
    good = scenario(tmp_path, "", name="good.yaml")
    dup = scenario(tmp_path, "seed: 1\nseed: 2\n", name="dup.yaml")
    staff = scenario(tmp_path, "staffing:\n  fte_per_1000: {gp: 0, nurse: 0, hca: 0}\n", name="nostaff.yaml")
    latin = scenario(tmp_path, "", name="latin.yaml", data=b"name: caf\xe9\n")
    outcome = run("check", str(dup), str(good), str(staff), str(latin))
    assert outcome.code == 2
    errors = outcome.err.splitlines()
    assert [line.split(": ")[1] for line in errors] == [str(dup), str(staff), str(latin)]
    assert outcome.out == f"ok  {good}: good (qof, 1 practice(s), 1 years)\n"


def test_run_of_several_files_reports_every_bad_one(tmp_path: Path, run):
    dup = scenario(tmp_path, "seed: 1\nseed: 2\n", name="dup.yaml")
    staff = scenario(tmp_path, "staffing:\n  fte_per_1000: {gp: 0, nurse: 0, hca: 0}\n", name="nostaff.yaml")
    err = rejected(run("compare", str(dup), str(staff)))
    assert len(err.splitlines()) == 2


def test_no_traceback_from_the_real_command(tmp_path: Path):
    """The installed command, as a researcher runs it: one line on stderr, exit 2."""
    path = scenario(tmp_path, "", data=b"name: caf\xe9\n")
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(path), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {path}: not UTF-8 text") and "Traceback" not in done.stderr
    assert sorted(tmp_path.iterdir()) == [path]



def test_sweep_with_too_short_a_warmup_is_refused_and_names_the_option_that_fixes_it(tmp_path, capsys, monkeypatch):
    """A sweep compares scenarios, so it takes --warmup-years like compare, and refuses one too short before any run."""
    optout = SCENARIOS / "optout_practice.yaml"
    outcome = cli(tmp_path, capsys, monkeypatch, "sweep", str(QOF), str(optout), "--psa", "2", "--warmup-years", "1", "-q")
    rejected(outcome, "optout_practice.yaml: measures.warmup_years", "36 months", "--warmup-years 3")
