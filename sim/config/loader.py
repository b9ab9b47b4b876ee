"""Load a scenario YAML file: resolve ``extends``, strip provenance, validate.

A numeric (or any) leaf may be written plainly or with its provenance::

    prevalence: {value: 0.136, source: "QOF 2011/12"}
    review_minutes: {value: 25, assumption: "no published figure; typical nurse template"}

Provenance is lifted out into a flat table keyed by field path, so the typed
scenario stays plain and the report can list every value with its source.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.errors import ScenarioError

PROVENANCE_KEYS = frozenset({"value", "source", "assumption", "unit", "range", "note"})


MAX_VALUES = 200_000
"""More YAML values than any scenario needs (base.yaml has about 2,400), counted with
aliases expanded: refuses alias bombs ("billion laughs") before they are built."""

MAX_BYTES = 5_000_000
"""Scenario files are a few kilobytes; anything this large is not one."""


def read_tree(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a YAML scenario file and merge it over the file it ``extends``."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError(path, "extends", f"circular 'extends' chain: {chain}")
    tree = parse_file(path)
    if not isinstance(tree, dict):
        raise ScenarioError(path, "", "a scenario file must be a mapping of fields")
    _anchor_regime_from(tree, path)
    parent = tree.pop("extends", None)
    if parent is None:
        return tree
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(path, "extends", "expected a file name relative to this file")
    target = path.parent / parent
    if not target.is_file():
        what = "is a folder, not a file" if target.is_dir() else "does not exist"
        raise ScenarioError(path, "extends", f"{parent!r} {what} (looked for {target.resolve()}); name a scenario file relative to {path.parent}")
    base = read_tree(target, (*_seen, path))
    if _names_new_policy(base, tree):
        base = {**base, "regime": {}}
    return deep_merge(base, tree)


def _anchor_regime_from(tree: dict[str, Any], path: Path) -> None:
    """Make ``scheme.regime_from`` absolute, relative to the file that declares it, so a
    scenario that extends this one from another folder still finds it."""
    scheme = tree.get("scheme")
    if not isinstance(scheme, dict) or "regime_from" not in scheme:
        return
    ref = scheme["regime_from"]
    name = ref.get("value") if isinstance(ref, dict) else ref
    if not isinstance(name, str) or Path(name).is_absolute():
        return
    target = path.parent / name
    if not target.is_file():
        raise ScenarioError(path, "scheme.regime_from", f"{name!r} does not exist (looked for {target}); name a scenario file relative to {path.parent}")
    anchored = str(target)
    scheme["regime_from"] = {**ref, "value": anchored} if isinstance(ref, dict) else anchored


def parse_file(path: Path) -> Any:
    """Parse a scenario file strictly: UTF-8, no duplicate keys, no alias bombs."""
    if path.is_dir():
        raise ScenarioError(path, "", "is a folder; give a scenario .yaml file")
    if not path.is_file():
        raise ScenarioError(path, "", "file not found")
    if path.stat().st_size > MAX_BYTES:
        raise ScenarioError(path, "", f"is {path.stat().st_size:,} bytes; a scenario file is a few kilobytes of YAML")
    try:
        return parse_yaml(_utf8(path.read_bytes()))
    except _Problem as exc:
        raise ScenarioError(path, exc.field, exc.problem) from None


def parse_yaml(text: str) -> Any:
    """Parse YAML text strictly; raises :class:`_Problem` (field, problem)."""
    if not text.strip():
        return {}
    try:
        return yaml.load(text, Loader=_FastStrictLoader)
    except (yaml.YAMLError, RecursionError):
        pass  # reported by the pure-Python parser, whose positions and wording are the clearer
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise _Problem("", f"not valid YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise _Problem("", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise _Problem("", "not valid YAML: nested too deeply") from None


class _Problem(Exception):
    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise _Problem(
            "", f"not UTF-8 text{hint}: byte 0x{data[exc.start]:02x} at line {line}, column {column}; save the file with UTF-8 encoding"
        ) from None


class _Checked:
    """Checks the document before it is built (mixed into a PyYAML loader)."""

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            _Walk(self).check(node)  # type: ignore[arg-type]
        return node


class _StrictLoader(_Checked, yaml.SafeLoader):
    """PyYAML's safe loader, checked; its errors say where a problem is most clearly."""


