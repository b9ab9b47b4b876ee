"""A scenario's long tables, assembled as its federations' results arrive.

A national run has about 940 federations. Holding every federation's result until the
last one arrives, then concatenating, needs the results and the tables in memory at once.
Instead each result is folded (:func:`fold`, in the worker that simulated it) into one
compressed Arrow piece per table, about a fifth of the result's size, and its months-since-review
histograms per regime. :meth:`Assembly.add` keeps the pieces and adds the histograms to
its replication's as each federation arrives; nothing else of the result is kept.
:meth:`Assembly.tables` concatenates the pieces in the order of the tasks, whatever order
the federations finished in, so serial, pool and Dask runs give identical tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.config import LoadedScenario
from sim.measures.recorder import FederationResult
from sim.measures.snapshots import GAP_MONTHS
from sim.vocabulary import CONDITIONS

Task = tuple[int, int]
"""(replication, federation)."""

TABLES = ("practices", "snapshots", "control", "activity", "outcomes", "quarterly_outcomes", "waits", "qof", "patients", "patient_conditions")
"""Tables concatenated from every federation's rows, in the order they are written."""


@dataclass
class FederationPieces:
    """A federation's result, folded: what the tables need of it, compact enough to hold by the thousand."""

    tables: dict[str, pa.Buffer]
    """Per table of :data:`TABLES`, its rows with their replication (:func:`piece`)."""
    gaps: dict[str, np.ndarray]
    """Per regime, patients ``[snapshot, condition, month since review]``."""
    gap_days: list[int]
    patient_years: float


def fold(replication: int, result: FederationResult) -> FederationPieces:
    """Fold a federation's result of replication ``replication`` into :class:`FederationPieces`."""
    empty = np.zeros((len(CONDITIONS), GAP_MONTHS), dtype=np.int64)
    regimes = {regime for snap in result.gaps for regime in snap}
    return FederationPieces(
        tables={name: piece(getattr(result, name), replication) for name in TABLES},
        gaps={regime: np.stack([snap.get(regime, empty) for snap in result.gaps]) for regime in regimes},
        gap_days=[int(day) for day in result.gap_days],
        patient_years=result.patient_years,
    )


@dataclass
class GapTotals:
    """One replication's months-since-review histograms, summed over its federations so far."""

    days: list[int] | None = None
    """Snapshot days (the same in every federation of a scenario)."""
    by_regime: dict[str, np.ndarray] = field(default_factory=dict)
    """Per regime, patients ``[snapshot, condition, month]``."""

    def add(self, pieces: FederationPieces) -> None:
        if self.days is None:
            self.days = pieces.gap_days
        elif pieces.gap_days != self.days:
            raise ValueError(f"federations of one replication took snapshots on different days: {self.days} and {pieces.gap_days}")
        for regime, counts in pieces.gaps.items():
            self.by_regime[regime] = self.by_regime[regime] + counts if regime in self.by_regime else counts

    def frames(self, replication: int) -> Iterator[pd.DataFrame]:
        """The histogram, long: one row per regime, snapshot day, condition and month."""
        days = np.asarray(self.days)
        s, k, m = np.meshgrid(np.arange(len(days)), np.arange(len(CONDITIONS)), np.arange(GAP_MONTHS), indexing="ij")
        for regime in sorted(self.by_regime):
            yield pd.DataFrame(
                {
                    "regime": regime,
                    "replication": replication,
                    "day": days[s.ravel()],
                    "condition": np.asarray(CONDITIONS)[k.ravel()],
                    "months_since_review": m.ravel(),
                    "patients": self.by_regime[regime].ravel(),
                }
            )


