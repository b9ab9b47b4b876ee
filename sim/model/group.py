"""Practices of a federation that share a regime, run as one block of patients.

A day's recall work (answers, chase-ups, bookings, reviews, coding, exceptions)
costs a handful of NumPy calls whatever the number of patients, so it is done
once for the group rather than once per practice. The group keeps its practices'
patient arrays in one block (:mod:`sim.model.rows`); each
:class:`~sim.model.practice.Practice` sees its own rows as views, keeps its own
appointment books, ledger and list, and runs what is its own (acute demand, flu
clinics, measurement); the group's health step reports each practice's diagnoses,
deaths, moves and registrations to it.

The group is the regime's :class:`~sim.model.view.PracticeView`: the regime decides
for all its practices' patients at once, and looks at one practice
(``members``) only where a decision is the practice's own (a year-end push sized
to its list, reporting per practice). Everything drawn about a patient in the
group's work is keyed to the person (``Streams.for_people``), so it does not
depend on how practices are grouped.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any

import numpy as np
import simpy

from sim.config.schema import Scenario
from sim.engine.capacity import CONTACT, REVIEW, RequestKind
from sim.engine.clock import Phase
from sim.engine.streams import Streams
from sim.model.clinical.health import HealthModel
from sim.model.clinical.state import ClinicalState
from sim.model.demand import poisson_quantile
from sim.model.desk import RecallDesk
from sim.model.policies.base import Activity, Policy
from sim.model.population import Population
from sim.model.qof.care import QofCare, statin_steps
from sim.model.qof.indicators import Indicators
from sim.model.qof.recording import code_items
from sim.model.recall import RecallState
from sim.model.record import CareRecord
from sim.model.rows import join_rows, row_blocks
from sim.model.practice import Practice

POPULATION = ("age", "male", "latent", "has", "frailty", "p_respond", "p_attend", "dissent", "active", "pid")
CLINICAL = ("u0", "drift", "steps", "has_factor", "peak", "reinforced", "tendency")
QOF_CARE = (
    "on", "rx_recorded", "contraindicated", "in_subgroup", "supervening", "unsuitable", "flu_accept", "flu_willing",
    "flu_drawn_fy", "vaccinated", "vaccine_recorded", "flu_declined", "member", "contra",
)
HEALTH = ("_exposure", "_accrued_to", "intercepts")


def _arrays(obj: object) -> tuple[str, ...]:
    return tuple(name for name, value in vars(obj).items() if isinstance(value, np.ndarray))


class PracticeGroup:
    """A block of practices under one regime: the regime's view, and its recall desk."""

    def __init__(self, practices: Sequence[Practice], scenario: Scenario, policy: Policy, regime: str, streams: Streams) -> None:
        self.practices = list(practices)
        self.scenario = scenario
        self.policy = policy
        self.regime = regime
        self.streams = streams
        """Draws keyed to people; a sequential stream of the group (``streams[name]``) is for plug-in regimes only."""
        self.indicators: Indicators = practices[0].indicators
        self.blocks = row_blocks([p.pop.size for p in practices])
        self._starts = [b.start for b in self.blocks] + [self.blocks[-1].stop]
        self.practice_of = np.repeat(np.arange(len(practices)), [p.pop.size for p in practices])
        """Index (in :attr:`practices`) of the practice each row belongs to."""
        self._practice_numbers = np.arange(len(practices) + 1)
        self._n_roles = len(scenario.roles)
        self.pop: Population = join_rows([p.pop for p in practices], POPULATION)
        self.care: CareRecord = join_rows([p.care for p in practices], _arrays(practices[0].care))
        self.recall: RecallState = join_rows([p.recall for p in practices], _arrays(practices[0].recall))
        self.clinical: ClinicalState = join_rows([p.clinical for p in practices], CLINICAL)
        self.health_model: HealthModel = join_rows([p.health_model for p in practices], HEALTH)
        self.qof_care: QofCare = join_rows([p.qof_care for p in practices], QOF_CARE)
        self.qof_care.pop = self.pop
        self.qof_care.statin_steps = statin_steps(self.clinical.steps)
        self.qof_care.protected = None
        for practice, block in zip(practices, self.blocks, strict=True):
            practice.join_group(self, block)
        self.desk = RecallDesk(self, policy)
        self._seen: dict[RequestKind, list[tuple[np.ndarray, np.ndarray]]] = {REVIEW: [], CONTACT: []}
        self._switch: tuple[int, Policy, str] | None = None

    @property
    def members(self) -> list[Practice]:
        """The practices, each a view of its own patients (for decisions that are a practice's own)."""
        return self.practices

    # ---------------------------------------------------------- the run
    def start(self, env: simpy.Environment) -> None:
        """Every patient joins the regime's recall; the regime's own activities begin."""
        if self._switch is not None:
            env.process(self._switch_process(env, *self._switch))
        self.desk.start(np.arange(self.pop.size), 0)
        self._start_activities(env, 0)

    def _start_activities(self, env: simpy.Environment, from_day: int) -> None:
        for activity in self.policy.activities():
            env.process(self._activity(env, activity, self.policy, from_day))

    def _activity(self, env: simpy.Environment, activity: Activity, owner: Policy, from_day: int) -> Generator[Any, Any, None]:
        for day in activity.days():
            if day < from_day:
                continue
            yield activity.phase.wait(env, day)
            if self.policy is not owner:  # the group has since switched regime
                return
            self.desk.apply(activity.decide(self, day), day)

    def switch_at(self, day: int, policy: Policy, regime: str) -> None:
        """Switch to ``policy`` (named ``regime``) at the start of ``day`` (e.g. joining a scheme)."""
        self._switch = (day, policy, regime)

    def _switch_process(self, env: simpy.Environment, day: int, policy: Policy, regime: str) -> Generator[Any, Any, None]:
        yield Phase.SWITCH.wait(env, day)
        for practice in self.practices:
            practice.leaving(self.policy, policy, day)
        self.policy, self.regime = policy, regime
        self.desk.switch(policy, day)
        self._start_activities(env, day)

    # ----------------------------------------------------------- the list
    def health(self, day: int, days: float) -> None:
        """The health step ending at ``day`` for every practice's list at once: events, deaths,
        diagnoses, moves (each practice keeps its own list); demand follows each list."""
        since = self.care.reviewed_or_joined()
        self.health_model.step(self.pop, self.clinical, self.streams, self, since, day, days)
        self.qof_care.refresh(day)
        for practice in self.practices:
            practice.acute.update(practice.pop, day)

    def outcome(self, measure: str, ids: np.ndarray, values: np.ndarray | None = None, scale: float = 1.0, always: bool = True) -> None:
        """Count an outcome for patients ``ids`` (increasing rows) to each one's practice, summed as the practice would."""
        bounds = np.searchsorted(ids, self._starts)
        for p, practice in enumerate(self.practices):
            part = slice(bounds[p], bounds[p + 1])
            practice.outcome(measure, ids[part], None if values is None else values[part], scale, always)

    def diagnose(self, ids: np.ndarray, k: int, day: int) -> None:
        for practice, own in self._own_rows(ids):
            practice.diagnose(own, k, day)

    def remove(self, ids: np.ndarray) -> None:
        for practice, own in self._own_rows(ids):
            practice.remove(own)

    def register_new(self, rows: np.ndarray, day: int) -> None:
        for practice, own in self._own_rows(rows):
            practice.register_new(own, day)

    def _own_rows(self, ids: np.ndarray) -> Iterator[tuple[Practice, np.ndarray]]:
        """Each practice with patients among ``ids`` (group rows), and those patients as its own rows."""
        for p, sel in self.by_practice(ids):
            yield self.practices[p], ids[sel] - self.blocks[p].start

    # -------------------------------------------------------------- the day
    def begin_day(self, day: int) -> None:
        """Answers and chase-ups due today."""
        answered, silent = self.desk.pending(day)
        self.desk.book(answered, day)
        self.desk.no_response(silent, day)

    def acute_demand(self, day: int) -> None:
        """Each practice's acute demand today; the counts of all of them drawn in one call (from each one's own stream)."""
        means = np.stack([practice.acute.mean_counts for practice in self.practices])
        u = np.stack([practice.streams["acute"].random(means.shape[1:]) for practice in self.practices])
        for practice, counts in zip(self.practices, poisson_quantile(u, means), strict=True):
            practice.acute_demand(day, counts)

    def weekly(self, day: int) -> None:
        """Once a week: reviews done opportunistically in the past week's consultations, in every practice."""
        found = [practice.opportunistic_reviews(day, 7.0) for practice in self.practices]
        ids, cover, roles = (np.concatenate(parts) for parts in zip(*found, strict=True))
        self.deliver(ids, cover, day, roles)

    def seen(self, kind: RequestKind, ids: np.ndarray, role: int) -> None:
        """Patients (group rows) whose review or contact came up today with ``role``."""
        self._seen[kind].append((ids, np.full(len(ids), role)))

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
        missed = ~came
        absent = ids[missed]
        self.by_role("dna", absent, roles[missed])
        seen = ids[came]
        self.deliver(seen, self.recall.cover.take(seen, 0), day, roles[came])
        self.desk.no_response(absent, day)

    # --------------------------------------------------------------- reviews
    def deliver(self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray) -> None:
        """Reviews took place: care delivered for ``cover``; some of it recorded.

        ``roles`` gives the role that did each review.
        """
        if len(ids) == 0:
            return
        care = self.care
        self.health_model.accrue(self.pop, self.clinical, care.reviewed_or_joined(ids), ids, day)  # exposure before the review
        cover = cover & self.pop.has.take(ids, 0)
        rows, cols = cover.nonzero()
        who = ids[rows]
        care.last_delivered[who, cols] = day
        care.reviews[who, cols] += 1
        visits = care.visits[ids] + 1
        care.visits[ids] = visits
        self.by_role("reviews_delivered", ids, roles)
        pids = self.pop.pid[ids]
        draws = self.streams.for_people("treatment", pids, visits)  # the patient's n-th review
        measured, values = self.clinical.review(ids, cover, day, draws, self.policy.params.review_adherence_boost)
        rows, cols = measured.nonzero()
        who = ids[rows]
        care.measured_day[who, cols] = day
        care.measured_value[who, cols] = values[rows, cols]
        self.qof_care.review(ids, cover, day, self.streams.for_people("qof_care", pids, visits))
        self._record(ids, cover, day, roles, measured, values)
        self.desk.reviewed(ids, cover, day)

    def _record(
        self, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray, measured: np.ndarray, values: np.ndarray
    ) -> None:
        """Code the indicator items of the covered conditions (:func:`sim.model.qof.recording.code_items`)."""
        coded = code_items(self, self.policy, ids, cover, day, roles, measured, values)
        items = coded.sum(axis=1)
        recorded = items > 0
        self.by_role("reviews_recorded", ids[recorded], roles[recorded])
        for p, by_role in self._per_practice_role(ids, roles, items):
            practice = self.practices[p]
            practice.ledger.add("items_recorded", float(by_role.sum()))  # whole numbers: the sum is exact
            practice.admin.count_by_role("item_coded", by_role)

    # ------------------------------------------------------------ counting
    def by_practice(self, ids: np.ndarray) -> Iterator[tuple[int, np.ndarray | slice]]:
        """``(practice, selection of ids)`` for each practice with patients among ``ids``."""
        if len(self.practices) == 1:
            if len(ids):
                yield 0, slice(None)
            return
        owner = self.practice_of[ids]
        if not np.count_nonzero(owner[1:] < owner[:-1]):  # usual: rows arrive practice by practice
            bounds = owner.searchsorted(self._practice_numbers).tolist()
            for p, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
                if start < stop:
                    yield p, slice(start, stop)
            return
        order = np.argsort(owner, kind="stable")
        counts = np.bincount(owner, minlength=len(self.practices))
        ends = np.cumsum(counts)
        for p in np.flatnonzero(counts).tolist():
            yield p, order[ends[p] - counts[p] : ends[p]]

    def count(self, measure: str, ids: np.ndarray) -> None:
        """One ``measure`` per patient, to each patient's practice.

        Practices with none get no entry (not a zero): which practices share a group
        must not change what a practice reports."""
        for p, n in self._counts(ids):
            self.practices[p].ledger.add(measure, n)

    def by_role(self, measure: str, ids: np.ndarray, roles: np.ndarray) -> None:
        """One ``measure`` per patient, by the role of each, to each patient's practice."""
        for p, counts in self._per_practice_role(ids, roles):
            self.practices[p].ledger.add_role_counts(measure, counts)

    def admin(self, unit: str, ids: np.ndarray, units: np.ndarray | None = None, roles: np.ndarray | None = None) -> None:
        """Administrative work of ``unit`` for these patients, to each patient's practice (``units`` per patient, default 1)."""
        if units is None and roles is None:
            for p, n in self._counts(ids):
                self.practices[p].admin.count(unit, float(n))
            return
        for p, sel in self.by_practice(ids):
            n = float(len(ids[sel])) if units is None else units[sel]
            self.practices[p].admin.count(unit, n, None if roles is None else roles[sel])

    def _counts(self, ids: np.ndarray) -> list[tuple[int, int]]:
        """``(practice, patients among ids)`` for each practice with any."""
        if len(self.practices) == 1:
            return [(0, len(ids))] if len(ids) else []
        counts = np.bincount(self.practice_of[ids], minlength=len(self.practices)).tolist()
        return [(p, n) for p, n in enumerate(counts) if n]

    def _per_practice_role(
        self, ids: np.ndarray, roles: np.ndarray, weights: np.ndarray | None = None
    ) -> list[tuple[int, np.ndarray]]:
        """``(practice, totals by role)`` for each practice with patients among ``ids``: the number
        of them (or the sum of their ``weights``, whole numbers) by the role of each, in one
        count for every practice."""
        if len(ids) == 0:
            return []
        n_practices, n_roles = len(self.practices), self._n_roles
        owner = self.practice_of[ids]
        table = np.bincount(owner * n_roles + roles, weights, n_practices * n_roles).reshape(n_practices, n_roles)
        return [(p, table[p]) for p in np.bincount(owner, minlength=n_practices).nonzero()[0].tolist()]