class _FastStrictLoader(_Checked, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same on libyaml's parser, where PyYAML has it: several times faster on a scenario file,
    which matters when a sweep loads one for each of thousands of runs."""


class _Walk:
    """Count values with aliases expanded, and find duplicate keys and self-referring aliases."""

    def __init__(self, loader: yaml.SafeLoader | yaml.CSafeLoader) -> None:
        self.loader = loader
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()

    def check(self, node: yaml.Node) -> None:
        self.size(node, "")

    def size(self, node: yaml.Node, path: str) -> int:
        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if key in self.open:
            raise _Problem(path, f"an alias refers to the value that contains it (line {node.start_mark.line + 1}); remove it")
        self.open.add(key)
        total = 1 + sum(self.size(child, child_path) for child, child_path in self.children(node, path))
        self.open.discard(key)
        self.sizes[key] = total
        if total > MAX_VALUES:
            raise _Problem(path, f"its aliases (*name) expand to more than {MAX_VALUES:,} values; write the values out instead")
        return total

    def children(self, node: yaml.Node, path: str) -> list[tuple[yaml.Node, str]]:
        if isinstance(node, yaml.SequenceNode):
            return [(item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        if not isinstance(node, yaml.MappingNode):
            return []
        seen: dict[Any, int] = {}
        out = []
        for key, value in node.value:
            name = self.key(key)
            child = f"{path}.{name}" if path else str(name)
            if name is not _MERGE and name in seen:
                raise _Problem(
                    child,
                    f"appears twice in the same mapping (lines {seen[name]} and {key.start_mark.line + 1}); "
                    "YAML would silently keep the last one: delete one of them",
                )
            seen.setdefault(name, key.start_mark.line + 1)
            out += [(key, child), (value, child)]
        return out

    def key(self, node: yaml.Node) -> Any:
        if node.tag == "tag:yaml.org,2002:merge":
            return _MERGE
        if isinstance(node, yaml.ScalarNode):
            value = self.loader.construct_object(node)
            return value if isinstance(value, Hashable) else (node.tag, node.value)
        return (node.tag, id(node))


_MERGE = object()


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


# ------------------------------------------------------------------ overrides
def override_label(dotted: str, value: Any) -> str:
    """How an override reads on the command line: ``--set years=3``."""
    text = value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return f"--set {dotted}={text.removesuffix(chr(10) + '...')}"


def parse_override(item: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` from the command line, the value read as YAML (``3``, ``0.5``, ``[1, 2]``, ``text``)."""
    field, sep, text = item.partition("=")
    field = field.strip()
    if not sep or not field:
        raise ScenarioError(None, "", "expected FIELD=VALUE, e.g. --set years=3", origin=f"--set {item}")
    try:
        return field, parse_yaml(text) if text.strip() else None
    except _Problem as exc:
        raise ScenarioError(None, "", f"the value is {exc.problem}", origin=f"--set {item}") from None


def apply_overrides(tree: dict[str, Any], overrides: dict[str, Any], file: Path) -> dict[str, Any]:
    """A copy of ``tree`` with dotted-path ``overrides`` set, stepping inside provenance
    mappings (``{value: ..., source: ...}``); an override that cannot be placed is an error naming it."""
    tree = copy.deepcopy(tree)
    for dotted, value in overrides.items():
        try:
            _set_path(tree, dotted, value)
        except _Problem as exc:
            raise ScenarioError(file, exc.field, exc.problem, origin=override_label(dotted, value)) from None
    return tree


def _set_path(tree: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``dotted`` (``a.b``, ``a.b[0].c``) in ``tree``, stepping inside provenance mappings."""
    steps = _steps(dotted)
    node: Any = tree
    _check_step(node, "", steps[0])
    for i, step in enumerate(steps[:-1]):
        here = _join(steps[: i + 1])
        if isinstance(step, int):
            node = node[step]
        else:
            node = node.setdefault(step, {})
        if _is_leaf(node):
            node = node["value"]
        _check_step(node, here, steps[i + 1])
    last = steps[-1]
    old = node[last] if isinstance(last, int) else node.get(last)
    node[last] = {**old, "value": value} if _is_leaf(old) else value


def _check_step(node: Any, here: str, step: str | int) -> None:
    """Whether ``node`` (at ``here``) has a field ``step``, or an item ``[step]``."""
    if isinstance(step, str) and not isinstance(node, dict):
        raise _Problem(here, f"is {_kind(node)}, not a group of fields, so it has no field {step!r}")
    if isinstance(step, int) and not isinstance(node, list):
        raise _Problem(here, f"is {_kind(node)}, not a list, so it has no item [{step}]")
    if isinstance(step, int) and step >= len(node):
        raise _Problem(here, f"has {len(node)} item(s), so it has no item [{step}]")


def _steps(dotted: str) -> list[str | int]:
    """``a.b[0].c`` as ``["a", "b", 0, "c"]``."""
    steps: list[str | int] = []
    for part in dotted.split("."):
        match = re.fullmatch(r"([^\[\]]+)((?:\[\d+\])*)", part)
        if match is None:
            raise _Problem(dotted, "is not a field path; write it with single dots and [i] for list items, e.g. indicators[0].lower")
        steps.append(match[1])
        steps += [int(i) for i in re.findall(r"\[(\d+)\]", match[2])]
    return steps


def _join(steps: list[str | int]) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")


def _kind(node: Any) -> str:
    if _is_leaf(node):
        node = node["value"]
    return "a list" if isinstance(node, list) else f"a single value ({node!r})"


def blame_overrides(exc: ScenarioError, overrides: dict[str, Any], file_is_valid: bool) -> ScenarioError:
    """Report an error as coming from the overrides that touch its field; from all of them
    when the file alone is valid but no single override matches; else from the file."""
    touching = [d for d in overrides if _related(d, exc.field)]
    if not touching and not file_is_valid:
        return exc
    chosen = touching or list(overrides)
    return exc.blamed_on(", ".join(override_label(d, overrides[d]) for d in chosen))


def _related(a: str, b: str) -> bool:
    """Whether one field path contains the other (``a.b`` and ``a.b.c``, ``a.b[0]``)."""
    short, long = sorted((a, b), key=len)
    return bool(short) and (long == short or long.startswith((short + ".", short + "[")))
