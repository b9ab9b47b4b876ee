"""One general practice: its patients, care record, recall desk, appointment books and day.

Patient state lives in arrays (one row per patient), so a day's work for a practice
is a handful of vectorised steps rather than an event per patient. The regime
decides; the recall desk (:mod:`sim.model.desk`) carries its decisions out; this
class runs the practice's day, delivers and records reviews, and keeps the list
(diagnoses, deaths, moves, registrations).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

import numpy as np
import simpy

from sim.config.clinical import FACTORS
from sim.config.schema import Scenario
from sim.engine.capacity import ACUTE, CONTACT, REVIEW, WAIT_BINS, WORK_OF, AppointmentBook, Request, RequestKind
from sim.engine.clock import DAYS_PER_YEAR, NEVER, Phase, next_working_day
from sim.engine.streams import Streams
from sim.model.clinical.health import HealthModel
from sim.model.clinical.state import ClinicalState
from sim.model.decisions import Decision
from sim.model.demand import AcuteDemand
from sim.model.desk import RecallDesk
from sim.model.ledger import Ledger
from sim.model.policies.base import Activity, Policy
from sim.model.population import Population, Registrants
from sim.model.qof.care import QofCare, statin_steps
from sim.model.qof.achievement import pre_scheme_income
from sim.model.qof.income import protected_income
from sim.model.qof.indicators import Indicators
from sim.model.qof.recording import code_items, seed_items
from sim.model.recall import RecallState, Status
from sim.model.record import CareRecord
from sim.vocabulary import CONDITIONS, PRACTICE_ROLES


class Practice:
    """A practice's patients, record, recall desk, appointment books and daily routine."""

    def __init__(
        self,
        index: int,
        federation: int,
        scenario: Scenario,
        population: Population,
        books: Mapping[int, AppointmentBook],
        streams: Streams,
        policy: Policy,
        intercepts: np.ndarray,
        regime: str = "",
        quintile: int = 3,
    ) -> None:
        self.index = index
        self.federation = federation
        self.regime = regime or scenario.regime.policy
        """The regime in force (its ``regime.policy`` name); changes if the practice switches."""
        self.quintile = quintile
        """Deprivation quintile, 1 least to 5 most deprived."""
        self._switch: tuple[int, Policy, str] | None = None
        self.scenario = scenario
        self.pop = population
        self.books = books
        self.streams = streams
        self.policy = policy
        self.indicators = Indicators(scenario.indicators)
        self.intercepts = intercepts
        self.care = CareRecord(population.size, len(self.indicators), len(FACTORS))
        self.ledger = Ledger(scenario.roles)
        self.desk = RecallDesk(self, self, policy, books, self.ledger)
        self._seen: dict[RequestKind, list[tuple[np.ndarray, np.ndarray]]] = {REVIEW: [], CONTACT: []}
        self.acute = AcuteDemand(scenario.demand, population)
        self._diary: dict[int, list[tuple[int, int, int, float]]] = {}
        """Routine requests for a later day the patient chose: day -> (role, day asked, count, minutes)."""
        self.clinical = ClinicalState(scenario.clinical, population, streams.for_people("clinical", population.pid))
        self.registrants = Registrants(scenario.population, streams["registrations"], intercepts, population.size)
        self.health_model = HealthModel(scenario, intercepts)
        dep = scenario.deprivation
        grounds = dep.multiplier(dep.exception_ratio, quintile)
        self.qof_care = QofCare(scenario, self.indicators, population, streams["qof_care"], grounds)
        self.qof_care.statin_steps = statin_steps(self.clinical.steps)
        self._seed_history(np.arange(population.size), 0)

    @property
    def recall(self) -> RecallState:
        return self.desk.state

    # ---------------------------------------------------------- the run
    def start(self, env: simpy.Environment) -> None:
        """Every patient joins the regime's recall; the regime's own activities begin."""
        if self._switch is not None:
            env.process(self._switch_process(env, *self._switch))
        self.desk.start(np.arange(self.pop.size), 0)
        if not self.policy.paid_on_achievement:
            self.qof_care.protected = protected_income(self, 0)
        self._start_activities(env, 0)
        env.process(self._flu_clinics(env))

    def _flu_clinics(self, env: simpy.Environment) -> Generator[Any, Any, None]:
        """Flu clinics each autumn, whatever the regime (the flu vaccination service is not QOF)."""
        for day in self.qof_care.clinic_days():
            yield Phase.CLINIC.wait(env, day)
            self.ledger.add("flu_vaccinations", self.qof_care.flu_clinic(day))

    def _start_activities(self, env: simpy.Environment, from_day: int) -> None:
        for activity in self.policy.activities():
            env.process(self._activity(env, activity, self.policy, from_day))

    def _activity(self, env: simpy.Environment, activity: Activity, owner: Policy, from_day: int) -> Generator[Any, Any, None]:
        for day in activity.days():
            if day < from_day:
                continue
            yield activity.phase.wait(env, day)
            if self.policy is not owner:  # the practice has since switched regime
                return
            decision: Decision = activity.decide(self, day)
            self.desk.apply(decision, day)

    def switch_at(self, day: int, policy: Policy, regime: str) -> None:
        """Switch to ``policy`` (named ``regime``) at the start of ``day`` (e.g. joining a scheme)."""
        self._switch = (day, policy, regime)

    def _switch_process(self, env: simpy.Environment, day: int, policy: Policy, regime: str) -> Generator[Any, Any, None]:
        yield Phase.SWITCH.wait(env, day)
        if self.policy.paid_on_achievement and not policy.paid_on_achievement:
            self.qof_care.protected = pre_scheme_income(self, day)
        self.policy, self.regime = policy, regime
        self.desk.switch(policy, day)
        self._start_activities(env, day)

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
            seen = np.where(monitored[j][None, :], last, NEVER).max(axis=1)
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
        self.desk.diagnosed(ids, k, day)

    def remove(self, ids: np.ndarray) -> None:
        """Patients who died or left: no further reviews, events or letters."""
        if len(ids) == 0:
            return
        self.pop.active[ids] = False
        self.desk.close(ids)

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
        self.desk.start(rows, day)

    def health(self, day: int, days: float) -> None:
        """The health step ending at ``day``: events, deaths, diagnoses, moves; demand follows the list."""
        since = self.care.reviewed_or_joined()
        self.health_model.step(self.pop, self.clinical, self.streams, self.ledger, self, since, day, days)
        self.qof_care.refresh(day)
        self.acute.update(self.pop, day)

    # -------------------------------------------------------------- the day
    def begin_day(self, day: int) -> None:
        """Answers and chase-ups due today, then today's acute demand."""
        answered, silent = self.desk.pending(day)
        self.desk.book(answered, day)
        self.desk.no_response(silent, day)
        self._acute_demand(day)

    def _acute_demand(self, day: int) -> None:
        counts = self.acute.draw(self.streams["acute"])
        self._release_diary(day)
        for role, minutes in enumerate(self.acute.minutes):
            self._same_day(int(counts[0, role]), float(minutes), role)
            if counts[1, role]:
                self._routine(int(counts[1, role]), float(minutes), role, day)

    def _routine(self, n: int, minutes: float, role: int, day: int) -> None:
        """Routine requests: for the next free appointment (``routine_lead_days`` 0), or for a day
        of the patient's choosing, from the next day on (``1 + floor(Exp(routine_lead_days))`` days ahead)."""
        mean_lead = self.scenario.demand.routine_lead_days
        if mean_lead <= 0:
            self.books[role].book(Request(day, ACUTE, self, count=n, unit=minutes))
            return
        leads = 1 + np.floor(self.streams["booking"].exponential(mean_lead, n)).astype(np.int64)
        counts = np.bincount(leads)  # requests by lead, in order of lead (as np.unique, far cheaper)
        for lead in np.flatnonzero(counts).tolist():
            self._diary.setdefault(day + lead, []).append((role, day, int(counts[lead]), minutes))

    def _release_diary(self, day: int) -> None:
        """Requests for a chosen day join the queue on it (or the next working day); waits count from asking."""
        for when in sorted(d for d in self._diary if d <= day):
            for role, asked, k, minutes in self._diary.pop(when):
                self.books[role].book(Request(day, ACUTE, self, count=k, unit=minutes, asked=asked))

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
        if request.kind != CONTACT:
            self.ledger.waits[request.kind, min(day - request.asked_day, WAIT_BINS - 1)] += request.size
        if request.kind == ACUTE:
            self._count_work(role, ACUTE, request.count * request.unit, request.count)
            if day <= next_working_day(request.asked_day):
                self.ledger.add("routine_seen_next_working_day", request.count)
            self.ledger.add("routine_delay_days", (day - request.day) * request.count)
            return
        ids = request.ids
        assert ids is not None and request.minutes is not None
        self._count_work(role, request.kind, float(request.minutes.sum()), len(ids))
        ids = ids[self.pop.pid[ids] == request.pids]  # the booking's patient has not died or left
        self._seen[request.kind].append((ids, np.full(len(ids), role)))

    def on_gave_up(self, request: Request) -> None:
        self.ledger.add("routine_gave_up", request.size)

    def end_day(self, day: int) -> None:
        """Reviews and contacts that took place today, handled together."""
        reviews, contacts = self._seen[REVIEW], self._seen[CONTACT]
        self._seen = {REVIEW: [], CONTACT: []}
        if contacts:
            self.desk.contacted(np.concatenate([ids for ids, _ in contacts]), day)
        if reviews:
            self._attend(np.concatenate([i for i, _ in reviews]), np.concatenate([r for _, r in reviews]), day)

    def _attend(self, ids: np.ndarray, roles: np.ndarray, day: int) -> None:
        came = self.streams.for_people("attendance", self.pop.pid[ids], day).random(len(ids)) < self.pop.p_attend[ids]
        self.ledger.by_role("dna", roles[~came])
        self.deliver(ids[came], self.recall.cover[ids[came]], day, roles[came])
        self.desk.no_response(ids[~came], day)

    def _count_work(self, role: int, kind: RequestKind, minutes: float, n: int) -> None:
        work = WORK_OF[kind]
        self.ledger.add_role(f"minutes_{work}", role, minutes)
        self.ledger.add_role(f"appointments_{work}", role, n)

    # --------------------------------------------------------------- reviews
    def deliver(self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray) -> None:
        """Reviews took place: care delivered for ``cover``; some of it recorded.

        ``roles`` gives the role that did each review.
        """
        if len(ids) == 0:
            return
        care = self.care
        self.health_model.accrue(self.pop, self.clinical, care.reviewed_or_joined(ids), ids, day)  # exposure before the review
        cover = cover & self.pop.has[ids]
        rows, cols = np.nonzero(cover)
        care.last_delivered[ids[rows], cols] = day
        care.reviews[ids[rows], cols] += 1
        care.visits[ids] += 1
        self.ledger.by_role("reviews_delivered", roles)
        draws = self.streams.for_people("treatment", self.pop.pid[ids], care.visits[ids])  # the patient's n-th review
        measured, values = self.clinical.review(ids, cover, day, draws, self.policy.params.review_adherence_boost)
        rows, cols = np.nonzero(measured)
        care.measured_day[ids[rows], cols] = day
        care.measured_value[ids[rows], cols] = values[rows, cols]
        self.qof_care.review(ids, cover, day)
        self._record(ids, cover, day, roles, measured, values)
        self.desk.reviewed(ids, cover, day)

    def _record(
        self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray, measured: np.ndarray, values: np.ndarray
    ) -> None:
        """Code the indicator items of the covered conditions (:func:`sim.model.qof.recording.code_items`)."""
        coded = code_items(self, self.policy, ids, cover, day, roles, measured, values)
        self.ledger.by_role("reviews_recorded", roles[coded.any(axis=1)])
        self.ledger.add("items_recorded", float(coded.sum()))
        self.desk.admin.count("item_coded", coded.sum(axis=1), roles)

    def weekly(self, day: int) -> None:
        """Once a week: reviews done opportunistically in the past week's consultations."""
        self.opportunistic_reviews(day, 7.0)

    def opportunistic_reviews(self, day: int, days: float) -> None:
        """Overdue patients who consulted for something else in the last ``days`` may
        have had their review then, if the clinician had the minutes today."""
        p = self.policy.opportunistic_probability
        if p <= 0:
            return
        draws = self.streams.for_people("opportunistic", self.pop.pid, day)
        ids, roles = self.acute.seen_in(days * p, self.pop.active, draws)
        overdue = self.pop.has[ids] & (self.recall.due[ids] <= day)
        keep = (self.recall.status[ids] == Status.IDLE) & overdue.any(axis=1)
        ids, roles, overdue = ids[keep], roles[keep], overdue[keep]
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
        self.deliver(ids[done], overdue[done], day, roles[done])

    @property
    def practice_books(self) -> list[AppointmentBook]:
        """The practice's own books (not federation staff's)."""
        return [self.books[r] for r in range(len(PRACTICE_ROLES))]
