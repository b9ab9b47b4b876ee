"""Scenario files: load, validate, and keep each value's provenance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.config.errors import ScenarioError
from sim.config.evaluation_checks import evaluation_problems
from sim.config.loader import apply_overrides, blame_overrides, read_tree, split_provenance, validate
from sim.config.regimes import regime_class
from sim.config.schema import Scenario


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the regime's typed parameters and every value's provenance."""

    scenario: Scenario
    policy_params: Any
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    """Dotted-path overrides applied on top of the file (``--set``)."""
    scheme_params: Any = None
    """The scheme regime's typed parameters, when some practices join a scheme."""

    @property
    def name(self) -> str:
        return self.scenario.name

    def make_policy(self, scheme: bool = False, scenario: Scenario | None = None) -> Any:
        """A new policy object: the scenario's own regime, or the scheme's (``scheme=True``).

        ``scenario`` lets a practice pass its own variant (e.g. its deprivation-adjusted population).
        """
        sc = scenario or self.scenario
        if scheme:
            assert sc.scheme is not None, "this scenario has no scheme"
            return regime_class(sc.scheme.regime.policy)(self.scheme_params, sc)
        return regime_class(sc.regime.policy)(self.policy_params, sc)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> LoadedScenario:
    """Read, merge (``extends``), validate and check a scenario file.

    ``overrides`` maps dotted field paths to values (e.g. ``{"seed": 7}``) and is
    applied before validation, so an override is checked like a file value.
    Raises :class:`ScenarioError` naming the file, the field path and the problem,
    and the override (``--set field=value``) when that is what is wrong.
    """
    path = Path(path)
    tree = read_tree(path)
    _scheme_regime_from(tree, path)
    if not overrides:
        return _load_tree(tree, path)
    try:
        loaded = _load_tree(apply_overrides(tree, overrides, path), path)
    except ScenarioError as exc:
        if exc.origin:
            raise
        raise blame_overrides(exc, overrides, _is_valid(tree, path)) from None
    return replace(loaded, overrides=dict(overrides))


def _load_tree(tree: dict[str, Any], path: Path) -> LoadedScenario:
    try:
        plain, provenance = split_provenance(tree)
    except ValueError as exc:
        field_path, _, problem = str(exc).partition(": ")
        raise ScenarioError(path, field_path, problem) from None
    return from_tree(plain, provenance, path)


def _is_valid(tree: dict[str, Any], path: Path) -> bool:
    try:
        _load_tree(tree, path)
    except ScenarioError:
        return False
    return True


def from_tree(plain: dict[str, Any], provenance: dict[str, dict[str, Any]], path: Path) -> LoadedScenario:
    """Validate an already-merged plain tree (used by sweeps that edit parameters)."""
    scenario = validate(Scenario, plain, path)
    assert isinstance(scenario, Scenario)
    problems = evaluation_problems(scenario)
    if problems:
        (field_path, problem), *more = problems
        raise ScenarioError(path, field_path, problem + "".join(f"\n  also {f}: {p}" for f, p in more))
    try:
        cls = regime_class(scenario.regime.policy)
    except ValueError as exc:
        raise ScenarioError(path, "regime.policy", str(exc)) from None
    params = validate(cls.Params, scenario.regime.params, path, prefix="regime.params")
    defaults = {**defaults_provenance(scenario), **defaults_provenance(params, "regime.params")}
    scheme_params = None
    if scenario.scheme is not None:
        try:
            scheme_cls = regime_class(scenario.scheme.regime.policy)
        except ValueError as exc:
            raise ScenarioError(path, "scheme.regime.policy", str(exc)) from None
        scheme_params = validate(scheme_cls.Params, scenario.scheme.regime.params, path, prefix="scheme.regime.params")
        defaults |= defaults_provenance(scheme_params, "scheme.regime.params")
    covered = [p for p in defaults if not _has_ancestor(p, provenance)]
    provenance = {**{p: defaults[p] for p in covered}, **provenance}
    loaded = LoadedScenario(scenario, params, provenance, path, scheme_params=scheme_params)
    for scheme, field_path in ((False, "regime.params"), (True, "scheme.regime.params")):
        if scheme and scheme_params is None:
            continue
        try:
            loaded.make_policy(scheme)
        except ValueError as exc:
            raise ScenarioError(path, field_path, str(exc)) from None
    return loaded


def _scheme_regime_from(tree: dict[str, Any], path: Path) -> None:
    """``scheme.regime_from: other.yaml`` takes the scheme's regime, and its federation
    arrangements (shared staff, shared record), from that scenario file."""
    scheme = tree.get("scheme")
    if not isinstance(scheme, dict) or "regime_from" not in scheme:
        return
    ref = scheme.pop("regime_from")
    ref = ref.get("value") if isinstance(ref, dict) else ref
    if not isinstance(ref, str):
        raise ScenarioError(path, "scheme.regime_from", "must be the name of a scenario file")
    if not (path.parent / ref).is_file():
        raise ScenarioError(path, "scheme.regime_from", f"{ref!r} does not exist (looked for {(path.parent / ref).resolve()})")
    other = read_tree(path.parent / ref)
    if "regime" not in other:
        raise ScenarioError(path, "scheme.regime_from", f"{ref} has no regime")
    scheme["regime"] = other["regime"]
    if "federation" in other:
        tree["federation"] = other["federation"]


def defaults_provenance(model: BaseModel, path: str = "") -> dict[str, dict[str, Any]]:
    """Provenance of values left to the schema's defaults: the reasoning in the field's docstring."""
    table: dict[str, dict[str, Any]] = {}
    for name, info in type(model).model_fields.items():
        child = f"{path}.{name}" if path else name
        value = getattr(model, name)
        if name not in model.model_fields_set:
            why = info.description or "no reason recorded"
            table[child] = {"assumption": f"schema default: {why}"}
        for key, item in _children(value):
            table.update(defaults_provenance(item, f"{child}{key}"))
    return table


def _has_ancestor(path: str, table: dict[str, Any]) -> bool:
    """Whether ``path`` or a parent of it (``a.b`` for ``a.b.c`` or ``a.b[0]``) is in ``table``."""
    while path:
        if path in table:
            return True
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return False


def _children(value: Any) -> list[tuple[str, BaseModel]]:
    if isinstance(value, BaseModel):
        return [("", value)]
    if isinstance(value, dict):
        return [(f".{k}", v) for k, v in value.items() if isinstance(v, BaseModel)]
    if isinstance(value, list):
        return [(f"[{i}]", v) for i, v in enumerate(value) if isinstance(v, BaseModel)]
    return []


__all__ = ["LoadedScenario", "Scenario", "ScenarioError", "load_scenario", "from_tree"]
