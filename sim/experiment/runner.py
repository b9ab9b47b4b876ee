"""Run a scenario: every federation of every replication, serially or on a process pool.

Federations are independent (they share no staff), and each draws from its own
named streams, so the results do not depend on how the work is split: into
batches of federations on one clock (:func:`batches`), or across processes.
Serial and parallel runs agree bit for bit. Each federation's result is folded
into the tables as it arrives (:class:`~sim.experiment.assembly.Assembly`) and
released.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from sim.config import LoadedScenario
from sim.config.schema import Scenario
from sim.engine.capacity import AppointmentBook
from sim.engine.federation import Federation
from sim.engine.clock import DAYS_PER_YEAR
from sim.measures.recorder import FederationResult, Recorder
from sim.model.county import FederationModel, build_federations, federation_plan, list_sizes
from sim.experiment.assembly import Assembly, FederationPieces, Task, fold
from sim.experiment.schedulers import execute, slots
from sim.model.practice import Practice


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
    return simulate_batch(loaded, replication, [index])[0]


def simulate_batch(loaded: LoadedScenario, replication: int, indices: Sequence[int]) -> list[SimulatedFederation]:
    """Build federations ``indices`` on one clock, run them to the horizon and measure each
    (the same results as running each alone: :func:`~sim.model.county.build_federations`)."""
    sc = loaded.scenario
    models = build_federations(loaded, replication, indices)
    recorders = [Recorder(sc, model) for model in models]
    horizon = (sc.measures.warmup_years + sc.years) * DAYS_PER_YEAR
    engine = Federation(
        models[0].env, [p for m in models for p in m.practices], models[0].groups, [b for m in models for b in m.shared.values()],
        horizon, sc.clinical.step_days, sc.demand.max_wait_days, recorders,
    )
    with threadpool_limits(limits=1, user_api="blas"):  # small products: BLAS threads would only contend with workers
        engine.run()
    return [SimulatedFederation(model, recorder.finish(), sc, horizon) for model, recorder in zip(models, recorders, strict=True)]


def run_batch(loaded: LoadedScenario, replication: int, indices: Sequence[int]) -> list[FederationPieces]:
    """Simulate federations ``indices`` of the scenario for one replication (a task for any scheduler).

    The results are folded where they were simulated: the worker sends back compact pieces
    (about a fifth of a result's size), and the process assembling the tables only keeps them.
    """
    pieces = [fold(replication, simulated.result) for simulated in simulate_batch(loaded, replication, indices)]
    # The model is a web of cycles (SimPy processes, groups and their practices refer to each
    # other), so its arrays wait for the cyclic collector, which large arrays barely prompt:
    # a long-lived worker grew by about 100 MB a federation (1.7 GB after 150 of England's).
    gc.collect()
    return pieces


def run_federation(loaded: LoadedScenario, replication: int, index: int) -> FederationPieces:
    """:func:`run_batch` of one federation."""
    return run_batch(loaded, replication, [index])[0]


BATCH_PATIENTS = 300_000
"""Registered patients (at the start) a batch of federations is sized for: as many batches as the
scenario's patients over this, unless that would leave workers idle; batches come out within about
a tenth of it (England's 188: 296,000 to 332,000). A batch shares the fixed cost of each day's
vectorised calls among its federations and holds them all in memory at once: 35 practices of
``qof_county.yaml`` (275,000 patients, two simulated years) took 1.5x less CPU time as one batch
than federation by federation, and the process peaked at 1.1 GiB against 0.4 GiB."""


def batches(loaded: LoadedScenario, at_once: int = 1, workers: int | None = None) -> list[list[int]]:
    """Federations of one replication in batches, each one task.

    As few batches as :data:`BATCH_PATIENTS` allows, but enough that ``at_once`` replications
    (run side by side) keep ``workers`` busy. Federations are dealt out largest first, each to
    the batch with the fewest patients so far, so batches take about the same time. How
    federations are batched never changes a result, only the time and memory it takes.
    """
    sizes = list_sizes(loaded)
    patients = [int(sizes[federation].sum()) for federation in federation_plan(loaded)]
    busy = -(-(workers or os.cpu_count() or 1) // max(at_once, 1))
    n = min(len(patients), max(-(-sum(patients) // BATCH_PATIENTS), busy))
    chosen: list[list[int]] = [[] for _ in range(n)]
    held = [0] * n
    for federation in sorted(range(len(patients)), key=lambda f: (-patients[f], f)):
        lightest = min(range(n), key=lambda b: (held[b], b))
        chosen[lightest].append(federation)
        held[lightest] += patients[federation]
    return [sorted(batch) for batch in chosen]


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
    assembly = Assembly(loaded, tasks)
    plan = batches(loaded, len(replications), slots(scheduler, workers))
    calls = [((r, tuple(batch)), (loaded, r, batch)) for r in replications for batch in plan]
    with tqdm(total=len(tasks), desc=loaded.name, unit="federation", disable=not progress, leave=False) as bar:
        for (replication, batch), results in execute(run_batch, calls, scheduler, workers):
            for index in batch:
                assembly.add((replication, index), results.pop(0))  # folded and released: results are never all held
            bar.update(len(batch))
    return RunResult(
        scenario=loaded.name,
        tables=dict(assembly.tables()),
        replications=list(replications),
        patient_years=assembly.patient_years,
        seconds=time.perf_counter() - start,
    )
