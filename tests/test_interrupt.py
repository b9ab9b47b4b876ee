"""Ctrl-C in a terminal: every process of the group gets SIGINT. The run stops within
about two seconds, no worker prints a traceback, and every finished replication is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import QOF

STOP_WITHIN = 2.5
"""Seconds from Ctrl-C to exit: about 2 s, with room for a busy machine."""


def scenario(folder: Path, name: str, years: int, list_size: int) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"extends: {QOF}\nname: {name}\nyears: {years}\npractices: {{list_size_mean: {list_size}}}\n")
    return path


def _default_ctrl_c() -> None:
    """SIGINT as from a terminal, even if this test run was started in the background ('&'), which ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finished(out: Path, name: str) -> list[Path]:
    return sorted(out.glob(f".cache/*/{name}-*/rep-*/done.json"))


def test_ctrl_c_stops_quickly_quietly_and_keeps_finished_replications(tmp_path: Path):
    """One worker finishes a short scenario and waits idle while the other is deep in a long one;
    Ctrl-C then reaches both (as from a terminal). Before, the idle worker printed
    'Process ForkProcess-2: Traceback ... KeyboardInterrupt' and the run waited for the long one."""
    fast, slow = scenario(tmp_path, "fast", 1, 600), scenario(tmp_path, "slow", 10, 8000)
    out = tmp_path / "results"
    command = [sys.executable, "-m", "sim.cli", "compare", str(fast), str(slow), "--name", "pair", "-w", "2", "-o", str(out), "-q"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_default_ctrl_c,
    )
    try:
        deadline = time.monotonic() + 120
        while not finished(out, "fast") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert finished(out, "fast") and proc.poll() is None, "the short scenario did not finish first"
        time.sleep(0.5)  # the idle worker is now waiting for work
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert took < STOP_WITHIN, f"took {took:.1f}s to stop"
    for noise in ("Traceback", "KeyboardInterrupt", "Process ForkProcess"):
        assert noise not in stderr, stderr
    assert "stopped: 1 of 2 replications finished and kept in" in stderr
    assert len(finished(out, "fast")) == 1 and finished(out, "slow") == []
    assert [p.name for p in out.iterdir()] == [".cache"]  # no results folder, no partial one
    leftovers = [p for p in out.rglob("*") if ".partial-" in p.name]
    assert leftovers == []
