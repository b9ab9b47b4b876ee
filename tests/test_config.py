"""Scenario files: shipped scenarios load; bad ones are rejected, before any simulation,
with the file, the field path and the problem; every parameter carries provenance."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

import sim.experiment.runner
from conftest import BASE, QOF, SCENARIOS
from sim.cli import main
from sim.config import LoadedScenario, ScenarioError, load_scenario
from sim.config.loader import _FastStrictLoader, _StrictLoader, read_tree, split_provenance

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def reject(path: Path, overrides: dict[str, Any] | None = None) -> ScenarioError:
    """Load ``path`` expecting a ScenarioError, and check it names the file."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    exc = info.value
    assert str(exc).startswith(exc.origin or str(exc.file)), str(exc)
    assert str(exc.file) in str(exc)
    assert f"{exc.field}: {exc.problem}" in str(exc)
    return exc


# --------------------------------------------------------------- shipped files
def test_scenarios_are_shipped():
    """The repository ships the base, QOF and opt-out scenarios."""
    names = {p.stem for p in SHIPPED}
    assert {"base", "qof_practice", "optout_practice", "qof_county", "optout_county"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_loads(path: Path):
    """Every scenarios/*.yaml validates and builds its regime's policy."""
    loaded = load_scenario(path)
    assert isinstance(loaded, LoadedScenario)
    assert loaded.scenario.name == path.stem
    assert loaded.make_policy().name == loaded.scenario.regime.policy



@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_libyaml_and_pure_python_parsers_read_each_file_alike(path: Path):
    """Files are parsed by libyaml for speed; the pure-Python parser (used for error messages) reads them the same."""
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml: every file is read by the pure-Python parser (slower, the same)")
    assert issubclass(_FastStrictLoader, yaml.CSafeLoader)
    text = path.read_text()
    assert yaml.load(text, Loader=_FastStrictLoader) == yaml.load(text, Loader=_StrictLoader)


def test_county_scenarios_differ_only_in_regime():
    """The county pair shares seed, size and years, so their comparison uses common random numbers."""
    qof, opt = load_scenario(SCENARIOS / "qof_county.yaml"), load_scenario(SCENARIOS / "optout_county.yaml")
    assert qof.scenario.seed == opt.scenario.seed
    assert qof.scenario.years == opt.scenario.years
    assert qof.scenario.practices == opt.scenario.practices
    assert qof.scenario.population == opt.scenario.population
    assert (qof.scenario.regime.policy, opt.scenario.regime.policy) == ("qof", "careplan")


# ------------------------------------------------------------------ provenance
def _leaves(node: Any, path: str = ""):
    """Dotted paths (``[i]`` for list items) of every leaf of a dumped model; empty containers are leaves."""
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list) and node:
        for i, value in enumerate(node):
            yield from _leaves(value, f"{path}[{i}]")
    else:
        yield path


def _ancestors(path: str):
    """``path`` and each enclosing path: a.b[0].c -> a.b[0].c, a.b[0], a.b, a."""
    while path:
        yield path
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""


def _uncovered(leaves, provenance) -> list[str]:
    return [
        leaf
        for leaf in leaves
        if leaf not in ("name", "description") and not any(a in provenance for a in _ancestors(leaf))
    ]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_written_parameter_has_provenance(path: Path):
    """Each leaf written in the scenario files (bar name/description) has a source or assumption on it or an ancestor."""
    plain, provenance = split_provenance(read_tree(path))
    leaves = list(_leaves(plain))
    assert len(leaves) > 100  # the walk reaches inside conditions, indicators, clinical and regime params
    assert _uncovered(leaves, provenance) == []
    for meta in provenance.values():
        assert meta.get("source") or meta.get("assumption")


@pytest.mark.parametrize("path", [BASE], ids=["base"])
def test_every_parameter_has_provenance(path: Path):
    """Every leaf of the validated scenario (bar name/description), defaults included, has provenance."""
    loaded = load_scenario(path)
    leaves = list(_leaves(loaded.scenario.model_dump(mode="json")))
    assert _uncovered(leaves, loaded.provenance) == []


