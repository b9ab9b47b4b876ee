"""Experiments: replications of several scenarios, resumable, on any scheduler.

Each finished replication of a scenario is written at once (atomically) to a
cache beside the results folder, keyed by a fingerprint of the scenario's
parameters and the package version. A rerun with the same settings reuses the
finished replications; Ctrl-C stops cleanly and keeps every one that finished.

Results stream: each federation's result is folded into its replication's
:class:`~sim.experiment.assembly.Assembly` as it arrives and released, and a
finished replication's tables are built and written one at a time.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.config import LoadedScenario
from sim.model.county import federation_plan
from sim.experiment.assembly import Assembly
from sim.experiment.files import atomic_folder, interrupts_held
from sim.experiment.schedulers import execute, slots
from sim.experiment.runner import RunResult, batches, run_batch


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

    def save(self, loaded: LoadedScenario, replication: int, tables: Iterable[tuple[str, pd.DataFrame]], info: dict) -> None:
        """Write ``(name, table)`` pairs as they come (each may be built on demand and dropped once written)."""

        def fill(tmp: Path) -> None:
            for name, df in tables:
                df.to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "done.json").write_text(json.dumps(info))

        with interrupts_held():  # Ctrl-C now would lose a replication that has finished
            atomic_folder(self.folder(loaded, replication), fill)

    def names(self, loaded: LoadedScenario, replication: int) -> list[str]:
        """The tables of a cached replication."""
        return sorted(p.stem for p in self.folder(loaded, replication).glob("*.parquet"))

    def table(self, loaded: LoadedScenario, replication: int, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder(loaded, replication) / f"{name}.parquet")

    def info(self, loaded: LoadedScenario, replication: int) -> dict:
        return json.loads((self.folder(loaded, replication) / "done.json").read_text())

    def load(self, loaded: LoadedScenario, replication: int) -> tuple[dict[str, pd.DataFrame], dict]:
        tables = {name: self.table(loaded, replication, name) for name in self.names(loaded, replication)}
        return tables, self.info(loaded, replication)


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
    at_once = slots(scheduler, workers)
    split = {s.name: batches(s, len(todo), at_once) for s in scenarios}
    calls = [((i, r, tuple(batch)), (s, r, batch)) for i, (s, r) in enumerate(todo) for batch in split[s.name]]
    pending: dict[int, Assembly] = {}
    started = time.perf_counter()
    done = len(scenarios) * len(replications) - len(todo)
    bar = tqdm(total=len(scenarios) * len(replications), initial=done, desc="replications", unit="rep", disable=not progress)
    try:
        for (i, replication, batch), results in execute(run_batch, calls, scheduler, workers):
            loaded = todo[i][0]
            if i not in pending:
                pending[i] = Assembly(loaded, [(replication, f) for f in range(plans[loaded.name])])
            for federation in batch:
                pending[i].add((replication, federation), results.pop(0))  # folded and released
            if pending[i].complete:
                _finish(cache, loaded, replication, pending.pop(i), started)
                done += 1
                bar.update()
    except KeyboardInterrupt:
        raise Interrupted(done, len(scenarios) * len(replications), cache.root) from None
    finally:
        bar.close()
    return [_collect(cache, s, replications) for s in scenarios]


def _finish(cache: ReplicationCache, loaded: LoadedScenario, replication: int, assembly: Assembly, started: float) -> None:
    """Write a finished replication to the cache, building its tables one at a time."""
    info = {"patient_years": assembly.patient_years, "seconds": time.perf_counter() - started}
    cache.save(loaded, replication, assembly.tables(), info)


def _collect(cache: ReplicationCache, loaded: LoadedScenario, replications: Sequence[int]) -> RunResult:
    """Concatenate a scenario's cached replications (fresh and reused alike), one table at a time."""
    patient_years = seconds = 0.0
    names: dict[str, None] = {}
    for r in replications:
        info = cache.info(loaded, r)
        patient_years += info["patient_years"]
        seconds = max(seconds, info["seconds"])
        names |= dict.fromkeys(cache.names(loaded, r))
    tables = {name: pd.concat([cache.table(loaded, r, name) for r in replications], ignore_index=True) for name in names}
    tables["cost_rates"] = tables["cost_rates"].drop_duplicates(ignore_index=True)
    return RunResult(loaded.name, tables, list(replications), patient_years, seconds)
