"""Load a scenario YAML file: resolve ``extends``, strip provenance, validate.

A numeric (or any) leaf may be written plainly or with its provenance::

    prevalence: {value: 0.136, source: "QOF 2011/12"}
    review_minutes: {value: 25, assumption: "no published figure; typical nurse template"}

Provenance is lifted out into a flat table keyed by field path, so the typed
scenario stays plain and the report can list every value with its source.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.errors import ScenarioError

PROVENANCE_KEYS = frozenset({"value", "source", "assumption", "unit", "range", "note"})


def read_tree(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a YAML scenario file and merge it over the file it ``extends``."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError(path, "extends", f"circular 'extends' chain: {chain}")
    if not path.is_file():
        raise ScenarioError(path, "", "file not found")
    try:
        tree = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(path, "", f"not valid YAML: {exc}") from None
    if not isinstance(tree, dict):
        raise ScenarioError(path, "", "a scenario file must be a mapping of fields")
    parent = tree.pop("extends", None)
    if parent is None:
        return tree
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "expected a file name relative to this file")
    base = read_tree(path.parent / parent, (*_seen, path))
    if _names_new_policy(base, tree):
        base = {**base, "regime": {}}
    return deep_merge(base, tree)


def _names_new_policy(base: dict[str, Any], over: dict[str, Any]) -> bool:
    """A file that switches ``regime.policy`` starts ``regime.params`` afresh."""
    new, old = over.get("regime"), base.get("regime")
    if not (isinstance(new, dict) and isinstance(old, dict) and "policy" in new):
        return False
    unwrap = lambda v: v.get("value") if isinstance(v, dict) else v  # noqa: E731
    return unwrap(new["policy"]) != unwrap(old.get("policy"))


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge ``over`` into a copy of ``base``; mappings merge, everything else replaces.

    A provenance mapping (``{value: ..., source: ...}``) is a leaf: it replaces.
    """
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not _is_leaf(value) and not _is_leaf(old):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _is_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= PROVENANCE_KEYS


def split_provenance(node: Any, path: str = "") -> tuple[Any, dict[str, dict[str, Any]]]:
    """Return the plain tree and a ``{field.path: provenance}`` table."""
    table: dict[str, dict[str, Any]] = {}
    if _is_leaf(node):
        meta = {k: v for k, v in node.items() if k != "value"}
        if "source" not in meta and "assumption" not in meta:
            raise ValueError(f"{path}: a value written with provenance needs 'source' or 'assumption'")
        table[path] = meta
        plain, inner = split_provenance(node["value"], path)
        table.update(inner)
        return plain, table
    if isinstance(node, dict):
        plain_dict = {}
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            plain_dict[key], inner = split_provenance(value, child)
            table.update(inner)
        return plain_dict, table
    if isinstance(node, list):
        plain_list = []
        for i, value in enumerate(node):
            item, inner = split_provenance(value, f"{path}[{i}]")
            plain_list.append(item)
            table.update(inner)
        return plain_list, table
    return node, table


def validate(model: type[BaseModel], tree: dict[str, Any], path: Path, prefix: str = "") -> BaseModel:
    """Validate ``tree`` against ``model``; the error names file, field path and problem.

    ``prefix`` is the path of ``tree`` inside the scenario (e.g. ``regime.params``).
    """
    try:
        return model.model_validate(tree)
    except ValidationError as exc:
        raise ScenarioError(path, *_describe(exc, model, prefix)) from None


def _describe(exc: ValidationError, model: type[BaseModel], prefix: str) -> tuple[str, str]:
    problems = []
    for err in exc.errors():
        loc = _format_loc(err["loc"])
        loc = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field" + _suggest(model, err["loc"])
        elif "input" in err and err["type"] != "missing" and not isinstance(err["input"], dict):
            message += f" (got {err['input']!r})"
        problems.append((loc, message))
    loc, message = problems[0]
    if len(problems) > 1:
        message += "".join(f"\n  also {p}: {m}" for p, m in problems[1:])
    return loc, message


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and not part.startswith("function-"):
            out += f".{part}" if out else part
    return out


def _suggest(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    fields = _fields_at(model, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; expected one of: {', '.join(sorted(fields))}" if fields else ""


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``loc`` (list indices and mapping keys are stepped over)."""
    key_next = False
    for part in loc:
        if key_next or isinstance(part, int):
            key_next = False
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return []
        annotation = model.model_fields[part].annotation
        key_next = get_origin(annotation) is dict
        model = _model_of(annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_of(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation
