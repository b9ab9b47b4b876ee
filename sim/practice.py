"""One general practice: its patients' care record, invitations, and appointments.

Patient state lives in arrays (one row per patient), so a day's work for a
practice is a handful of vectorised steps rather than an event per patient.
The regime's :class:`~sim.policies.base.Policy` decides *who* is recalled,
*how* a review is booked and *what* follows it; this class carries it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.capacity import ACUTE, CONTACT, KINDS, REVIEW, WAIT_BINS, AppointmentBook, Request
from sim.demand import AcuteDemand
from sim.conditions import CONDITIONS, ITEMS
from sim.ledger import Ledger
from sim.population import Population
from sim.rng import Streams
from sim.timeline import DAYS_PER_YEAR, NEVER, financial_year

if TYPE_CHECKING:
    from sim.config.schema import Scenario
    from sim.policies.base import Policy

IDLE, INVITED, BOOKED = 0, 1, 2
ANSWER, CHASE = 1, 2
NO_ACTION = np.iinfo(np.int32).max


class CareRecord:
    """What has been delivered to, and recorded for, each patient."""

    def __init__(self, n: int, n_indicators: int) -> None:
        k = len(CONDITIONS)
        self.last_delivered = np.full((n, k), NEVER, dtype=np.int32)
        self.last_recorded = np.full((n, n_indicators), NEVER, dtype=np.int32)
        self.due = np.zeros((n, k), dtype=np.int32)
        self.reviews = np.zeros((n, k), dtype=np.int32)
        self.excepted_fy = np.full((n, k), -1, dtype=np.int16)
        self.status = np.zeros(n, dtype=np.int8)
        self.letters = np.zeros(n, dtype=np.int8)
        self.cover = np.zeros((n, k), dtype=bool)
        self.priority = np.zeros(n, dtype=bool)
        self.letters_total = np.zeros(n, dtype=np.int32)
        self.visits = np.zeros(n, dtype=np.int32)
        self.exceptions = np.zeros(n, dtype=np.int32)
        self.action_day = np.full(n, NO_ACTION, dtype=np.int32)
        """Day of the patient's next pending answer or chase-up (one at a time)."""
        self.action = np.zeros(n, dtype=np.int8)


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
        self.care = CareRecord(population.size, len(scenario.indicators))
        self.ledger = Ledger()
        self.attributes: dict[str, np.ndarray] = {}
        """Per-patient arrays a regime keeps for itself (e.g. agreed fewer reviews)."""
        self._seen: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {REVIEW: [], CONTACT: []}
        self.acute = AcuteDemand(scenario.demand, population)
        self._seed_history()

    # ------------------------------------------------------------------ set-up
    def _seed_history(self) -> None:
        """Reviews before the run: each condition reviewed in the past year.

        A share of patients were recalled for all conditions together (one date);
        the rest on separate dates. Drawn from its own stream, so identical
        under every regime.
        """
        rng = self.streams["history"]
        n, k = self.pop.has.shape
        combined = rng.random(n) < self.scenario.population.history_combined_share
        own = rng.random((n, k))
        offset = np.where(combined[:, None], own[:, :1], own)
        last = -np.floor(offset * DAYS_PER_YEAR).astype(np.int32) - 1
        has = self.pop.has
        self.care.last_delivered[:] = np.where(has, last, NEVER)
        self.care.last_recorded[:] = np.where(
            has[:, self.ind_condition], self.care.last_delivered[:, self.ind_condition], NEVER
        )

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
        self.books[role].book(Request(day, CONTACT, self, np.full(len(ids), minutes), ids))

    # -------------------------------------------------------------- the day
    def begin_day(self, day: int) -> None:
        """Answers and chase-ups due today, then today's acute demand."""
        care = self.care
        ids = np.flatnonzero(care.action_day <= day)
        if len(ids):
            action = care.action[ids]
            care.action_day[ids] = NO_ACTION
            ids_ok = (care.status[ids] == INVITED) & self.pop.active[ids]
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
                    self.books[int(role)].book(Request(day, REVIEW, self, minutes[pick], ids[pick], flag))

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
            self.ledger.add("same_day_unmet", n - k, self.roles[role])

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
        self._seen[request.kind].append((ids, np.full(len(ids), role)))

    def end_day(self, day: int) -> None:
        """Reviews and contacts that took place today, handled together."""
        reviews, contacts = self._seen[REVIEW], self._seen[CONTACT]
        self._seen = {REVIEW: [], CONTACT: []}
        if contacts:
            ids = np.concatenate([ids for ids, _ in contacts])
            self.policy.on_contact(self, ids[self.pop.active[ids]], day)
        if reviews:
            self._attend(np.concatenate([i for i, _ in reviews]), np.concatenate([r for _, r in reviews]), day)

    def on_gave_up(self, request: Request) -> None:
        self.ledger.add("routine_gave_up", request.size)

    def _attend(self, ids: np.ndarray, roles: np.ndarray, day: int) -> None:
        alive = self.pop.active[ids]
        ids, roles = ids[alive], roles[alive]
        came = self.streams["attendance"].random(len(ids)) < self.pop.p_attend[ids]
        self._count_by_role("dna", roles[~came])
        self.deliver(ids[came], self.care.cover[ids[came]], day, roles[came])
        missed = ids[~came]
        if len(missed):
            self.care.status[missed] = INVITED
            self.policy.on_no_response(self, missed, day)

    def _count_by_role(self, measure: str, roles: np.ndarray) -> None:
        for role, n in enumerate(np.bincount(roles, minlength=len(self.roles))):
            if n:
                self.ledger.add(measure, float(n), self.roles[role])

    def _count_work(self, role: int, kind: int, minutes: float, n: int) -> None:
        name = KINDS[kind]
        self.ledger.add(f"minutes_{name}", minutes, self.roles[role])
        self.ledger.add(f"appointments_{name}", n, self.roles[role])

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
        self._record(ids, cover, day, roles)
        care.status[ids] = IDLE
        care.cover[ids] = False
        care.priority[ids] = False
        self.policy.on_reviewed(self, ids, cover, day)

    def _record(self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray) -> None:
        """Code each indicator item of the covered conditions with the regime's probability."""
        by_role = self.policy.recording_table(self)
        p = np.where(cover[:, self.ind_condition], by_role[roles][:, self.ind_item], 0.0)
        coded = self.streams["recording"].random(p.shape) < p
        rows, cols = np.nonzero(coded)
        self.care.last_recorded[ids[rows], cols] = day
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
