"""Run a scenario: every federation of every replication, serially or on a process pool.

Federations are independent (they share no staff or clock), and each draws
from its own named streams, so the results do not depend on how the work is
split across processes: serial and parallel runs agree bit for bit. Each
federation's result is folded into the tables as it arrives
(:class:`~sim.experiment.assembly.Assembly`) and released.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from tqdm import tqdm

from sim.config import LoadedScenario
from sim.config.schema import Scenario
from sim.engine.capacity import AppointmentBook
from sim.engine.federation import Federation
from sim.engine.clock import DAYS_PER_YEAR
from sim.measures.recorder import FederationResult, Recorder
from sim.model.county import FederationModel, build_federation, federation_plan
from sim.experiment.assembly import Assembly, FederationPieces, Task, fold
from sim.experiment.schedulers import execute
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
    sc = loaded.scenario
    model = build_federation(loaded, replication, index)
    recorder = Recorder(sc, model)
    horizon = (sc.measures.warmup_years + sc.years) * DAYS_PER_YEAR
    engine = Federation(model.env, model.practices, model.groups, model.shared, horizon, sc.clinical.step_days, sc.demand.max_wait_days, recorder)
    engine.run()
    return SimulatedFederation(model, recorder.finish(), sc, horizon)


def run_federation(loaded: LoadedScenario, replication: int, index: int) -> FederationPieces:
    """Simulate federation ``index`` of the scenario for one replication (a task for any scheduler).

    The result is folded where it was simulated: the worker sends back compact pieces
    (about a fifth of the result's size), and the process assembling the tables only keeps them.
    """
    pieces = fold(replication, simulate_federation(loaded, replication, index).result)
    # The model is a web of cycles (SimPy processes, groups and their practices refer to each
    # other), so its arrays wait for the cyclic collector, which large arrays barely prompt:
    # a long-lived worker grew by about 100 MB a federation (1.7 GB after 150 of England's).
    gc.collect()
    return pieces


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
    calls = [(task, (loaded, *task)) for task in tasks]
    with tqdm(total=len(tasks), desc=loaded.name, unit="federation", disable=not progress, leave=False) as bar:
        for task, result in execute(run_federation, calls, scheduler, workers):
            assembly.add(task, result)  # folded and released: results are never all held
            bar.update()
    return RunResult(
        scenario=loaded.name,
        tables=dict(assembly.tables()),
        replications=list(replications),
        patient_years=assembly.patient_years,
        seconds=time.perf_counter() - start,
    )