def test_provenance_mapping_without_source_or_assumption_is_rejected(yaml_file):
    """A ``{value: ...}`` without source/assumption is an error naming the field."""
    path = yaml_file("extends: {base}\nyears: {value: 3, unit: years}\n")
    exc = reject(path)
    assert exc.field == "years"
    assert "source" in exc.problem and "assumption" in exc.problem


def test_plain_value_in_a_variant_keeps_base_provenance_path():
    """An override keeps the field's provenance entry (the report still cites it)."""
    loaded = load_scenario(QOF, {"years": 3})
    assert loaded.scenario.years == 3
    assert "years" in loaded.provenance


# ---------------------------------------------------------------- bad files
def test_wrong_type_is_rejected(yaml_file):
    """``years: "ten"`` is rejected at field ``years`` and the message quotes the bad value."""
    exc = reject(yaml_file('extends: {base}\nyears: "ten"\n'))
    assert exc.field == "years"
    assert "'ten'" in exc.problem


def test_wrong_type_in_override_is_rejected():
    """Overrides are validated like file values, and the error names the override, not the file."""
    exc = reject(QOF, {"years": "ten"})
    assert exc.field == "years"
    assert exc.file.name == "qof_practice.yaml"
    assert str(exc).startswith("--set years=ten (scenario ")


def test_negative_prevalence_is_rejected(yaml_file):
    """A negative prevalence names ``population.conditions.diabetes.prevalence``."""
    path = yaml_file("extends: {base}\npopulation:\n  conditions:\n    diabetes:\n      prevalence: -0.05\n")
    exc = reject(path)
    assert exc.field == "population.conditions.diabetes.prevalence"
    assert "-0.05" in exc.problem


def test_negative_fte_is_rejected(yaml_file):
    """A negative staffing level names ``staffing.fte_per_1000.nurse``."""
    exc = reject(yaml_file("extends: {base}\nstaffing:\n  fte_per_1000:\n    nurse: -0.1\n"))
    assert exc.field == "staffing.fte_per_1000.nurse"
    assert "greater than or equal to 0" in exc.problem


def test_list_items_are_named_by_index(yaml_file):
    """An error inside a list names the item as ``[i]``."""
    text = """extends: {base}
indicators:
  - {id: X, condition: diabetes, item: lab, window_months: 15, lower: 90, upper: 50, points: 1}
"""
    exc = reject(yaml_file(text))
    assert exc.field == "indicators[0]"
    assert "below lower" in exc.problem


def test_misspelt_top_level_key_suggests_the_right_name(yaml_file):
    """``populaton:`` is an unknown field and the message suggests ``population``."""
    exc = reject(yaml_file("extends: {base}\npopulaton:\n  male_share: 0.5\n"))
    assert exc.field == "populaton"
    assert "unknown field" in exc.problem
    assert "'population'" in exc.problem


def test_misspelt_regime_param_suggests_the_right_name(yaml_file):
    """``regime.params.leters_max`` is rejected with a suggestion of ``letters_max``."""
    exc = reject(yaml_file("extends: {base}\nregime:\n  params:\n    leters_max: 2\n"))
    assert exc.field == "regime.params.leters_max"
    assert "'letters_max'" in exc.problem


def test_misspelt_condition_key_is_rejected(yaml_file):
    """``prevalance`` inside a condition is an unknown field at its full path."""
    path = yaml_file("extends: {base}\npopulation:\n  conditions:\n    diabetes:\n      prevalance: 0.05\n")
    exc = reject(path)
    assert exc.field == "population.conditions.diabetes.prevalance"
    assert "unknown field" in exc.problem


def test_misspelt_condition_key_suggests_the_right_name(yaml_file):
    """``prevalance`` inside a condition suggests ``prevalence``."""
    path = yaml_file("extends: {base}\npopulation:\n  conditions:\n    diabetes:\n      prevalance: 0.05\n")
    exc = reject(path)
    assert "'prevalence'" in exc.problem


def test_invalid_regime_param_is_rejected(yaml_file):
    """``regime.params.letters_max: 0`` names that field."""
    exc = reject(yaml_file("extends: {base}\nregime:\n  params:\n    letters_max: 0\n"))
    assert exc.field == "regime.params.letters_max"
    assert "greater than or equal to 1" in exc.problem


