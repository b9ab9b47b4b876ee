"""One general practice: its patients, appointment books, ledger, list and acute demand.

Patient state lives in arrays (one row per patient), kept in one block with the
other practices of its federation that share its regime
(:class:`~sim.model.group.PracticeGroup`): the practice's arrays are views of its
rows there. The group runs the recall work (answers, bookings, reviews, coding)
for all its practices at once; the practice keeps what is its own: its books and
the routine queue, acute demand, its list (the diagnoses, deaths, moves and
registrations the group's health step reports to it), flu clinics and its ledger.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from operator import itemgetter
from typing import Any, Protocol

import numpy as np
import simpy

from sim.config.clinical import FACTORS
from sim.config.schema import Scenario
from sim.engine.arrays import any_by_row, max_by_row
from sim.engine.capacity import ACUTE, CONTACT, REVIEW, WAIT_BINS, WORK_OF, AppointmentBook, Request, RequestKind
from sim.engine.clock import DAYS_PER_YEAR, NEVER, Phase, previous_working_day
from sim.engine.streams import Streams
from sim.model.admin import AdminClerk
from sim.model.clinical.health import HealthModel
from sim.model.clinical.state import ClinicalState
from sim.model.demand import AcuteDemand
from sim.model.ledger import Ledger
from sim.model.policies.base import Policy
from sim.model.population import Population, Registrants
from sim.model.qof.achievement import pre_scheme_income
from sim.model.qof.care import QofCare, statin_steps
from sim.model.qof.income import protected_income
from sim.model.qof.indicators import Indicators
from sim.model.qof.recording import seed_items
from sim.model.recall import IDLE, RecallState
from sim.model.record import CareRecord
from sim.vocabulary import CONDITIONS, PRACTICE_ROLES
from sim.model.desk import RecallDesk

_WORK_MEASURES = {kind: (f"minutes_{work}", f"appointments_{work}") for kind, work in WORK_OF.items()}
"""Ledger measures of the minutes and appointments of each kind of request."""


class OwnGroup(Protocol):
    """What a practice asks of its group (a :class:`sim.model.group.PracticeGroup`)."""

    policy: Policy
    regime: str
    desk: RecallDesk
    pop: Population

    def seen(self, kind: RequestKind, ids: np.ndarray, role: int) -> None: ...


class Practice:
    """A practice's patients (views of its group's block), appointment books, ledger, list and acute demand."""

    def __init__(
        self,
        index: int,
        federation: int,
        scenario: Scenario,
        population: Population,
        books: Mapping[int, AppointmentBook],
        streams: Streams,
        intercepts: np.ndarray,
        quintile: int = 3,
    ) -> None:
        self.index = index
        self.federation = federation
        self.quintile = quintile
        """Deprivation quintile, 1 least to 5 most deprived."""
        self.scenario = scenario
        self.pop = population
        self.books = books
        self.streams = streams
        self.indicators = Indicators(scenario.indicators)
        self.intercepts = intercepts
        self.care = CareRecord(population.size, len(self.indicators), len(FACTORS))
        self.recall = RecallState(population.size)
        self.ledger = Ledger(scenario.roles)
        self.admin: AdminClerk | None = None
        """Counts the administrative work of the practice's regime (set when it joins a group)."""
        self.group: OwnGroup | None = None
        self.rows = slice(0, population.size)
        """The practice's rows among its group's."""
        self.acute = AcuteDemand(scenario.demand, population)
        self._minutes: list[float] = self.acute.minutes.tolist()
        """Minutes of an acute consultation with each role."""
        self._diary: dict[int, dict[int, list[tuple[int, int]]]] = {}
        """Routine requests for a later day the patient chose: day -> role -> (day asked, count), in order of asking."""
        self._released = -1
        """Last day the diary was released."""
        self.clinical = ClinicalState(scenario.clinical, population, streams.for_people("clinical", population.pid))
        first_pid = int(population.pid[0]) if population.size else 0
        self.registrants = Registrants(scenario.population, streams["registrations"], intercepts, first_pid + population.size)
        self.health_model = HealthModel(scenario, intercepts, population.size)
        dep = scenario.deprivation
        grounds = dep.multiplier(dep.exception_ratio, quintile)
        self.qof_care = QofCare(scenario, self.indicators, population, streams["qof_care"], streams, grounds)
        self.qof_care.statin_steps = statin_steps(self.clinical.steps)
        self._seed_history(np.arange(population.size), 0)

    def join_group(self, group: OwnGroup, rows: slice) -> None:
        """Join ``group``, which now holds this practice's patients as ``rows`` of its block."""
        self.group, self.rows = group, rows
        self.qof_care.statin_steps = statin_steps(self.clinical.steps)  # a view of the block now
        self.admin = AdminClerk(group.policy.params.admin, self.ledger, self.scenario.roles)

    @property
    def policy(self) -> Policy:
        return self._group().policy

    @property
    def regime(self) -> str:
        """The regime in force (its ``regime.policy`` name); changes if the practice switches."""
        return self._group().regime

    def _group(self) -> OwnGroup:
        assert self.group is not None, "a practice runs as part of a PracticeGroup"
        return self.group

    # ---------------------------------------------------------- the run
    def start(self, env: simpy.Environment) -> None:
        """The practice's own activities: flu clinics; a practice not paid on achievement keeps its income."""
        if not self.policy.paid_on_achievement:
            self.qof_care.protected = protected_income(self, 0)
        env.process(self._flu_clinics(env))

    def _flu_clinics(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        """Flu clinics each autumn, whatever the regime (the flu vaccination service is not QOF)."""
        for day in self.qof_care.clinic_days():
            yield Phase.CLINIC.wait(env, day)
            self.ledger.add("flu_vaccinations", self.qof_care.flu_clinic(day))

    def leaving(self, old: Policy, new: Policy, day: int) -> None:
        """The practice's group switches from ``old`` to ``new`` at ``day``: leaving QOF payment keeps last year's income."""
        if old.paid_on_achievement and not new.paid_on_achievement:
            self.qof_care.protected = pre_scheme_income(self, day)
        self.admin = AdminClerk(new.params.admin, self.ledger, self.scenario.roles)

    def extra_sessions(self, day: int) -> float:
        return self.policy.extra_sessions(day)

    # ---------------------------------------------------------- membership
    def _seed_history(self, rows: np.ndarray, day: int) -> None:
        """Reviews before the run (or before joining), with what they measured and coded."""
        care, ind = self.care, self.indicators
        care.seed_history(
            rows, self.pop.has[rows], ind.condition, self.streams.for_people("history", self.pop.pid[rows]),
            self.scenario.population.history_combined_share, day,
        )
        monitored = self.clinical.monitored  # [factor, condition]
        last = np.where(self.pop.has[rows], care.last_delivered[rows], NEVER)
        levels = self.clinical.levels(rows, day)
        for j in range(len(FACTORS)):
            seen = max_by_row(np.where(monitored[j][None, :], last, NEVER))
            known = (seen > NEVER) & self.clinical.has_factor[rows, j]
            care.measured_day[rows, j] = np.where(known, seen, NEVER)
            care.measured_value[rows, j] = np.where(known, levels[:, j], np.nan)
        outcome = np.flatnonzero(ind.outcome)
        care.recorded_value[np.ix_(rows, outcome)] = care.measured_value[rows][:, ind.factor[outcome]]
        seed_items(self, rows)

    def diagnose(self, ids: np.ndarray, k: int, day: int) -> None:
        """New diagnoses of condition ``k``: on the register, never reviewed for it yet."""
        if len(ids) == 0:
            return
        self.pop.has[ids, k] = True
        self.care.diagnosed[ids, k] = day
        self.ledger.outcome("new_diagnoses", len(ids), condition=CONDITIONS[k])
        self.clinical.diagnose(ids, k, day, self.streams.for_people("diagnosis", self.pop.pid[ids], k))
        self._group().desk.diagnosed(ids + self.rows.start, k, day)

    def remove(self, ids: np.ndarray) -> None:
        """Patients who died or left: no further reviews, events or letters."""
        if len(ids) == 0:
            return
        self.pop.active[ids] = False
        self._group().desk.close(ids + self.rows.start)

    def register_new(self, rows: np.ndarray, day: int) -> None:
        """New registrants take the empty rows, with their own history of reviews."""
        if len(rows) == 0:
            return
        self.registrants.refill(self.pop, rows, day / DAYS_PER_YEAR)
        self.care.open(rows, day)
        self._seed_history(rows, day)
        self.clinical.init_rows(rows, self.pop, self.streams.for_people("clinical", self.pop.pid[rows]), day)
        self.qof_care.join(rows, day)
        self.ledger.outcome("registrations", len(rows))
        self._group().desk.start(rows + self.rows.start, day)

    def outcome(self, measure: str, ids: np.ndarray, values: np.ndarray | None = None, scale: float = 1.0, always: bool = True) -> None:
        """Count an outcome for these patients (:class:`~sim.model.clinical.health.ListKeeper`)."""
        if len(ids) or always:
            self.ledger.outcome(measure, len(ids) if values is None else float(values.sum() * scale))

    # -------------------------------------------------------------- the day
    def acute_demand(self, day: int, counts: np.ndarray | None = None) -> None:
        """Today's acute demand: ``counts`` of ``[same-day, routine] x role`` requests (drawn here if not given)."""
        if counts is None:
            counts = self.acute.draw(self.streams["acute"])
        same_day, routine = counts.tolist()  # tens of small counts: Python numbers cost less than NumPy calls
        self._release_diary(day)
        self._released = day
        for role, n in enumerate(same_day):
            if n:
                self._same_day(n, self._minutes[role], role)
        self._routine(routine, day)

    def _routine(self, counts: list[int], day: int) -> None:
        """Routine requests (``counts`` by role): for the next free appointment (``routine_lead_days`` 0), or for
        a day of the patient's choosing, from the next day on (``1 + floor(Exp(routine_lead_days))`` days ahead)."""
        mean_lead = self.scenario.demand.routine_lead_days
        if mean_lead <= 0:
            for role, n in enumerate(counts):
                if n:
                    self.books[role].book(Request(day, ACUTE, self, count=n, unit=self._minutes[role]))
            return
        total = sum(counts)
        if total == 0:
            return
        leads = self.streams["booking"].exponential(mean_lead, total).astype(np.int64)  # whole days (floor); roles in order
        diary, first = self._diary, day + 1
        end = 0
        for role, n in enumerate(counts):
            if n:
                start, end = end, end + n
                for lead, k in enumerate(np.bincount(leads[start:end]).tolist()):  # requests for each day ahead
                    if k:
                        diary.setdefault(first + lead, {}).setdefault(role, []).append((day, k))

    def _release_diary(self, day: int) -> None:
        """Requests for a chosen day join the queue on it (or the next working day); waits count from asking."""
        waiting: dict[int, list[tuple[int, int]]] = {}
        for when in range(self._released + 1, day + 1):  # the days since the last release, in order
            for role, counts in self._diary.pop(when, {}).items():
                if role in waiting:
                    waiting[role] += counts
                else:
                    waiting[role] = counts
        for role, counts in waiting.items():  # one request per role, patients in order of asking
            total = sum(map(itemgetter(1), counts))
            self.books[role].book(Request(day, ACUTE, self, count=total, unit=self._minutes[role], asked=counts[0][0], asked_counts=counts))

    def _same_day(self, n: int, minutes: float, role: int) -> None:
        book = self.books[role]
        k = min(n, int((book.free + 1e-9) // minutes))
        if k:
            book.take(k * minutes)
            self._count_work(role, ACUTE, k * minutes, k)
            self.ledger.add_role("same_day_seen", role, k)
        if n > k:
            self.ledger.add_role("same_day_unmet", role, n - k)

    def on_seen(self, request: Request, role: int, day: int) -> None:
        """Patients whose routine appointment came up today."""
        if request.kind == ACUTE:
            counts = request.asked_counts or [(request.asked_day, request.count)]
            # seen by the next working day after asking: asked on or after the last working day before today
            self.ledger.routine_seen(role, request.unit, counts, day, request.day, previous_working_day(day))
            return
        if request.kind != CONTACT:
            self.ledger.waits[request.kind, min(day - request.asked_day, WAIT_BINS - 1)] += request.size
        ids = request.ids  # rows of the group's block
        assert ids is not None and request.minutes is not None
        self._count_work(role, request.kind, float(np.add.reduce(request.minutes)), len(ids))  # .sum() without its Python wrapper
        group = self._group()
        ids = ids[group.pop.pid[ids] == request.pids]  # the booking's patient has not died or left
        group.seen(RequestKind(request.kind), ids, role)

    def on_gave_up(self, request: Request) -> None:
        self.ledger.add("routine_gave_up", request.size)

    def _count_work(self, role: int, kind: RequestKind, minutes: float, n: int) -> None:
        minutes_measure, appointments_measure = _WORK_MEASURES[kind]
        self.ledger.add_role(minutes_measure, role, minutes)
        self.ledger.add_role(appointments_measure, role, n)

    def opportunistic_reviews(self, day: int, days: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Overdue patients who consulted for something else in the last ``days`` may
        have had their review then, if the clinician had the minutes today: their rows
        in the group, the overdue conditions reviewed and the role (the group delivers them)."""
        p = self.policy.opportunistic_probability
        if p <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, len(CONDITIONS)), dtype=bool), np.zeros(0, dtype=np.int64)
        pop, recall = self.pop, self.recall
        overdue = pop.has & (recall.due <= day)  # only overdue patients out of a recall cycle can be reviewed
        rows = ((recall.status == IDLE) & pop.active & any_by_row(overdue)).nonzero()[0]
        ids, roles = self.acute.seen_in(days * p, rows, self.streams.for_people("opportunistic", pop.pid[rows], day))
        overdue = overdue[ids]
        minutes = self.policy.opportunistic_minutes
        done = np.zeros(len(ids), dtype=bool)
        for role in np.unique(roles):
            mine = np.flatnonzero(roles == role)
            book = self.books[int(role)]
            k = len(mine) if minutes <= 0 else min(len(mine), int((book.free + 1e-9) // minutes))
            book.take(k * minutes)
            self._count_work(int(role), REVIEW, k * minutes, 0)
            done[mine[:k]] = True
        self.ledger.by_role("reviews_opportunistic", roles[done])
        return ids[done] + self.rows.start, overdue[done], roles[done]

    @property
    def practice_books(self) -> list[AppointmentBook]:
        """The practice's own books (not federation staff's)."""
        return [self.books[r] for r in range(len(PRACTICE_ROLES))]
