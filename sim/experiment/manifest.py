"""A run's manifest: what was run, with what code, parameters and machine, and how long it took."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.config import LoadedScenario
from sim.experiment.runner import RunResult

PACKAGES = ("qofsim", "simpy", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib")


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=Path(__file__).parent, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def git_dirty() -> bool | None:
    """Whether the package's checkout had uncommitted changes (None outside git)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip())


def manifest(result: RunResult, loaded: LoadedScenario, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What was run, with what, and how long it took: enough to reproduce it."""
    sc = loaded.scenario
    return {
        "scenario": sc.name,
        "description": sc.description,
        "scenario_file": str(loaded.path) if loaded.path else None,
        "regime": sc.regime.policy,
        "seed": sc.seed,
        "replications": result.replications,
        "random_streams": "numpy SeedSequence(seed, spawn_key=(replication, practice, crc32(activity))) with PCG64",
        "years": sc.years,
        "practices": sc.practices.count,
        "patient_years": result.patient_years,
        "run_seconds": round(result.seconds, 3),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "overrides": loaded.overrides,
        "command": " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpu_count": os.cpu_count()},
        "tables": {name: len(df) for name, df in result.tables.items()},
        "parameters": sc.model_dump(mode="json"),
        "regime_parameters": loaded.policy_params.model_dump(mode="json"),
        "provenance": loaded.provenance,
        **(extra or {}),
    }


