"""One general practice: its patients' care record, invitations, and appointments.

Patient state lives in arrays (one row per patient), so a day's work for a
practice is a handful of vectorised steps rather than an event per patient.
The regime's :class:`~sim.model.policies.base.Policy` decides *who* is recalled,
*how* a review is booked and *what* follows it; this class carries it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.capacity import ACUTE, CONTACT, KINDS, REVIEW, WAIT_BINS, AppointmentBook, Request
from sim.model.record import ANSWER, BOOKED, CHASE, IDLE, INVITED, NO_ACTION, CareRecord
from sim.model.clinical.health import Hazards, IncidenceCurve
from sim.model.clinical.state import ClinicalState
from sim.vocabulary import CONDITIONS, ITEMS
from sim.config.clinical import FACTORS
from sim.model.demand import AcuteDemand
from sim.model.ledger import Ledger
from sim.model.population import Population, refill
from sim.engine.streams import Streams
from sim.engine.clock import DAYS_PER_MONTH, DAYS_PER_YEAR, NEVER, financial_year

if TYPE_CHECKING:
    from sim.config.schema import Scenario
    from sim.model.policies.base import Policy

_MINUTES = {k: f"minutes_{k}" for k in KINDS}
_APPOINTMENTS = {k: f"appointments_{k}" for k in KINDS}


class Practice:
    """A practice's patients, record, appointment books and daily routine."""

    def __init__(
        self,
        index: int,
        federation: int,
        scenario: Scenario,
        population: Population,
        books: dict[int, AppointmentBook],
        streams: Streams,
        policy: Policy,
        intercepts: np.ndarray,
    ) -> None:
        self.index = index
        self.federation = federation
        self.scenario = scenario
        self.pop = population
        self.books = books
        self.streams = streams
        self.policy = policy
        self.roles = scenario.roles
        self.ind_condition = np.array([CONDITIONS.index(i.condition) for i in scenario.indicators], dtype=np.int64)
        self.ind_item = np.array([ITEMS.index(i.item) for i in scenario.indicators], dtype=np.int64)
        self.ind_factor = np.array([FACTORS.index(i.factor) if i.factor else -1 for i in scenario.indicators])
        self.ind_target = np.array([i.target if i.target is not None else np.nan for i in scenario.indicators])
        self.intercepts = intercepts
        self.overdue_days = scenario.measures.overdue_months * DAYS_PER_MONTH
        self.care = CareRecord(population.size, len(scenario.indicators), len(FACTORS))
        self.ledger = Ledger(scenario.roles)
        self.attributes: dict[str, np.ndarray] = {}
        """Per-patient arrays a regime keeps for itself (e.g. agreed fewer reviews)."""
        self._seen: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {REVIEW: [], CONTACT: []}
        self.acute = AcuteDemand(scenario.demand, population)
        self.clinical = ClinicalState(scenario.clinical, population, streams["clinical"])
        self.hazards = Hazards(self)
        self.incidence_curve = IncidenceCurve(self)
        self._seed_history(np.arange(population.size), 0)

    # ---------------------------------------------------------- membership
    def _seed_history(self, rows: np.ndarray, day: int) -> None:
        """Reviews before the run (or before joining), with what they measured and coded."""
        care = self.care
        care.seed_history(
            rows, self.pop.has[rows], self.ind_condition, self.streams["history"],
            self.scenario.population.history_combined_share, day,
        )
        monitored = self.clinical.monitored  # [factor, condition]
        last = np.where(self.pop.has[rows], care.last_delivered[rows], NEVER)
        for j in range(len(FACTORS)):
            seen = np.where(monitored[j][None, :], last, NEVER).max(axis=1)
            known = (seen > NEVER) & self.clinical.has_factor[rows, j]
            care.measured_day[rows, j] = np.where(known, seen, NEVER)
            care.measured_value[rows, j] = np.where(known, self.clinical.levels(rows, day)[:, j], np.nan)
        outcome = np.flatnonzero(self.ind_factor >= 0)
        care.recorded_value[np.ix_(rows, outcome)] = care.measured_value[rows][:, self.ind_factor[outcome]]

    def diagnose(self, ids: np.ndarray, k: int, day: int) -> None:
        """New diagnoses of condition ``k``: on the register, never reviewed for it yet."""
        if len(ids) == 0:
            return
        self.pop.has[ids, k] = True
        self.care.diagnosed[ids, k] = day
        self.ledger.add("new_diagnoses", len(ids), condition=CONDITIONS[k])
        self.clinical.diagnose(ids, k, day, self.streams["clinical"])
        self.policy.on_diagnosis(self, ids, k, day)

    def remove(self, ids: np.ndarray) -> None:
        """Patients who died or left: no further reviews, events or letters."""
        if len(ids) == 0:
            return
        self.pop.active[ids] = False
        self.care.close(ids)

    def register_new(self, rows: np.ndarray, day: int) -> None:
        """New registrants take the empty rows, with their own history of reviews."""
        if len(rows) == 0:
            return
        refill(self.pop, rows, self.scenario.population, self.streams["registrations"], self.intercepts, day / DAYS_PER_YEAR)
        self.care.open(rows, day)
        self._seed_history(rows, day)
        self.clinical.init_rows(rows, self.pop, self.streams["clinical"], day)
        self.ledger.add("registrations", len(rows))
        self.policy.start(self, rows, day)

    def refresh_demand(self) -> None:
        """Consultation rates follow the list as it changes (ages, conditions, moves)."""
        self.acute = AcuteDemand(self.scenario.demand, self.pop)

    # ------------------------------------------------------------ invitations
    def invite(self, ids: np.ndarray, cover: np.ndarray, day: int, priority: bool = False) -> None:
        """Start an invitation cycle: first letter, covering ``cover`` conditions."""
        if len(ids) == 0:
            return
        care = self.care
        care.status[ids] = INVITED
        care.letters[ids] = 0
        care.cover[ids] = cover
        care.priority[ids] = priority
        self.send_letter(ids, day)

    def send_letter(self, ids: np.ndarray, day: int) -> None:
        """Send one invitation letter each; schedule the answer or the chase-up."""
        care = self.care
        care.letters[ids] += 1
        care.letters_total[ids] += 1
        self.ledger.add("letters", len(ids))
        rng = self.streams["response"]
        answers = rng.random(len(ids)) < self.pop.p_respond[ids] * ~self.pop.dissent[ids]
        delay = 1 + rng.exponential(self.scenario.population.response.delay_days, len(ids)).astype(np.int64)
        chase = self.policy.chase_after_days(care.priority[ids])
        care.action_day[ids] = day + np.where(answers, delay, chase)
        care.action[ids] = np.where(answers, ANSWER, CHASE)

    def schedule_contact(self, ids: np.ndarray, day: int, role: int, minutes: float) -> None:
        """Ask a (federation) role to phone non-responders, e.g. a care coordinator."""
        self.books[role].book(Request(day, CONTACT, self, np.full(len(ids), minutes), ids, pids=self.pop.pid[ids]))

    # -------------------------------------------------------------- the day
    def begin_day(self, day: int) -> None:
        """Answers and chase-ups due today, then today's acute demand."""
        care = self.care
        ids = np.flatnonzero(care.action_day <= day)
        if len(ids):
            action = care.action[ids]
            care.action_day[ids] = NO_ACTION
            ids_ok = care.status[ids] == INVITED
            answered = ids[ids_ok & (action == ANSWER)]
            if len(answered):
                self.book_reviews(answered, day)
            silent = ids[ids_ok & (action == CHASE)]
            if len(silent):
                self.policy.on_no_response(self, silent, day)
        self._acute_demand(day)

    def book_reviews(self, ids: np.ndarray, day: int) -> None:
        """Patients ask for their review: it waits in the book of the role the policy chose."""
        self.care.status[ids] = BOOKED
        roles, minutes = self.policy.booking(self, ids, day)
        priority = self.care.priority[ids]
        for role in np.unique(roles):
            for flag in (True, False):
                pick = (roles == role) & (priority == flag)
                if pick.any():
                    who = ids[pick]
                    self.books[int(role)].book(Request(day, REVIEW, self, minutes[pick], who, flag, pids=self.pop.pid[who]))

    def _acute_demand(self, day: int) -> None:
        counts = self.acute.draw(self.streams["acute"])
        for role, minutes in enumerate(self.acute.minutes):
            self._same_day(int(counts[0, role]), float(minutes), role)
            if counts[1, role]:
                self.books[role].book(Request(day, ACUTE, self, count=int(counts[1, role]), unit=float(minutes)))

    def _same_day(self, n: int, minutes: float, role: int) -> None:
        book = self.books[role]
        k = min(n, int((book.free + 1e-9) // minutes))
        if k:
            book.take(k * minutes)
            self._count_work(role, ACUTE, k * minutes, k)
        if n > k:
            self.ledger.add_role("same_day_unmet", role, n - k)

    # -------------------------------------------------------- appointments
    def on_seen(self, request: Request, role: int, day: int) -> None:
        """Patients whose routine appointment came up today."""
        if request.kind != CONTACT:
            self.ledger.waits[request.kind, min(day - request.day, WAIT_BINS - 1)] += request.size
        if request.kind == ACUTE:
            self._count_work(role, ACUTE, request.count * request.unit, request.count)
            return
        ids = request.ids
        assert ids is not None and request.minutes is not None
        self._count_work(role, request.kind, float(request.minutes.sum()), len(ids))
        ids = ids[self.pop.pid[ids] == request.pids]  # the booking's patient has not died or left
        self._seen[request.kind].append((ids, np.full(len(ids), role)))

    def end_day(self, day: int) -> None:
        """Reviews and contacts that took place today, handled together."""
        reviews, contacts = self._seen[REVIEW], self._seen[CONTACT]
        self._seen = {REVIEW: [], CONTACT: []}
        if contacts:
            ids = np.concatenate([ids for ids, _ in contacts])
            self.policy.on_contact(self, ids, day)
        if reviews:
            self._attend(np.concatenate([i for i, _ in reviews]), np.concatenate([r for _, r in reviews]), day)

    def on_gave_up(self, request: Request) -> None:
        self.ledger.add("routine_gave_up", request.size)

    def _attend(self, ids: np.ndarray, roles: np.ndarray, day: int) -> None:
        came = self.streams["attendance"].random(len(ids)) < self.pop.p_attend[ids]
        self._count_by_role("dna", roles[~came])
        self.deliver(ids[came], self.care.cover[ids[came]], day, roles[came])
        missed = ids[~came]
        if len(missed):
            self.care.status[missed] = INVITED
            self.policy.on_no_response(self, missed, day)

    def _count_by_role(self, measure: str, roles: np.ndarray) -> None:
        self.ledger.by_role(measure, roles)

    def _count_work(self, role: int, kind: int, minutes: float, n: int) -> None:
        name = KINDS[kind]
        self.ledger.add_role(_MINUTES[name], role, minutes)
        self.ledger.add_role(_APPOINTMENTS[name], role, n)

    # --------------------------------------------------------------- reviews
    def deliver(self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray) -> None:
        """Reviews took place: care delivered for ``cover``; some of it recorded.

        ``roles`` gives the role that did each review.
        """
        if len(ids) == 0:
            return
        care = self.care
        cover = cover & self.pop.has[ids]
        rows, cols = np.nonzero(cover)
        care.last_delivered[ids[rows], cols] = day
        care.reviews[ids[rows], cols] += 1
        care.visits[ids] += 1
        self._count_by_role("reviews_delivered", roles)
        measured, values = self.clinical.review(
            ids, cover, day, self.streams["treatment"], self.policy.params.review_adherence_boost
        )
        rows, cols = np.nonzero(measured)
        care.measured_day[ids[rows], cols] = day
        care.measured_value[ids[rows], cols] = values[rows, cols]
        self._record(ids, cover, day, roles, measured, values)
        care.status[ids] = IDLE
        care.cover[ids] = False
        care.priority[ids] = False
        self.policy.on_reviewed(self, ids, cover, day)

    def _record(
        self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray, measured: np.ndarray, values: np.ndarray
    ) -> None:
        """Code each indicator item of the covered conditions with the regime's probability.

        An outcome indicator's item is its risk-factor measurement: it can be
        coded only if that factor was measured, and codes the measured value.
        """
        by_role = self.policy.recording_table(self)
        p = np.where(cover[:, self.ind_condition], by_role[roles][:, self.ind_item], 0.0)
        outcome = self.ind_factor >= 0
        p[:, outcome] *= measured[:, self.ind_factor[outcome]]
        coded = self.streams["recording"].random(p.shape) < p
        rows, cols = np.nonzero(coded)
        self.care.last_recorded[ids[rows], cols] = day
        factor_of = self.ind_factor[cols]
        has_value = factor_of >= 0
        self.care.recorded_value[ids[rows[has_value]], cols[has_value]] = values[rows[has_value], factor_of[has_value]]
        self._count_by_role("reviews_recorded", roles[coded.any(axis=1)])
        self.ledger.add("items_recorded", float(coded.sum()))

    def opportunistic_reviews(self, day: int, days: float) -> None:
        """Overdue patients who consulted for something else in the last ``days`` may
        have had their review then, if the clinician had the minutes today."""
        p = self.policy.opportunistic_probability(self)
        if p <= 0:
            return
        rng = self.streams["opportunistic"]
        ids, roles = self.acute.seen_in(days * p, self.pop.active, rng)
        care = self.care
        overdue = self.pop.has[ids] & (care.due[ids] <= day)
        keep = (care.status[ids] == IDLE) & overdue.any(axis=1)
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
        self._count_by_role("reviews_opportunistic", roles[done])
        self.deliver(ids[done], overdue[done], day, roles[done])

    # ------------------------------------------------------------- QOF rules
    def exception_report(self, ids: np.ndarray, conditions: np.ndarray, day: int) -> None:
        """Exclude ``conditions`` of these patients from this year's denominators."""
        rows, cols = np.nonzero(conditions & self.pop.has[ids])
        self.care.excepted_fy[ids[rows], cols] = financial_year(day)
        np.add.at(self.care.exceptions, ids[rows], 1)
        self.ledger.add("exceptions", len(rows))
