"""Scenario files: load, validate, and keep each value's provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config.errors import ScenarioError
from sim.config.loader import read_tree, split_provenance, validate
from sim.config.schema import Scenario


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the regime's typed parameters and every value's provenance."""

    scenario: Scenario
    policy_params: Any
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.scenario.name

    def make_policy(self) -> Any:
        from sim.policies import resolve

        return resolve(self.scenario.regime.policy)(self.policy_params, self.scenario)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Read, merge (``extends``), validate and check a scenario file.

    ``overrides`` maps dotted field paths to values (e.g. ``{"seed": 7}``) and is
    applied before validation, so an override is checked like a file value.
    Raises :class:`ScenarioError` naming the file, the field path and the problem.
    """
    path = Path(path)
    tree = read_tree(path)
    for dotted, value in (overrides or {}).items():
        _set_path(tree, dotted, value)
    try:
        plain, provenance = split_provenance(tree)
    except ValueError as exc:
        field_path, _, problem = str(exc).partition(": ")
        raise ScenarioError(path, field_path, problem) from None
    return from_tree(plain, provenance, path)


def from_tree(plain: dict[str, Any], provenance: dict[str, dict[str, Any]], path: Path) -> LoadedScenario:
    """Validate an already-merged plain tree (used by sweeps that edit parameters)."""
    from sim.policies import resolve

    scenario = validate(Scenario, plain, path)
    assert isinstance(scenario, Scenario)
    try:
        cls = resolve(scenario.regime.policy)
    except ValueError as exc:
        raise ScenarioError(path, "regime.policy", str(exc)) from None
    params = validate(cls.Params, scenario.regime.params, path, prefix="regime.params")
    loaded = LoadedScenario(scenario, params, provenance, path)
    try:
        loaded.make_policy()
    except ValueError as exc:
        raise ScenarioError(path, "regime.params", str(exc)) from None
    return loaded


def _set_path(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
    old = node.get(last)
    if isinstance(old, dict) and "value" in old:
        node[last] = {**old, "value": value}
    else:
        node[last] = value


__all__ = ["LoadedScenario", "Scenario", "ScenarioError", "load_scenario", "from_tree"]
