"""Run a scenario: every federation of every replication, serially or on a process pool.

Federations are independent (they share no staff or clock), and each draws
from its own named streams, so the results do not depend on how the work is
split across processes: serial and parallel runs agree bit for bit.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.vocabulary import CONDITIONS
from sim.config import LoadedScenario
from sim.config.schema import Scenario
from sim.engine.capacity import AppointmentBook
from sim.engine.federation import Federation
from sim.engine.clock import DAYS_PER_YEAR
from sim.measures.recorder import FederationResult, Recorder
from sim.model.county import FederationModel, build_federation, federation_plan
from sim.measures.snapshots import GAP_MONTHS
from sim.experiment.schedulers import execute
from sim.model.practice import Practice

Task = tuple[int, int]
"""(replication, federation)."""


@dataclass
class RunResult:
    """Tidy tables of one scenario, keyed by scenario and replication."""

    scenario: str
    tables: dict[str, pd.DataFrame]
    replications: list[int]
    patient_years: float
    seconds: float
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class SimulatedFederation:
    """A federation's model after its run, and what was measured (tests and notebooks look inside)."""

    model: FederationModel
    result: FederationResult
    scenario: Scenario
    horizon: int

    @property
    def practices(self) -> list[Practice]:
        return self.model.practices

    @property
    def shared(self) -> dict[int, AppointmentBook]:
        return self.model.shared


def simulate_federation(loaded: LoadedScenario, replication: int, index: int) -> SimulatedFederation:
    """Build federation ``index`` of the scenario, run it to the horizon and measure it."""
    sc = loaded.scenario
    model = build_federation(loaded, replication, index)
    recorder = Recorder(sc, model)
    horizon = (sc.measures.warmup_years + sc.years) * DAYS_PER_YEAR
    engine = Federation(model.env, model.practices, model.groups, model.shared, horizon, sc.clinical.step_days, sc.demand.max_wait_days, recorder)
    engine.run()
    return SimulatedFederation(model, recorder.finish(), sc, horizon)


def run_federation(loaded: LoadedScenario, replication: int, index: int) -> FederationResult:
    """Simulate federation ``index`` of the scenario for one replication (a task for any scheduler)."""
    return simulate_federation(loaded, replication, index).result.compact()


def tasks_for(loaded: LoadedScenario, replications: Iterable[int]) -> list[Task]:
    n_fed = len(federation_plan(loaded))
    return [(r, f) for r in replications for f in range(n_fed)]


def run_scenario(
    loaded: LoadedScenario,
    replications: Sequence[int] = (0,),
    workers: int | None = None,
    progress: bool = True,
    scheduler: str = "processes",
) -> RunResult:
    """Simulate ``replications`` of a scenario and return its tables.

    ``workers`` processes share the federations (default: all cores; 1 runs in
    this process); ``scheduler`` is ``serial``, ``processes`` or ``dask`` (or a
    Dask address). The results are identical whichever is used.
    """
    tasks = tasks_for(loaded, replications)
    start = time.perf_counter()
    results: dict[Task, FederationResult] = {}
    calls = [(task, (loaded, *task)) for task in tasks]
    with tqdm(total=len(tasks), desc=loaded.name, unit="federation", disable=not progress, leave=False) as bar:
        for task, result in execute(run_federation, calls, scheduler, workers):
            results[task] = result
            bar.update()
    ordered = [(task, results[task]) for task in tasks]
    return RunResult(
        scenario=loaded.name,
        tables=assemble(loaded, ordered),
        replications=list(replications),
        patient_years=sum(r.patient_years for _, r in ordered),
        seconds=time.perf_counter() - start,
    )


def assemble(loaded: LoadedScenario, results: list[tuple[Task, FederationResult]]) -> dict[str, pd.DataFrame]:
    """Concatenate federation results into long tables keyed by scenario, regime and replication.

    ``regime`` is each practice's regime when the row was measured, so a mixed county
    (some practices in a scheme) splits by a group-by.
    """
    tables: dict[str, pd.DataFrame] = {}
    for name in ("practices", "snapshots", "control", "activity", "outcomes", "quarterly_outcomes", "waits", "qof", "patients", "patient_conditions"):
        frames = [pd.DataFrame(getattr(r, name)).assign(replication=rep) for (rep, _), r in results]
        tables[name] = _front(pd.concat(frames, ignore_index=True), loaded)
    tables["gaps"] = _front(_gap_table(results), loaded)
    rates = loaded.scenario.clinical.cost_per_hour
    tables["cost_rates"] = pd.DataFrame({"scenario": loaded.name, "role": list(rates), "cost_per_hour": list(rates.values())})
    return tables


def _gap_table(results: list[tuple[Task, FederationResult]]) -> pd.DataFrame:
    """Months-since-review histogram per replication, regime, snapshot day and condition."""
    frames = []
    by_rep: dict[int, list[FederationResult]] = {}
    for (rep, _), r in results:
        by_rep.setdefault(rep, []).append(r)
    for rep, feds in by_rep.items():
        days = feds[0].gap_days
        regimes = sorted({regime for f in feds for snap in f.gaps for regime in snap})
        empty = np.zeros((len(CONDITIONS), GAP_MONTHS), dtype=np.int64)
        s, k, m = np.meshgrid(np.arange(len(days)), np.arange(len(CONDITIONS)), np.arange(GAP_MONTHS), indexing="ij")
        for regime in regimes:
            hist = np.sum([np.stack([snap.get(regime, empty) for snap in f.gaps]) for f in feds], axis=0)
            frames.append(
                pd.DataFrame(
                    {
                        "regime": regime,
                        "replication": rep,
                        "day": np.asarray(days)[s.ravel()],
                        "condition": np.asarray(CONDITIONS)[k.ravel()],
                        "months_since_review": m.ravel(),
                        "patients": hist.ravel(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _front(df: pd.DataFrame, loaded: LoadedScenario) -> pd.DataFrame:
    """Put the identifying columns first: scenario, regime, replication, then the rest."""
    df.insert(0, "scenario", loaded.name)
    if "regime" not in df:  # a table with no rows
        df.insert(1, "regime", loaded.scenario.regime.policy)
    keys = ["scenario", "regime", "replication"]
    return df[[*keys, *(c for c in df.columns if c not in keys)]]