def test_several_problems_are_all_reported():
    """Every problem in a file is listed, not only the first."""
    exc = reject(QOF, {"years": 0, "seed": -1})
    assert {exc.field} | {line.split(":")[0].strip().removeprefix("also ") for line in exc.problem.splitlines()[1:]} == {
        "years",
        "seed",
    }


def test_every_reported_regime_problem_has_its_full_path():
    """With several bad regime parameters, each reported path starts with ``regime.params.``."""
    exc = reject(QOF, {"regime.params.letters_max": 0, "regime.params.chase_after_days": 0})
    assert exc.field == "regime.params.letters_max"
    assert "also regime.params.chase_after_days:" in exc.problem


def test_invalid_nested_careplan_param_is_rejected():
    """A bad nested care-planning parameter is named by its full path under regime.params."""
    exc = reject(SCENARIOS / "optout_practice.yaml", {"regime.params.high_need.min_frailty": "very"})
    assert exc.field == "regime.params.high_need.min_frailty"


def test_unknown_role_in_regime_params_is_rejected():
    """A care-planning tier given to a role nobody employs is rejected at load."""
    exc = reject(SCENARIOS / "optout_practice.yaml", {"regime.params.role": {"low": "physio", "medium": "nurse", "high": "gp"}})
    assert exc.field.startswith("regime.params")
    assert "physio" in exc.problem


@pytest.mark.parametrize(
    "path, minutes",
    [(QOF, {"nurse": 20, "gp": 15}), (SCENARIOS / "optout_practice.yaml", {"hca": 20, "nurse": 30, "gp": 20})],
    ids=["qof-no-hca", "careplan-no-specialist-nurse"],
)
def test_review_minutes_missing_a_used_role_is_rejected_at_load(path: Path, minutes: dict[str, float]):
    """review_minutes must give every role the regime books reviews with, checked before simulating."""
    exc = reject(path, {"regime.params.review_minutes": minutes, "years": 1, "practices.list_size_mean": 500})
    assert exc.field.startswith("regime.params")


def test_unknown_policy_is_rejected(yaml_file):
    """An unregistered policy name is rejected at ``regime.policy`` listing the registered ones."""
    exc = reject(yaml_file("extends: {base}\nregime:\n  policy: qoff\n"))
    assert exc.field == "regime.policy"
    assert "qoff" in exc.problem and "careplan" in exc.problem


def test_unimportable_policy_path_is_rejected(yaml_file):
    """A ``module:Class`` policy that cannot be imported is rejected at ``regime.policy``."""
    exc = reject(yaml_file("extends: {base}\nregime:\n  policy: no_such_module:Policy\n"))
    assert exc.field == "regime.policy"


def test_switching_policy_starts_params_afresh(yaml_file):
    """A file that changes regime.policy does not inherit the parent's regime params."""
    path = yaml_file("extends: {base}\nregime:\n  policy: careplan\n  params:\n    letters_max: 2\n")
    exc = reject(path)
    # careplan params are required afresh: QOF's recall_interval_months etc. are not inherited
    assert exc.field.startswith("regime.params")
    assert "recall_interval_months" not in str(exc)


def test_circular_extends_is_rejected(tmp_path: Path):
    """a.yaml -> b.yaml -> a.yaml is reported at ``extends`` with the chain."""
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    exc = reject(tmp_path / "a.yaml")
    assert exc.field == "extends"
    assert "circular" in exc.problem
    assert "a.yaml" in exc.problem and "b.yaml" in exc.problem


def test_missing_file_is_rejected(tmp_path: Path):
    """A missing scenario file is a ScenarioError naming the file."""
    exc = reject(tmp_path / "nope.yaml")
    assert exc.file.name == "nope.yaml"
    assert "not found" in exc.problem


def test_missing_parent_is_rejected(yaml_file):
    """``extends`` of a missing file is reported against the file that refers to it, naming the missing one."""
    exc = reject(yaml_file("extends: gone.yaml\nname: x\n", name="variant.yaml"))
    assert exc.file.name == "variant.yaml"
    assert exc.field == "extends"
    assert "'gone.yaml' does not exist" in exc.problem


