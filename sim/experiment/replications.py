"""Experiments: replications of several scenarios, resumable, on any scheduler.

Each finished replication of a scenario is written at once (atomically) to a
cache beside the results folder, keyed by a fingerprint of the scenario's
parameters and the package version. A rerun with the same settings reuses the
finished replications; Ctrl-C stops cleanly and keeps every one that finished.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.config import LoadedScenario
from sim.measures.recorder import FederationResult
from sim.model.county import federation_plan
from sim.experiment.files import atomic_folder, interrupts_held
from sim.experiment.schedulers import execute
from sim.experiment.runner import RunResult, assemble, run_federation


class Interrupted(Exception):
    """The experiment was stopped; finished replications are kept in the cache."""

    def __init__(self, finished: int, total: int, cache: Path) -> None:
        self.finished, self.total, self.cache = finished, total, cache
        super().__init__(f"stopped: {finished} of {total} replications finished and kept in {cache}; rerun the same command to resume")


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the package's source: a cached replication is reused only by the same code."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(loaded: LoadedScenario) -> str:
    """Identifies what a replication depends on: every parameter, the package version and its code."""
    try:
        version = metadata.version("qofsim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    payload = {
        "scenario": loaded.scenario.model_dump(mode="json"),
        "regime": loaded.policy_params.model_dump(mode="json"),
        "version": version,
        "code": code_hash(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ReplicationCache:
    """Finished replications on disk: ``<root>/<scenario>-<fingerprint>/rep-0007/<table>.parquet``."""

    root: Path

    def folder(self, loaded: LoadedScenario, replication: int) -> Path:
        return self.root / f"{loaded.name}-{fingerprint(loaded)}" / f"rep-{replication:04d}"

    def has(self, loaded: LoadedScenario, replication: int) -> bool:
        return (self.folder(loaded, replication) / "done.json").exists()

    def save(self, loaded: LoadedScenario, replication: int, tables: dict[str, pd.DataFrame], info: dict) -> None:
        def fill(tmp: Path) -> None:
            for name, df in tables.items():
                df.to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "done.json").write_text(json.dumps(info))

        with interrupts_held():  # Ctrl-C now would lose a replication that has finished
            atomic_folder(self.folder(loaded, replication), fill)

    def load(self, loaded: LoadedScenario, replication: int) -> tuple[dict[str, pd.DataFrame], dict]:
        folder = self.folder(loaded, replication)
        tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
        return tables, json.loads((folder / "done.json").read_text())


def cache_for(folder: Path) -> ReplicationCache:
    """The cache of a results folder: ``results/.cache/<folder name>``."""
    folder = Path(folder)
    return ReplicationCache(folder.parent / ".cache" / folder.name)


def run_experiment(
    scenarios: Sequence[LoadedScenario],
    cache: ReplicationCache,
    replications: Sequence[int],
    workers: int | None = None,
    scheduler: str = "processes",
    progress: bool = True,
) -> list[RunResult]:
    """Simulate every scenario for every replication, reusing finished ones; one result per scenario."""
    plans = {s.name: len(federation_plan(s)) for s in scenarios}
    todo = [(s, r) for s in scenarios for r in replications if not cache.has(s, r)]
    calls = [((i, r, f), (s, r, f)) for i, (s, r) in enumerate(todo) for f in range(plans[s.name])]
    pending: dict[int, dict[int, FederationResult]] = {}
    started = time.perf_counter()
    done = len(scenarios) * len(replications) - len(todo)
    bar = tqdm(total=len(scenarios) * len(replications), initial=done, desc="replications", unit="rep", disable=not progress)
    try:
        for (i, replication, federation), result in execute(run_federation, calls, scheduler, workers):
            parts = pending.setdefault(i, {})
            parts[federation] = result
            loaded = todo[i][0]
            if len(parts) == plans[loaded.name]:
                _finish(cache, loaded, replication, [((replication, f), parts[f]) for f in sorted(parts)], started)
                del pending[i]
                done += 1
                bar.update()
    except KeyboardInterrupt:
        raise Interrupted(done, len(scenarios) * len(replications), cache.root) from None
    finally:
        bar.close()
    return [_collect(cache, s, replications) for s in scenarios]


def _finish(cache: ReplicationCache, loaded: LoadedScenario, replication: int, parts: list, started: float) -> None:
    tables = assemble(loaded, parts)
    info = {"patient_years": sum(r.patient_years for _, r in parts), "seconds": time.perf_counter() - started}
    cache.save(loaded, replication, tables, info)


def _collect(cache: ReplicationCache, loaded: LoadedScenario, replications: Sequence[int]) -> RunResult:
    """Concatenate a scenario's cached replications (fresh and reused alike)."""
    frames: dict[str, list[pd.DataFrame]] = {}
    patient_years = seconds = 0.0
    for r in replications:
        tables, info = cache.load(loaded, r)
        for name, df in tables.items():
            frames.setdefault(name, []).append(df)
        patient_years += info["patient_years"]
        seconds = max(seconds, info["seconds"])
    tables = {name: pd.concat(dfs, ignore_index=True) for name, dfs in frames.items()}
    tables["cost_rates"] = tables["cost_rates"].drop_duplicates(ignore_index=True)
    return RunResult(loaded.name, tables, list(replications), patient_years, seconds)
