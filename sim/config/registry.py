"""The parameter registry: every scenario value with its unit, uncertainty and source.

It is read from the scenario files themselves (the provenance written beside
each value), so the documentation table and the sensitivity analyses cannot
drift from the model. A ``range: [low, high]`` marks a parameter as uncertain:
sensitivity analyses sample it uniformly over that range.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config import LoadedScenario, load_scenario


@dataclass(frozen=True)
class Parameter:
    path: str
    value: Any
    unit: str
    low: float | None
    high: float | None
    source: str | None
    assumption: str | None

    @property
    def uncertain(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def provenance(self) -> str:
        return f"source: {self.source}" if self.source else f"assumption: {self.assumption}"


def registry(loaded: LoadedScenario) -> list[Parameter]:
    """Every parameter that carries provenance, in field-path order."""
    plain = loaded.scenario.model_dump(mode="json")
    params = []
    for path, meta in sorted(loaded.provenance.items()):
        low, high = meta.get("range", (None, None))
        params.append(
            Parameter(path, lookup(plain, path), str(meta.get("unit", "")), low, high, meta.get("source"), meta.get("assumption"))
        )
    return params


def uncertain(loaded: LoadedScenario) -> list[Parameter]:
    """Parameters with a stated range: the inputs of sensitivity analysis."""
    return [p for p in registry(loaded) if p.uncertain]


def lookup(tree: Any, path: str) -> Any:
    """Value at a dotted field path (``a.b[2].c``) of a plain tree."""
    node = tree
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            node = node[int(part[1:-1])]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def markdown(params: list[Parameter]) -> str:
    rows = ["| parameter | value | unit | range | source or assumption |", "|---|---|---|---|---|"]
    for p in params:
        rng = f"{p.low} to {p.high}" if p.uncertain else ""
        text = p.provenance.replace("|", "/")
        rows.append(f"| `{p.path}` | {_short(p.value)} | {p.unit} | {rng} | {text} |")
    return "\n".join(rows)


def _short(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()
    text = text.replace("|", "/")
    return text if len(text) < 90 else text[:87] + "..."


DOC_SCENARIOS = ("base.yaml", "optout_practice.yaml", "withdrawn_practice.yaml", "qof2013_practice.yaml", "spqs_evaluation.yaml")


def docs(scenario_dir: Path) -> str:
    """The parameter table for ``docs/parameters.md``: base in full, then what each variant changes."""
    base = load_scenario(scenario_dir / DOC_SCENARIOS[0])
    base_params = {p.path: p for p in registry(base)}
    parts = [
        "# Parameters",
        "",
        "Generated from the scenario files by `qofsim params --docs` (a test checks it is current).",
        "`range` marks a parameter as uncertain: sensitivity analyses sample it uniformly over that range.",
        "",
        f"## {DOC_SCENARIOS[0]} (QOF baseline; every parameter)",
        "",
        markdown(list(base_params.values())),
    ]
    for name in DOC_SCENARIOS[1:]:
        changed = [p for p in registry(load_scenario(scenario_dir / name)) if base_params.get(p.path) != p]
        parts += ["", f"## {name} (what it changes)", "", markdown(changed)]
    return "\n".join(parts) + "\n"
