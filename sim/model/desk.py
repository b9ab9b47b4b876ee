"""The recall desk: the one owner of the recall cycle, with its named transitions.

invite -> (letter) -> answer -> book -> see (reviewed) | did not attend
                   -> chase  -> another letter | contact | defer | except

The regime decides (it returns :mod:`sim.model.decisions`); the desk carries the
decisions out, writes the recall state and the exception record, books the
appointments and counts letters and exceptions. Nothing else writes
:class:`~sim.model.recall.RecallState`.
"""

from __future__ import annotations

import numpy as np

from sim.engine.capacity import CONTACT, REVIEW, Request
from sim.engine.clock import financial_year
from sim.model.decisions import AdminWork, ContactOutcome, Decision, IndicatorExceptions, Invitation, NonResponse
from sim.model.policies.base import Policy
from sim.model.qof.exceptions import Reason
from sim.model.recall import BOOKED, IDLE, INVITED, NO_ACTION, Pending
from sim.model.view import RecallGroup

_NONE, _ANSWER, _CHASE = int(Pending.NONE), int(Pending.ANSWER), int(Pending.CHASE)
"""Pending actions as plain integers (NumPy converts an enum member slowly)."""


class RecallDesk:
    """Carries out a regime's recall decisions for a group of practices (a :class:`~sim.model.group.PracticeGroup`).

    Rows are the group's; letters, bookings, exceptions and administrative work are
    counted to each patient's own practice, and reviews wait in its own books.
    """

    def __init__(self, group: RecallGroup, policy: Policy) -> None:
        self.group = group
        self.policy = policy
        self.state = group.recall

    # ------------------------------------------------------------- joining
    def start(self, rows: np.ndarray, day: int) -> None:
        """Patients join (day 0, or new registrants): blank state, first due dates."""
        self.state.reset(rows)
        self.state.due[rows] = self.policy.start(self.group, rows, day)
        self.state.planned[rows] = self.state.due[rows]

    def switch(self, policy: Policy, day: int) -> None:
        """The practices change regime: the new one plans everyone's next review from their
        history; patients already invited or booked carry on under the new regime's rules."""
        self.policy = policy
        rows = np.arange(self.group.pop.size)
        self.state.due[rows] = policy.start(self.group, rows, day)

    def diagnosed(self, ids: np.ndarray, k: int, day: int) -> None:
        """A new condition: the regime plans its first review (and may bring others forward)."""
        s = self.state
        s.due[ids] = self.policy.on_diagnosis(self.group, ids, k, day)
        s.planned[ids] = np.minimum(s.planned[ids], s.due[ids])
        s.planned[ids, k] = s.due[ids, k]

    def close(self, ids: np.ndarray) -> None:
        """The patient died or left: nothing further is pending."""
        s = self.state
        s.status[ids] = IDLE
        s.action_day[ids] = NO_ACTION
        s.cover[ids] = False
        s.priority[ids] = False

    # ------------------------------------------------------------ decisions
    def apply(self, decision: Decision | list[Decision], day: int) -> None:
        """Carry out what a regime's scheduled activity decided."""
        if isinstance(decision, list):
            for each in decision:
                self.apply(each, day)
        elif isinstance(decision, Invitation):
            self.invite(decision, day)
        elif isinstance(decision, AdminWork):
            self.group.members[decision.practice].admin.record(decision)
        elif isinstance(decision, IndicatorExceptions):
            self.except_indicators(decision.ids, decision.reasons, day)
        else:
            self.except_(decision.ids, decision.cover, day, Reason[decision.reason])

    def invite(self, invitation: Invitation, day: int) -> None:
        """Start an invitation cycle: the first letter, covering the invitation's conditions."""
        ids = invitation.ids
        if len(ids) == 0:
            return
        s = self.state
        s.status[ids] = INVITED
        s.letters[ids] = 0
        s.cover[ids] = invitation.cover
        s.priority[ids] = invitation.priority
        self.letter(ids, day)

    def letter(self, ids: np.ndarray, day: int) -> None:
        """Send one letter each; the answer, or the chase-up if none comes, is pending."""
        s, pop = self.state, self.group.pop
        if len(ids) == 0:
            return
        self.group.count("letters", ids)
        s.letters[ids] += 1
        s.letters_total[ids] += 1
        s.invited_days[ids, 1:] = s.invited_days[ids, :-1]
        s.invited_days[ids, 0] = day
        self.group.admin("letter", ids)
        rng = self.group.streams.for_people("response", pop.pid[ids], s.letters_total[ids])  # the patient's n-th letter
        answers = rng.random(len(ids)) < pop.p_respond[ids] * ~pop.dissent[ids]
        delay = 1 + rng.exponential(self.group.scenario.population.response.delay_days, len(ids)).astype(np.int64)
        chase = self.policy.chase_after_days(s.priority[ids])
        s.action_day[ids] = day + np.where(answers, delay, chase)
        s.action[ids] = np.where(answers, _ANSWER, _CHASE)

    def pending(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Answers and chase-ups due by ``day``: ``(answered, silent)`` invited patients."""
        s = self.state
        ids = (s.action_day <= day).nonzero()[0]
        if len(ids) == 0:
            return ids, ids
        action = s.action[ids]
        s.action_day[ids] = NO_ACTION
        s.action[ids] = _NONE
        invited = s.status[ids] == INVITED
        return ids[invited & (action == _ANSWER)], ids[invited & (action == _CHASE)]

    def book(self, ids: np.ndarray, day: int) -> None:
        """Patients ask for their review: it waits in the book of the role the regime chose."""
        if len(ids) == 0:
            return
        s = self.state
        s.status[ids] = BOOKED
        self.group.admin("booking", ids)
        booking = self.policy.booking(self.group, ids, s.cover.take(ids, 0), day)
        self._request(REVIEW, ids, booking.roles, booking.minutes, s.priority[ids], day)

    def _request(self, kind: int, ids: np.ndarray, roles: np.ndarray, minutes: np.ndarray, priority: np.ndarray, day: int) -> None:
        """Appointments wait in the book of each patient's practice (or federation staff's), by role and priority:
        one request per practice, role and priority (practices, then roles, in order; priority first), its
        patients in the order given."""
        if len(ids) == 0:
            return
        group = self.group
        n_roles = len(group.scenario.roles)
        owner = group.practice_of[ids]
        request = (owner * n_roles + roles) * 2 + ~priority  # priority sorts first within a practice's role
        order = request.argsort(kind="stable")
        request = request[order]
        starts = (request[1:] != request[:-1]).nonzero()[0] + 1
        bounds = [0, *starts.tolist(), len(order)]
        for key, start, stop in zip(request[bounds[:-1]].tolist(), bounds[:-1], bounds[1:]):
            (p, role), flag = divmod(key // 2, n_roles), key % 2 == 0
            practice = group.members[p]
            sel = order[start:stop]
            mine = ids[sel]
            practice.books[role].book(Request(day, kind, practice, minutes[sel], mine, flag, pids=group.pop.pid[mine]))

    def no_response(self, ids: np.ndarray, day: int) -> None:
        """No answer, or a missed appointment: the regime decides what follows."""
        if len(ids) == 0:
            return
        self.state.status[ids] = INVITED
        self._follow(ids, self.policy.after_no_response(self.group, ids, day), day)

    def _follow(self, ids: np.ndarray, decision: NonResponse, day: int) -> None:
        self.letter(ids[decision.letter], day)
        contact = decision.contact & ~decision.letter
        if np.count_nonzero(contact):
            self.contact(ids[contact], day, decision.contact_role, decision.contact_minutes)
        rest = ~(decision.letter | contact)
        deferred = ids[rest]
        if decision.excepted is not None:
            self.except_(deferred, decision.excepted[rest], day)
        self.defer(deferred, decision.next_due[rest])

    def contact(self, ids: np.ndarray, day: int, role: int, minutes: float) -> None:
        """Ask ``role`` (e.g. a federation care coordinator) to phone these patients."""
        self.group.admin("contact", ids)
        n = len(ids)
        self._request(CONTACT, ids, np.full(n, role), np.full(n, minutes), np.zeros(n, dtype=bool), day)

    def contacted(self, ids: np.ndarray, day: int) -> None:
        """Phone contacts took place today: book a review, or defer."""
        outcome: ContactOutcome = self.policy.after_contact(self.group, ids, day)
        self.book(ids[outcome.book], day)
        self.defer(ids[~outcome.book], outcome.next_due[~outcome.book])

    def defer(self, ids: np.ndarray, next_due: np.ndarray) -> None:
        """No review this time: out of the cycle until ``next_due``."""
        s = self.state
        s.status[ids] = IDLE
        s.cover[ids] = False
        s.priority[ids] = False
        s.due[ids] = next_due

    def except_(self, ids: np.ndarray, conditions: np.ndarray, day: int, reason: Reason = Reason.A) -> None:
        """Exclude ``conditions`` of these patients from this year's denominators (register-level code)."""
        care = self.group.care
        rows, cols = (conditions & self.group.pop.has[ids]).nonzero()
        if len(rows) == 0:
            return
        who = ids[rows]
        care.excepted_fy[who, cols] = financial_year(day)
        care.excepted_reason[who, cols] = int(reason)
        self._count_exceptions(who, reason.name, len(rows))

    def except_indicators(self, ids: np.ndarray, reasons: np.ndarray, day: int) -> None:
        """Indicator-level exception codes: ``reasons[n, indicators]`` (0 where none is coded)."""
        care = self.group.care
        rows, cols = reasons.nonzero()
        coded = ids[rows]
        codes = reasons[rows, cols]
        care.ind_excepted_fy[coded, cols] = financial_year(day)
        care.ind_excepted_reason[coded, cols] = codes
        for code in np.bincount(codes).nonzero()[0].tolist():  # the codes entered, in order
            who = coded[codes == code]
            self._count_exceptions(who, Reason(code).name, len(who), "indicator_exceptions")

    def _count_exceptions(self, who: np.ndarray, reason: str, n: int, measure: str = "exceptions") -> None:
        """Count codes entered (one per entry of ``who``): register-level in ``exceptions``,
        indicator-level in ``indicator_exceptions``."""
        if len(who):
            np.add.at(self.group.care.exceptions, who, 1)
        self.group.count(measure, who)
        self.group.count(f"exception_codes_{reason}", who)
        self.group.admin("exception", who)

    def reviewed(self, ids: np.ndarray, cover: np.ndarray, day: int) -> None:
        """A review of ``cover`` took place: out of the cycle until the regime's next due date,
        which is the new plan for every condition it sets (those reviewed, and any others the
        regime re-plans, e.g. conditions a patient agreed to manage themselves); the clinician
        codes whatever exceptions the regime asks for."""
        s = self.state
        before = s.due.take(ids, 0)
        self.defer(ids, self.policy.next_due(self.group, ids, cover, day))
        due = s.due.take(ids, 0)
        s.planned[ids] = np.where(cover | (due != before), due, s.planned.take(ids, 0))
        coded = self.policy.review_exceptions(self.group, ids, cover, day)
        if coded is not None:
            self.except_indicators(coded.ids, coded.reasons, day)