class Assembly:
    """Folds the results of ``tasks`` as they arrive, in any order, into the scenario's tables.

    Memory grows with the pieces (compressed rows: per practice, unless the scenario asks
    for patient-level tables), never with the results.
    """

    def __init__(self, loaded: LoadedScenario, tasks: Sequence[Task]) -> None:
        self.loaded = loaded
        self.tasks = list(tasks)
        if len(set(self.tasks)) != len(self.tasks):
            raise ValueError("a task is listed twice")
        self._expected = set(self.tasks)
        self._pieces: dict[str, dict[Task, pa.Buffer]] = {name: {} for name in TABLES}
        self._gaps = {replication: GapTotals() for replication, _ in self.tasks}
        self._patient_years: dict[Task, float] = {}

    def add(self, task: Task, result: FederationPieces | FederationResult) -> None:
        """Take in federation ``task``'s result, folded (or folded here); nothing else of it is kept."""
        if task not in self._expected:
            raise ValueError(f"task {task} is not one of this assembly's")
        if task in self._patient_years:
            raise ValueError(f"task {task} arrived twice")
        pieces = result if isinstance(result, FederationPieces) else fold(task[0], result)
        for name in TABLES:
            self._pieces[name][task] = pieces.tables[name]
        self._gaps[task[0]].add(pieces)
        self._patient_years[task] = pieces.patient_years

    @property
    def arrived(self) -> int:
        return len(self._patient_years)

    @property
    def complete(self) -> bool:
        return self.arrived == len(self.tasks)

    @property
    def patient_years(self) -> float:
        """Patient-years simulated, summed in task order (the same whatever the arrival order)."""
        return sum(self._patient_years[task] for task in self.tasks if task in self._patient_years)

    def tables(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """Each long table, keyed by scenario, regime and replication, in task order.

        Tables are built one at a time as they are asked for, and each table's pieces are
        released as it is built: iterate once, after every task has arrived.
        ``regime`` is each practice's regime when the row was measured, so a mixed county
        (some practices in a scheme) splits by a group-by.
        """
        missing = [task for task in self.tasks if task not in self._patient_years]
        if missing:
            raise ValueError(f"{len(missing)} federation result(s) have not arrived, e.g. {missing[0]}")
        for name in TABLES:
            pieces = self._pieces[name]
            yield name, front(concat([unpiece(pieces.pop(task)) for task in self.tasks]), self.loaded)
        gaps = [frame for replication, totals in self._gaps.items() for frame in totals.frames(replication)]
        yield "gaps", front(pd.concat(gaps, ignore_index=True), self.loaded)
        rates = self.loaded.scenario.clinical.cost_per_hour
        yield "cost_rates", pd.DataFrame({"scenario": self.loaded.name, "role": list(rates), "cost_per_hour": list(rates.values())})


COMPRESSION = pa.ipc.IpcWriteOptions(compression="zstd")


def piece(rows: object, replication: int) -> pa.Buffer:
    """A federation's rows of one table, with their replication, as a compressed Arrow stream.

    The stream keeps the frame's pandas dtypes (in its schema's metadata), so a piece
    reads back equal to the frame written.
    """
    table = pa.Table.from_pandas(pd.DataFrame(rows).assign(replication=replication), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=COMPRESSION) as writer:
        writer.write_table(table)
    return sink.getvalue()


def unpiece(data: pa.Buffer | bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def concat(pieces: list[pa.Table]) -> pd.DataFrame:
    """The pieces' rows as one frame, as pandas would concatenate the pieces' frames.

    Pieces alike (the same columns, types and pandas dtypes: the usual case) are joined
    as Arrow and converted once, which is several times quicker than converting each;
    otherwise (e.g. a federation with no rows of the table) pandas unifies their dtypes.
    """
    first = pieces[0].schema
    if all(p.schema.equals(first, check_metadata=True) for p in pieces):
        return pa.concat_tables(pieces).to_pandas()
    return pd.concat([p.to_pandas() for p in pieces], ignore_index=True)


def front(df: pd.DataFrame, loaded: LoadedScenario) -> pd.DataFrame:
    """Put the identifying columns first: scenario, regime, replication, then the rest."""
    df.insert(0, "scenario", loaded.name)
    if "regime" not in df:  # a table with no rows
        df.insert(1, "regime", loaded.scenario.regime.policy)
    keys = ["scenario", "regime", "replication"]
    return df[[*keys, *(c for c in df.columns if c not in keys)]]
