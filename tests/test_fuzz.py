"""Property-based: malformed scenarios and overrides never crash the command line.

A valid small scenario (the shipped QOF or opt-out practice, shrunk to one year of
600 patients and written out whole) is mutated: a wrong type, an unknown key, a
malformed ``--set``. Every one must give exit 2, an ``error:`` line, no traceback and
no file written, from ``check`` and from ``run`` alike. Mutations that may still be
valid (a negative number, a deleted key) must at least keep ``check`` honest: if it
says ok, the simulation runs and its headline measures can be computed.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import OPTOUT, QOF
from sim.cli import main
from sim.config import load_scenario
from sim.config.loader import read_tree, split_provenance
from sim.experiment.runner import run_scenario
from sim.measures.summary import headline

Path_ = tuple[Any, ...]


def small_tree(path: Path) -> dict[str, Any]:
    plain, _ = split_provenance(read_tree(path))
    plain.update(name="fuzz", years=1)
    plain["practices"].update(count=1, list_size_mean=600)
    plain["measures"]["warmup_years"] = 0
    return plain


BASES = {"qof": small_tree(QOF), "careplan": small_tree(OPTOUT)}


def walk(node: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every (path, value) below ``node``."""
    found: list[tuple[Path_, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        found.append(((*path, key), value))
        found += walk(value, (*path, key))
    return found


PLACES = {name: walk(tree) for name, tree in BASES.items()}


def leaves(base: str) -> list[tuple[Path_, Any]]:
    return [(p, v) for p, v in PLACES[base] if not isinstance(v, (dict, list))]


def mappings(base: str) -> list[Path_]:
    return [()] + [p for p, v in PLACES[base] if isinstance(v, dict)]


def wrong_value(value: Any) -> Any:
    """A value of a type no field accepting ``value`` can take."""
    return [1, 2] if isinstance(value, str) else "lots"


def dotted(path: Path_) -> str:
    return ".".join(str(part) for part in path)


def change(tree: dict[str, Any], path: Path_, value: Any = None, delete: bool = False) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    node: Any = tree
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return tree


# ----------------------------------------------------------------- mutations
@st.composite
def always_invalid(draw: st.DrawFn) -> tuple[dict[str, Any], list[str], str]:
    """(tree, --set items, what): a scenario or override that no valid scenario matches."""
    base = draw(st.sampled_from(sorted(BASES)))
    tree = BASES[base]
    kind = draw(st.sampled_from(["wrong type", "unknown key", "bad override"]))
    if kind == "wrong type":
        path, value = draw(st.sampled_from(leaves(base) + [(p, v) for p, v in PLACES[base] if isinstance(v, (dict, list))]))
        return change(tree, path, wrong_value(value)), [], f"{kind} at {dotted(path)}"
    if kind == "unknown key":
        parent = draw(st.sampled_from(mappings(base)))
        return change(tree, (*parent, "zzz_typo"), "lots"), [], f"{kind} under {dotted(parent) or 'top'}"
    path, value = draw(st.sampled_from(leaves(base)))
    item = draw(
        st.sampled_from(
            [
                f"{dotted(path)}={yaml.safe_dump(wrong_value(value), default_flow_style=True).strip()}",
                f"{dotted(path[:-1]) + '.' if len(path) > 1 else ''}zzz_typo=1",
                f"{dotted(path)}.deeper=1",
                f"{dotted(path)}=[1",
                f"{dotted(path)}",
                "=1",
                f"{dotted(path)}..x=1",
            ]
        )
    )
    return tree, [item], f"--set {item}"


@st.composite
def maybe_invalid(draw: st.DrawFn) -> tuple[dict[str, Any], list[str], str]:
    """A negative number or a deleted key: invalid unless the field allows it."""
    base = draw(st.sampled_from(sorted(BASES)))
    tree = BASES[base]
    if draw(st.booleans()):
        numeric = [(p, v) for p, v in leaves(base) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        path, value = draw(st.sampled_from(numeric))
        negative = draw(st.sampled_from([-1, -abs(value) * 10 - 1]))
        return change(tree, path, negative), [], f"{dotted(path)} = {negative}"
    path, _ = draw(st.sampled_from([(p, v) for p, v in PLACES[base] if p[0] not in ("name",)]))
    return change(tree, path, delete=True), [], f"deleted {dotted(path)}"


def qofsim(folder: Path, tree: dict[str, Any], overrides: list[str], command: str) -> tuple[int, str]:
    scenario = folder / "fuzz.yaml"
    scenario.write_text(yaml.safe_dump(tree, sort_keys=False))
    args = [command, str(scenario), *[a for item in overrides for a in ("--set", item)]]
    if command == "run":
        args += ["-o", str(folder / "results"), "-q", "-w", "1"]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, err.getvalue()


EXAMPLES = int(os.environ.get("QOFSIM_FUZZ_EXAMPLES", "40"))
"""Examples per property; raise it to search harder locally (e.g. QOFSIM_FUZZ_EXAMPLES=500)."""

FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(always_invalid())
def test_malformed_scenarios_and_overrides_exit_2_quietly_writing_nothing(case: tuple[dict[str, Any], list[str], str]):
    tree, overrides, what = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for command in ("check", "run"):
            code, err = qofsim(folder, tree, overrides, command)
            assert code == 2, (what, command, err)
            assert err.startswith("error: ") and "Traceback" not in err, (what, err)
            if overrides:
                assert err.startswith("error: --set "), (what, err)
            assert sorted(p.name for p in folder.iterdir()) == ["fuzz.yaml"], (what, command)


@settings(FUZZ, max_examples=max(1, EXAMPLES // 2))
@given(maybe_invalid())
def test_check_ok_means_the_run_would_not_fail(case: tuple[dict[str, Any], list[str], str]):
    tree, overrides, what = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        code, err = qofsim(folder, tree, overrides, "check")
        assert code in (0, 2) and "Traceback" not in err, (what, err)
        if code == 2:
            code, err = qofsim(folder, tree, overrides, "run")
            assert code == 2 and err.startswith("error: ") and "Traceback" not in err, (what, err)
            assert sorted(p.name for p in folder.iterdir()) == ["fuzz.yaml"], what
            return
        loaded = load_scenario(folder / "fuzz.yaml")
        headline(run_scenario(loaded, (0,), workers=1, progress=False, scheduler="serial").tables)
