"""Shared helpers: paths, small scenarios, cached small runs.

Every run in the suite is a shrunken copy of a shipped scenario (a couple of
thousand patients, a few years), so the whole suite stays fast. Runs used by
several tests are cached for the session; tests must not mutate their tables.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from sim.config import LoadedScenario, load_scenario
from sim.model.county import federation_plan
from sim.experiment.runner import RunResult, SimulatedFederation, run_scenario, simulate_federation

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "base.yaml"
QOF = SCENARIOS / "qof_practice.yaml"
OPTOUT = SCENARIOS / "optout_practice.yaml"
DATA = Path(__file__).resolve().parent / "data"

SMALL: dict[str, Any] = {"years": 2, "practices.list_size_mean": 2000, "measures.warmup_years": 0}
"""Overrides that shrink a one-practice scenario to a couple of seconds or less (no warm-up:
tests of mechanics need no settled cycle; comparisons written by ``compare`` refuse it)."""


def small(path: Path, **overrides: Any) -> LoadedScenario:
    """Load ``path`` shrunk by :data:`SMALL`, plus dotted ``overrides`` (``a__b`` means ``a.b``)."""
    merged = {**SMALL, **{k.replace("__", "."): v for k, v in overrides.items()}}
    return load_scenario(path, merged)


def _key(overrides: dict[str, Any]) -> str:
    """A hashable cache key for overrides (values may be mappings or lists)."""
    return json.dumps(overrides, sort_keys=True)


@lru_cache(maxsize=None)
def _cached_run(path: str, key: str) -> RunResult:
    return run_scenario(load_scenario(path, json.loads(key)), workers=1, progress=False)


def cached_run(path: Path, overrides: dict[str, Any]) -> RunResult:
    """A serial run of ``path`` with ``overrides``, shared by every test that asks for the same one."""
    return _cached_run(str(path), _key(overrides))


@lru_cache(maxsize=None)
def _cached_federation(path: str, key: str) -> SimulatedFederation:
    loaded = load_scenario(path, json.loads(key))
    assert len(federation_plan(loaded)) == 1, "cached_federation is for one-federation scenarios"
    return simulate_federation(loaded, 0, 0)


def cached_federation(path: Path, overrides: dict[str, Any]) -> SimulatedFederation:
    """A run one-federation scenario with its live practices (populations, care records, books)."""
    return _cached_federation(str(path), _key(overrides))


def write_yaml(folder: Path, name: str, text: str) -> Path:
    """Write a scenario file; ``{base}`` in ``text`` becomes the absolute path of scenarios/base.yaml."""
    path = folder / name
    path.write_text(text.replace("{base}", str(BASE)).replace("{scenarios}", str(SCENARIOS)))
    return path


@pytest.fixture
def yaml_file(tmp_path: Path):
    """Factory: ``yaml_file(text, name="s.yaml")`` writes a scenario in a temporary folder."""

    def make(text: str, name: str = "scenario.yaml") -> Path:
        return write_yaml(tmp_path, name, text)

    return make
