"""Measurement of one federation's run: tidy rows of snapshots, activity, outcomes, waits and QOF.

The engine calls :meth:`Recorder.schedule`'s actions at the measurement phase of
their days: at the end of each warm-up year counts are discarded; in measured years,
register and control snapshots are taken ``snapshots_per_year`` times, with the
outcomes counted since the last snapshot, and each financial year is closed (QOF
achievement, activity and outcome totals, waits, minutes available).
:meth:`Recorder.finish` adds the patient-level tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.config.schema import Scenario
from sim.engine.arrays import any_by_row
from sim.engine.capacity import ACUTE, REVIEW, WORK_OF, AppointmentBook
from sim.engine.clock import DAYS_PER_MONTH, DAYS_PER_YEAR, year_end
from sim.measures.snapshots import control_snapshot, register_snapshot
from sim.model.county import FederationModel
from sim.model.practice import Practice
from sim.model.qof.achievement import achievement
from sim.vocabulary import CONDITIONS, FRAILTY

SHARED = "shared"
"""``regime`` of rows about federation staff, who may serve practices under either regime."""


@dataclass
class FederationResult:
    """Tidy rows from one federation and replication, ready to concatenate."""

    snapshots: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, np.ndarray]] = field(default_factory=list)
    """Per snapshot, the months-since-review histogram ``[condition, month]`` of each regime."""
    gap_days: list[int] = field(default_factory=list)
    activity: list[dict[str, Any]] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)
    qof: list[dict[str, Any]] = field(default_factory=list)
    practices: list[dict[str, Any]] = field(default_factory=list)
    control: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    quarterly_outcomes: list[dict[str, Any]] = field(default_factory=list)
    """Outcomes (events, admissions, deaths, life-years) counted between one snapshot and the next."""
    patients: dict[str, np.ndarray] = field(default_factory=dict)
    patient_conditions: dict[str, np.ndarray] = field(default_factory=dict)
    days: int = 0
    patient_years: float = 0.0
    alive: dict[int, int] = field(default_factory=dict)

    def compact(self) -> FederationResult:
        """The same result with every list of rows turned into a columnar table.

        A worker sends this back: columns pickle and hold far smaller than lists of
        dicts, so a national run keeps one small table per federation, not millions of dicts.
        """
        for name in ROW_TABLES:
            rows = getattr(self, name)
            if isinstance(rows, list):
                setattr(self, name, pd.DataFrame(rows))
        return self


ROW_TABLES = ("practices", "snapshots", "control", "activity", "outcomes", "quarterly_outcomes", "waits", "qof")
"""Tables recorded as lists of row dicts during the run."""


class Recorder:
    """Collects one federation's measures as the run goes."""

    def __init__(self, scenario: Scenario, model: FederationModel) -> None:
        self.scenario = scenario
        self.index = model.index
        self.practices: list[Practice] = model.practices
        self.shared = model.shared
        self.warmup = scenario.measures.warmup_years
        self.horizon = (self.warmup + scenario.years) * DAYS_PER_YEAR
        self.result = FederationResult()
        self._registers = {p.index: int(p.pop.has.any(axis=1).sum()) for p in self.practices}
        self._counted: dict[int, dict[tuple[str, str, str], float]] = {}
        """Each practice's outcome totals for the year so far at its last snapshot."""

    def _books(self) -> Iterator[AppointmentBook]:
        for practice in self.practices:
            yield from practice.practice_books
        yield from self.shared.values()

    def schedule(self) -> Iterator[tuple[int, Callable[[], None]]]:
        """Measurement days and what to do on each, in time order."""
        per_year = self.scenario.measures.snapshots_per_year
        for fy in range(self.warmup):
            yield year_end(fy), self._discard_year
        for fy in range(self.warmup, self.warmup + self.scenario.years):
            for q in range(per_year):
                day = fy * DAYS_PER_YEAR + round((q + 1) * DAYS_PER_YEAR / per_year) - 1
                yield day, lambda day=day, fy=fy: self._snapshot(day, fy)
            yield year_end(fy), lambda fy=fy: self._close_year(fy)

    def _discard_year(self) -> None:
        """Warm-up: counts so far are not reported."""
        for practice in self.practices:
            practice.ledger.flush()
        self._counted.clear()
        for book in self._books():
            book.close_period()

    def _keys(self, practice: Practice, **more: Any) -> dict[str, Any]:
        return {"practice": practice.index, "federation": self.index, "regime": practice.regime, **more}

    def _snapshot(self, day: int, fy: int) -> None:
        hist: dict[str, np.ndarray] = {}
        for practice in self.practices:
            rows, h = register_snapshot(practice, day)
            hist[practice.regime] = hist.get(practice.regime, 0) + h
            keys = self._keys(practice, day=day, year=fy)
            self.result.snapshots.extend({**keys, **row} for row in rows)
            self.result.control.extend({**keys, **row} for row in control_snapshot(practice, day))
            self._quarter_outcomes(practice, keys)
        self.result.gaps.append(hist)
        self.result.gap_days.append(day)

    def _quarter_outcomes(self, practice: Practice, keys: dict[str, Any]) -> None:
        """Outcomes since the practice's last snapshot: the ledger's year-to-date totals less those then."""
        before = self._counted.get(practice.index, {})
        now = dict(practice.ledger.outcomes)
        for key, value in sorted(now.items()):
            measure, _, condition = key
            self.result.quarterly_outcomes.append({**keys, "measure": measure, "condition": condition, "value": value - before.get(key, 0.0)})
        self._counted[practice.index] = now

    def _close_year(self, fy: int) -> None:
        day = year_end(fy)
        roles = self.scenario.roles
        for practice in self.practices:
            keys = self._keys(practice, year=fy)
            self.result.qof.extend({**keys, **row} for row in achievement(practice, day))
            activity, outcomes, waits = practice.ledger.flush()
            for (measure, role, condition, purpose), value in sorted(activity.items()):
                self.result.activity.append(
                    {**keys, "measure": measure, "role": role, "condition": condition, "purpose": purpose, "value": value}
                )
            for (measure, role, condition), value in sorted(outcomes.items()):
                self.result.outcomes.append({**keys, "measure": measure, "role": role, "condition": condition, "value": value})
            self._counted.pop(practice.index, None)
            for role, book in enumerate(practice.practice_books):
                self.result.activity.append(
                    {**keys, "measure": "minutes_available", "role": roles[role], "condition": "", "purpose": "", "value": book.close_period()}
                )
            for kind in (ACUTE, REVIEW):
                for wait in np.flatnonzero(waits[kind]):
                    self.result.waits.append({**keys, "kind": WORK_OF[kind], "wait_days": int(wait), "appointments": int(waits[kind, wait])})
        fed_list = sum(p.pop.size for p in self.practices)
        for role, book in self.shared.items():
            keys = {"practice": -1, "federation": self.index, "regime": SHARED, "year": fy, "role": roles[role], "condition": ""}
            self.result.activity.append({**keys, "measure": "minutes_available", "purpose": "", "value": book.close_period()})
            staff = self.scenario.federation.staff[roles[role]]
            cost = staff.fte_per_10000 * fed_list / 10_000 * staff.cost_gbp_per_fte_year
            self.result.activity.append({**keys, "measure": "staff_cost_gbp", "purpose": f"funded_by_{staff.funded_by}", "value": cost})

    def finish(self) -> FederationResult:
        """The practices table, patient-level tables at the end of the run, and the run's totals."""
        self.result.practices = [
            {
                **self._keys(p), "deprivation_quintile": p.quintile, "list_size": p.pop.size,
                "register_patients": self._registers[p.index],
            }
            for p in self.practices
        ]
        if self.scenario.measures.patient_tables:
            self._patient_tables()
        self.result.days = self.horizon
        self.result.patient_years = sum(p.pop.size for p in self.practices) * self.scenario.years
        self.result.alive = {p.index: int(p.pop.active.sum()) for p in self.practices}
        return self.result

    def _patient_tables(self) -> None:
        day = self.horizon - 1
        tables: dict[str, list[np.ndarray]] = {}
        cond_tables: dict[str, list[np.ndarray]] = {}
        for practice in self.practices:
            pop, care = practice.pop, practice.care
            ids = np.flatnonzero(any_by_row(pop.has) & pop.active)
            since = (day - care.last_delivered[ids]) / DAYS_PER_MONTH
            cols = {
                "practice": np.full(len(ids), practice.index),
                "regime": np.full(len(ids), practice.regime),
                "patient": ids,
                "pid": pop.pid[ids],
                "age": np.round(pop.age[ids] + self.horizon / DAYS_PER_YEAR, 1),  # warm-up years included
                "male": pop.male[ids],
                "frailty": np.array(FRAILTY)[pop.frailty[ids]],
                "n_conditions": pop.has[ids].sum(axis=1),
                "visits": care.visits[ids],
                "letters": practice.recall.letters_total[ids],
                "exceptions": care.exceptions[ids],
                "p_respond": np.round(pop.p_respond[ids], 4),
                "p_attend": np.round(pop.p_attend[ids], 4),
            }
            for name, col in cols.items():
                tables.setdefault(name, []).append(col)
            rows, k = np.nonzero(pop.has[ids])
            ccols = {
                "practice": np.full(len(rows), practice.index),
                "regime": np.full(len(rows), practice.regime),
                "patient": ids[rows],
                "pid": pop.pid[ids[rows]],
                "condition": np.array(CONDITIONS)[k],
                "reviews": care.reviews[ids[rows], k],
                "months_since_review": np.round(np.minimum(since[rows, k], 999.0), 2),
            }
            for name, col in ccols.items():
                cond_tables.setdefault(name, []).append(col)
        self.result.patients = {k: np.concatenate(v) for k, v in tables.items()}
        self.result.patient_conditions = {k: np.concatenate(v) for k, v in cond_tables.items()}
