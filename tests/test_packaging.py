"""What a newcomer meets before any simulation: make targets that never prompt, a clean
install, and command-line help that documents every option the same way."""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT
from sim.cli import EPILOG, _parser, _sweep_destination

NO_CHROMIUM = "qofsim-test-no-such-chromium"


def fake_tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("sudo", ["absent", "needs a password"])
def test_make_browser_never_prompts_without_root(tmp_path: Path, sudo: str):
    """Not root and no passwordless sudo: say what to install, exit 0, never ask for a password."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "sudo.log"
    fake_tool(bin_dir, "id", 'echo 1000')
    if sudo != "absent":
        # a sudo that wants a password: -n (non-interactive) fails; anything else would prompt
        fake_tool(bin_dir, "sudo", f'printf "%s\\n" "$*" >> {log}\n[ "$1" = "-n" ] && exit 1\nread password\nexit 1')
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    if sudo == "absent":
        env["PATH"] = ":".join(p for p in env["PATH"].split(":") if not (Path(p) / "sudo").exists() or p == str(bin_dir))
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "browser", f"CHROMIUM={NO_CHROMIUM}"],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "install Chromium" in done.stdout and "apt-get install chromium" in done.stdout
    calls = log.read_text().splitlines() if log.exists() else []
    assert all(call.startswith("-n") for call in calls), calls


def test_license_is_an_spdx_string():
    """A license table is deprecated by setuptools (a warning on every install); SPDX needs setuptools 77."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]


# ------------------------------------------------------------------------ help
def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", ["replications", "sweep", "check", "run", "compare", "report", "params", "evaluate"])
def test_every_option_is_documented(command: str):
    parser = subcommands()[command]
    undocumented = [a.dest for a in parser._actions if not a.help and a.dest != "help"]
    assert undocumented == []
    text = parser.format_help()
    for action in parser._actions:
        if action.help != argparse.SUPPRESS:
            assert all(flag in text for flag in action.option_strings)


def test_dash_o_is_the_results_folder_in_every_command():
    with_o = {name: p for name, p in subcommands().items() if any("-o" in a.option_strings for a in p._actions)}
    assert set(with_o) == {"run", "compare", "replications", "sweep", "evaluate"}
    for name, parser in with_o.items():
        (action,) = [a for a in parser._actions if "-o" in a.option_strings]
        assert (action.dest, action.metavar, action.default) == ("out", "FOLDER", Path("results")), name
        assert "results folder" in action.help, name


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], (Path("results"), "sweep")),
        (["-o", "out", "--name", "psa"], (Path("out"), "psa")),
        (["-o", "results/psa.parquet"], (Path("results"), "psa")),  # the meaning of -o before it was a folder
        (["--output", "old/sweep.parquet"], (Path("old"), "sweep")),
    ],
)
def test_sweep_writes_into_the_folder_and_keeps_the_old_file_meaning(argv: list[str], expected: tuple[Path, str]):
    args = _parser().parse_args(["sweep", "s.yaml", "--psa", "2", *argv])
    assert _sweep_destination(args) == expected


def test_help_examples_agree_with_the_readme():
    """Every example command in --help appears in the README's usage block (params especially)."""
    readme = {line.split("#")[0].strip().removeprefix(".venv/bin/") for line in (ROOT / "README.md").read_text().splitlines()}
    examples = [line.strip() for line in EPILOG.splitlines() if line.startswith("  qofsim ")]
    assert {"qofsim params scenarios/optout_practice.yaml", "qofsim params --docs"} <= set(examples)
    assert [e for e in examples if e not in readme] == []