def test_invalid_yaml_is_rejected(yaml_file):
    """Unparseable YAML is a ScenarioError, not a YAML traceback."""
    exc = reject(yaml_file("extends: {base}\nyears: [1, 2\n"))
    assert "YAML" in exc.problem


def test_error_names_the_child_file_for_its_own_bad_value(yaml_file):
    """A bad value in a variant is reported against the variant file, not base.yaml."""
    path = yaml_file("extends: {base}\nyears: 0\n", name="variant.yaml")
    exc = reject(path)
    assert exc.file.name == "variant.yaml"
    assert exc.field == "years"


def test_shares_must_sum_to_one(yaml_file):
    """Frailty shares that do not sum to 1 are rejected at ``population.frailty``."""
    text = "extends: {base}\npopulation:\n  frailty:\n    shares: {fit: 0.5, mild: 0.3, moderate: 0.1, severe: 0.0}\n"
    exc = reject(yaml_file(text))
    assert exc.field == "population.frailty"
    assert "sum to 1" in exc.problem


def test_override_inside_a_provenance_mapping():
    """A dotted override can set one entry of a mapping written with provenance."""
    loaded = load_scenario(QOF, {"regime.params.recording.advice": 0.5})
    assert loaded.policy_params.recording["advice"] == 0.5
    assert loaded.policy_params.recording["lab"] == 0.99
    assert "regime.params.recording" in loaded.provenance


def test_override_of_a_leaf_with_its_own_provenance():
    """Overriding a value written as its own provenance mapping keeps its provenance entry."""
    loaded = load_scenario(QOF, {"regime.params.review_minutes.nurse": 25})
    assert loaded.policy_params.review_minutes["nurse"] == 25
    assert loaded.policy_params.review_minutes["hca"] == 15
    assert "regime.params.review_minutes.nurse" in loaded.provenance


# ------------------------------------------------------------------------ CLI
def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def test_cli_check_accepts_shipped_scenarios(capsys):
    """``qofsim check scenarios/*.yaml`` exits 0 and reports each file ok."""
    assert main(["check", *map(str, SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert out.count("ok ") == len(SHIPPED)


def test_cli_check_bad_file_exits_2_and_writes_nothing(tmp_path: Path, capsys, monkeypatch):
    """``qofsim check`` on a bad file exits 2, prints file and field on stderr, and writes no file."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASE}\nstaffing:\n  fte_per_1000:\n    gp: -1\n")
    monkeypatch.chdir(tmp_path)
    before = _files_under(tmp_path)
    assert main(["check", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ")
    assert "bad.yaml" in captured.err and "staffing.fte_per_1000.gp" in captured.err
    assert captured.out == ""
    assert _files_under(tmp_path) == before


def test_cli_run_rejects_bad_file_before_simulating(tmp_path: Path, capsys, monkeypatch):
    """``qofsim run`` on a bad file exits 2 without simulating or creating the results folder."""

    def no_simulation(*args: Any, **kwargs: Any):
        raise AssertionError("simulation started for an invalid scenario")

    monkeypatch.setattr(sim.experiment.runner, "run_scenario", no_simulation)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASE}\nregime:\n  params:\n    letters_max: 0\n")
    out = tmp_path / "results"
    assert main(["run", str(bad), "--out", str(out), "-q"]) == 2
    assert "regime.params.letters_max" in capsys.readouterr().err
    assert not out.exists()


def test_cli_set_override_is_validated(tmp_path: Path, capsys):
    """``--set years=ten`` is rejected like a file value, before anything runs or is written."""
    out = tmp_path / "results"
    assert main(["run", str(QOF), "--set", "years=ten", "--out", str(out), "-q"]) == 2
    assert "years" in capsys.readouterr().err
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_scheme_regime_comes_from_the_file_next_to_the_declaring_scenario(tmp_path: Path):
    """``scheme.regime_from`` is relative to the file that names it, not to a file extending it."""
    child = tmp_path / "elsewhere.yaml"
    child.write_text(f"extends: {SCENARIOS / 'somerset_county.yaml'}\nname: elsewhere\n")
    county = load_scenario(SCENARIOS / "somerset_county.yaml")
    moved = load_scenario(child)
    assert moved.scenario.scheme is not None
    assert moved.scheme_params == county.scheme_params
    assert moved.scenario.federation == county.scenario.federation
