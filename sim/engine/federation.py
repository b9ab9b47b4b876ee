"""A federation of practices simulated in one SimPy environment.

Practices in a federation share federation staff (their appointment books) and
so must share a clock; federations are independent of each other and are the
unit of parallel work.

Each working day one SimPy process opens every appointment book, lets each
practice take its answers, chase-ups and acute demand, then serves the routine
queues. Regimes add their own processes (recall searches, the year-end push);
a measurement process takes register snapshots and closes each financial year.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from sim.engine.capacity import AppointmentBook
from sim.vocabulary import CONDITIONS, FRAILTY, PRACTICE_ROLES
from sim.config import LoadedScenario
from sim.model.clinical.health import health_step
from sim.measures.snapshots import GAP_MONTHS, control_snapshot, register_snapshot
from sim.model.population import condition_intercepts, generate
from sim.model.practice import Practice
from sim.model.qof.achievement import achievement
from sim.engine.streams import Streams
from sim.engine.clock import DAYS_PER_MONTH, DAYS_PER_YEAR, FIRST_WEEKDAY, is_working_day, next_working_day, year_end

OUTCOME_MEASURES = frozenset(
    {"life_years", "qalys", "deaths", "cost_events", "emergency_admissions", "acsc_admissions",
     "new_diagnoses", "registrations", "left_list"}
)
"""Ledger measures reported in the ``outcomes`` table rather than ``activity``."""

COUNTY_UNIT = 2**31 - 1
"""Stream unit for county-level draws (practice list sizes), apart from every practice."""


def list_sizes(loaded: LoadedScenario) -> np.ndarray:
    """Registered list size of every practice: fixed by the seed, the same in every replication."""
    spec = loaded.scenario.practices
    rng = Streams(loaded.scenario.seed, 0, COUNTY_UNIT)["list_sizes"]
    if spec.count == 1 or spec.list_size_cv == 0:
        return np.full(spec.count, spec.list_size_mean, dtype=np.int64)
    sigma = np.sqrt(np.log1p(spec.list_size_cv**2))
    sizes = rng.lognormal(np.log(spec.list_size_mean) - sigma**2 / 2, sigma, spec.count)
    return np.maximum(np.round(sizes), 500).astype(np.int64)


def federation_plan(loaded: LoadedScenario) -> list[list[int]]:
    """Practice indices of each federation, in consecutive groups."""
    spec = loaded.scenario.practices
    ids = list(range(spec.count))
    return [ids[i : i + spec.federation_size] for i in range(0, spec.count, spec.federation_size)]


@dataclass
class FederationResult:
    """Tidy rows from one federation and replication, ready to concatenate."""

    snapshots: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[np.ndarray] = field(default_factory=list)
    gap_days: list[int] = field(default_factory=list)
    activity: list[dict[str, Any]] = field(default_factory=list)
    waits: list[dict[str, Any]] = field(default_factory=list)
    qof: list[dict[str, Any]] = field(default_factory=list)
    practices: list[dict[str, Any]] = field(default_factory=list)
    control: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    patients: dict[str, np.ndarray] = field(default_factory=dict)
    patient_conditions: dict[str, np.ndarray] = field(default_factory=dict)
    days: int = 0
    patient_years: float = 0.0
    alive: dict[int, int] = field(default_factory=dict)


class Federation:
    """Practices and shared staff of one federation, on one SimPy clock."""

    def __init__(self, loaded: LoadedScenario, replication: int, index: int, practices: list[int], sizes: np.ndarray):
        sc = loaded.scenario
        self.scenario = sc
        self.index = index
        self.env = simpy.Environment()
        self.warmup = sc.measures.warmup_years
        self.horizon = (self.warmup + sc.years) * DAYS_PER_YEAR
        intercepts = condition_intercepts(sc.population)
        federation_list = int(sum(sizes[p] for p in practices))
        self.shared = {
            sc.roles.index(name): AppointmentBook(
                self.env, sc.roles.index(name), s.fte_per_10000 * federation_list / 10_000, s.minutes_per_fte_day
            )
            for name, s in sorted(sc.federation.staff.items())
        }
        self.practices: list[Practice] = []
        for p in practices:
            streams = Streams(sc.seed, replication, p)
            pop = generate(sc.population, int(sizes[p]), streams["population"], intercepts)
            books = {**self._practice_books(pop.size), **self.shared}
            self.practices.append(Practice(p, index, sc, pop, books, streams, loaded.make_policy(), intercepts))
        self.result = FederationResult()
        self.result.practices = [
            {"practice": p.index, "federation": index, "list_size": p.pop.size, "register_patients": int(p.pop.has.any(axis=1).sum())}
            for p in self.practices
        ]

    def _practice_books(self, list_size: int) -> dict[int, AppointmentBook]:
        staff = self.scenario.staffing
        return {
            i: AppointmentBook(self.env, i, staff.fte_per_1000[r] * list_size / 1000, staff.minutes_per_fte_day[r])
            for i, r in enumerate(PRACTICE_ROLES)
        }

    # ------------------------------------------------------------------ run
    def run(self) -> FederationResult:
        for practice in self.practices:
            practice.policy.start(practice, np.arange(practice.pop.size), 0)
            for process in practice.policy.processes(practice, self.env):
                self.env.process(process)
        self.env.process(self._clinic_days())
        self.env.process(self._measurement())
        self.env.process(self._health())
        self.env.run(until=self.horizon)
        self._patient_tables()
        self.result.days = self.horizon
        self.result.patient_years = sum(p.pop.size for p in self.practices) * self.scenario.years
        self.result.alive = {p.index: int(p.pop.active.sum()) for p in self.practices}
        return self.result

    def _clinic_days(self) -> Generator[Any, Any, None]:
        day = 0 if is_working_day(0) else next_working_day(0)
        yield self.env.timeout(day + 0.5)
        max_wait = self.scenario.demand.max_wait_days
        while True:
            for practice in self.practices:
                extra = practice.policy.extra_sessions(practice, day)
                for role in range(len(PRACTICE_ROLES)):
                    practice.books[role].open_day(extra)
            for book in self.shared.values():
                book.open_day()
            for practice in self.practices:
                practice.begin_day(day)
            if (day + FIRST_WEEKDAY) % 7 == 0:  # Mondays: the past week's consultations
                for practice in self.practices:
                    practice.opportunistic_reviews(day, 7.0)
            for book in self._all_books():
                seen, gave_up = book.serve(day, max_wait)
                for request in seen:
                    request.owner.on_seen(request, book.role, day)
                for request in gave_up:
                    request.owner.on_gave_up(request)
            for practice in self.practices:
                practice.end_day(day)
            for book in self._all_books():
                book.close_day()
            nxt = next_working_day(day)
            yield self.env.timeout(nxt - day)
            day = nxt

    def _all_books(self) -> Generator[AppointmentBook, None, None]:
        for practice in self.practices:
            for role in range(len(PRACTICE_ROLES)):
                yield practice.books[role]
        yield from self.shared.values()

    def _health(self) -> Generator[Any, Any, None]:
        """Monthly (``clinical.step_days``) events, deaths, diagnoses and moves, after the day's clinics."""
        step = self.scenario.clinical.step_days
        day = step
        while day < self.horizon:
            yield self.env.timeout(day + 0.8 - self.env.now)
            for practice in self.practices:
                health_step(practice, day, step)
                practice.refresh_demand()
            day += step

    # ----------------------------------------------------------- measuring
    def _measurement(self) -> Generator[Any, Any, None]:
        per_year = self.scenario.measures.snapshots_per_year
        for fy in range(self.warmup):
            yield self.env.timeout(year_end(fy) + 0.9 - self.env.now)
            self._discard_year()
        for fy in range(self.warmup, self.warmup + self.scenario.years):
            for q in range(per_year):
                day = fy * DAYS_PER_YEAR + round((q + 1) * DAYS_PER_YEAR / per_year) - 1
                yield self.env.timeout(day + 0.9 - self.env.now)
                self._snapshot(day, fy)
            self._close_year(fy)

    def _discard_year(self) -> None:
        """Warm-up: counts so far are not reported."""
        for practice in self.practices:
            practice.ledger.flush()
        for book in self._all_books():
            book.close_period()

    def _snapshot(self, day: int, fy: int) -> None:
        hist = np.zeros((len(CONDITIONS), GAP_MONTHS), dtype=np.int64)
        for practice in self.practices:
            rows, h = register_snapshot(practice, day)
            hist += h
            keys = {"practice": practice.index, "federation": self.index, "day": day, "year": fy}
            self.result.snapshots.extend({**keys, **row} for row in rows)
            self.result.control.extend({**keys, **row} for row in control_snapshot(practice, day))
        self.result.gaps.append(hist)
        self.result.gap_days.append(day)

    def _close_year(self, fy: int) -> None:
        day = year_end(fy)
        roles = self.scenario.roles
        for practice in self.practices:
            keys = {"practice": practice.index, "federation": self.index, "year": fy}
            self.result.qof.extend({**keys, **row} for row in achievement(practice, day))
            totals, waits = practice.ledger.flush()
            for (measure, role, condition), value in sorted(totals.items()):
                table = self.result.outcomes if measure in OUTCOME_MEASURES or measure.startswith("event_") else self.result.activity
                table.append({**keys, "measure": measure, "role": role, "condition": condition, "value": value})
            for role in range(len(PRACTICE_ROLES)):
                self.result.activity.append(
                    {**keys, "measure": "minutes_available", "role": roles[role], "condition": "", "value": practice.books[role].close_period()}
                )
            for kind, name in enumerate(("other", "ltc")):
                for wait in np.flatnonzero(waits[kind]):
                    self.result.waits.append({**keys, "kind": name, "wait_days": int(wait), "appointments": int(waits[kind, wait])})
        for role, book in self.shared.items():
            self.result.activity.append(
                {"practice": -1, "federation": self.index, "year": fy, "measure": "minutes_available", "role": roles[role], "condition": "", "value": book.close_period()}
            )

    def _patient_tables(self) -> None:
        day = self.horizon - 1
        tables: dict[str, list[np.ndarray]] = {}
        cond_tables: dict[str, list[np.ndarray]] = {}
        for practice in self.practices:
            pop, care = practice.pop, practice.care
            ids = np.flatnonzero(pop.has.any(axis=1) & pop.active)
            since = (day - care.last_delivered[ids]) / DAYS_PER_MONTH
            cols = {
                "practice": np.full(len(ids), practice.index),
                "patient": ids,
                "pid": pop.pid[ids],
                "age": np.round(pop.age[ids] + self.scenario.years, 1),
                "male": pop.male[ids],
                "frailty": np.array(FRAILTY)[pop.frailty[ids]],
                "n_conditions": pop.has[ids].sum(axis=1),
                "visits": care.visits[ids],
                "letters": care.letters_total[ids],
                "exceptions": care.exceptions[ids],
                "p_respond": np.round(pop.p_respond[ids], 4),
                "p_attend": np.round(pop.p_attend[ids], 4),
            }
            for name, col in cols.items():
                tables.setdefault(name, []).append(col)
            rows, k = np.nonzero(pop.has[ids])
            ccols = {
                "practice": np.full(len(rows), practice.index),
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


def run_federation(loaded: LoadedScenario, replication: int, index: int) -> FederationResult:
    """Simulate federation ``index`` of the scenario for one replication."""
    plan = federation_plan(loaded)
    return Federation(loaded, replication, index, plan[index], list_sizes(loaded)).run()
