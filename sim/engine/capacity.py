"""Clinician capacity: one appointment book per role, backed by a SimPy ``Container``.

Each working day the container is filled with the minutes that role's sessions
provide. Consultations are booked against the day's free minutes as the day goes
(a booking that does not fit is refused as an error); when the day closes the
booked minutes are drawn from the container in one ``get``, which SimPy grants
only if the sessions held them, and whatever is left is idle time. (A ``get`` per
booking would be the same check with tens of SimPy events per book-day.) Routine
requests (acute routine and long-term-condition reviews) wait first-come-first-served
in the book's queue until a day has minutes for them; the wait is measured.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import IntEnum
from typing import Protocol

import numpy as np
import simpy


class RequestKind(IntEnum):
    """What a routine appointment is for."""

    ACUTE = 0
    """Other (acute) demand booked routinely: counted, its patients not followed."""
    REVIEW = 1
    """A long-term-condition review of named patients."""
    CONTACT = 2
    """A follow-up phone contact (e.g. a care coordinator calling non-responders)."""


ACUTE, REVIEW, CONTACT = RequestKind.ACUTE, RequestKind.REVIEW, RequestKind.CONTACT

WORK: tuple[str, ...] = ("other", "ltc")
"""Kinds of clinical work time is reported under."""

WORK_OF: dict[RequestKind, str] = {ACUTE: "other", REVIEW: "ltc", CONTACT: "ltc"}
"""Work kind of each request kind: reviews and follow-up contacts are long-term-condition work."""

WAIT_BINS = 91
"""Waits are tallied per day up to 90 days; longer waits share the last bin."""

_EPS = 1e-6
"""Minutes of floating-point slack allowed when a booking meets the day's last minute."""


class Booker(Protocol):
    """Whoever booked a request (a practice) and hears when it is seen or dropped."""

    def on_seen(self, request: Request, role: int, day: int) -> None: ...

    def on_gave_up(self, request: Request) -> None: ...


@dataclass
class Request:
    """Routine appointments asked for by patients of one practice on one day.

    Reviews and contacts carry patient rows and minutes per patient; acute
    routine demand carries only a count (its patients matter to nobody later),
    each taking ``unit`` minutes.
    """

    day: int
    kind: int
    owner: Booker
    minutes: np.ndarray | None = None
    ids: np.ndarray | None = None
    priority: bool = False
    count: int = 0
    unit: float = 0.0
    pids: np.ndarray | None = None  # person ids at booking: rows are reused after deaths and moves
    seq: int = 0  # order of arrival in its book
    asked: int = -1
    """Day the patient asked, if earlier than ``day`` (a booking for a later day the patient chose)."""
    asked_counts: list[tuple[int, int]] | None = None
    """For acute requests of patients who asked on different days: ``(day asked, count)`` in order of
    arrival, so a day's releases from the diary are one request, seen first come first served."""

    @property
    def asked_day(self) -> int:
        """Day the patient asked for the appointment: waits are measured from it."""
        return self.day if self.asked < 0 else self.asked

    @property
    def size(self) -> int:
        return self.count if self.ids is None else len(self.ids)

    def fit(self, free: float) -> tuple[int, float]:
        """How many of these fit in ``free`` minutes, and the minutes they take."""
        if self.ids is None:
            k = min(self.count, int((free + 1e-9) // self.unit))
            return k, k * self.unit
        assert self.minutes is not None
        cum = self.minutes.cumsum()  # array methods: called for every review request on every day it waits
        k = int(cum.searchsorted(free + 1e-9, side="right"))
        return k, float(cum[k - 1]) if k else 0.0

    def split(self, k: int) -> Request:
        """Detach and return the first ``k``; this request keeps the rest."""
        if self.ids is None:
            self.count -= k
            head, self.asked_counts = _split_counts(self.asked_counts, k)
            return Request(
                self.day, self.kind, self.owner, priority=self.priority, count=k, unit=self.unit, seq=self.seq, asked=self.asked,
                asked_counts=head,
            )
        assert self.minutes is not None and self.pids is not None
        head = Request(
            self.day, self.kind, self.owner, self.minutes[:k], self.ids[:k], self.priority, pids=self.pids[:k], seq=self.seq, asked=self.asked
        )
        self.minutes, self.ids, self.pids = self.minutes[k:], self.ids[k:], self.pids[k:]
        return head


def _split_counts(counts: list[tuple[int, int]] | None, k: int) -> tuple[list[tuple[int, int]] | None, list[tuple[int, int]] | None]:
    """The first ``k`` of ``(day asked, count)`` entries, and the rest."""
    if counts is None:
        return None, None
    head: list[tuple[int, int]] = []
    rest = list(counts)
    while k > 0:
        asked, n = rest[0]
        take = min(n, k)
        head.append((asked, take))
        k -= take
        if take == n:
            rest.pop(0)
        else:
            rest[0] = (asked, n - take)
    return head, rest


class AppointmentBook:
    """A role's daily minutes (a SimPy ``Container``) and its routine queue.

    The container is filled with the day's session minutes when the day opens;
    appointments are booked against it through the day; when the day closes the
    booked minutes are drawn from the container in one ``get``, which SimPy can
    only grant if the sessions held them. Minutes left over are idle time and are
    cleared when the next day opens.
    """

    def __init__(self, env: simpy.Environment, role: int, fte: float, minutes_per_fte_day: float) -> None:
        self.role = role
        self.fte = float(fte)
        self.minutes_per_fte_day = float(minutes_per_fte_day)
        self._days_open = 0
        self.pool = simpy.Container(env, capacity=float("inf"), init=0.0)
        self.queue: deque[Request] = deque()
        self.acute: deque[Request] = deque()
        self.priority: deque[Request] = deque()
        self._seq = 0
        self._today = 0.0
        self._free = 0.0
        self.supplied = 0.0
        self.total_supplied = 0.0
        self.total_used = 0.0

    def sessions_today(self) -> float:
        """Minutes of sessions today. Under one whole-time equivalent, staff work whole
        days on that share of working days (0.4 FTE: two days a week), not a sliver of every day."""
        self._days_open += 1
        if self.fte >= 1.0:
            return self.fte * self.minutes_per_fte_day
        worked = int(self._days_open * self.fte) > int((self._days_open - 1) * self.fte)
        return self.minutes_per_fte_day if worked else 0.0

    @property
    def free(self) -> float:
        """Minutes of today's sessions not yet booked."""
        return self._free

    def open_day(self, extra_share: float = 0.0) -> None:
        """Clear yesterday's idle minutes and fill today's sessions."""
        supply = self.sessions_today() * (1.0 + extra_share)
        if self.pool.level > 0:
            self.pool.get(self.pool.level)
        if supply > 0:
            self.pool.put(supply)
        self._today = self._free = self.pool.level
        self.supplied += supply
        self.total_supplied += supply

    def take(self, minutes: float) -> None:
        """Book ``minutes`` of today's time; never more than is left."""
        if minutes <= 0:
            return
        if minutes > self._free + _EPS:
            raise RuntimeError(f"role {self.role}: asked {minutes:.2f} min with {self._free:.2f} left")
        self._free -= min(minutes, self._free)

    def close_day(self) -> None:
        """Draw the day's booked minutes from the container; what is left in it is idle."""
        booked = self._today - self._free
        if booked > self.pool.level + _EPS:
            raise RuntimeError(f"role {self.role}: the sessions could not cover {booked:.2f} min")
        if booked > 0:
            self.pool.get(min(booked, self.pool.level))
        self.total_used += booked

    def close_period(self) -> float:
        """Minutes supplied since the last close (e.g. in a financial year)."""
        supplied, self.supplied = self.supplied, 0.0
        return supplied

    def book(self, request: Request) -> None:
        """Join the queue: acute requests and reviews wait in separate lines, served in
        order of arrival across both (``seq``); priority requests go first."""
        if request.size == 0:
            return
        request.seq = self._seq
        self._seq += 1
        if request.priority:
            self.priority.append(request)
        elif request.kind == ACUTE:
            self.acute.append(request)
        else:
            self.queue.append(request)

    def serve(self, today: int, max_wait_days: int) -> tuple[list[Request], list[Request]]:
        """Serve waiting requests first come, first served, while minutes last.

        Returns the requests (or leading parts of them) seen today, and the acute
        requests dropped, whatever today's minutes, for having waited longer than
        ``max_wait_days``. Priority requests (a year-end push) go first. When the
        next request does not fit, the rest of the day's minutes stay idle.
        """
        gave_up: list[Request] = []
        while self.acute and today - self.acute[0].day > max_wait_days:
            gave_up.append(self.acute.popleft())
        seen: list[Request] = []
        free = self.free
        while free > 0:
            queue = self._next_queue()
            if queue is None:
                break
            head = queue[0]
            k, minutes = head.fit(free)
            if k == 0:
                self._check_fits(head, free)
                break
            free -= minutes
            if k < head.size:
                seen.append(head.split(k))
                break
            seen.append(queue.popleft())
        self.take(self.free - free)
        return seen, gave_up

    def _next_queue(self) -> deque[Request] | None:
        if self.priority:
            return self.priority
        if self.acute and self.queue:
            return self.acute if self.acute[0].seq < self.queue[0].seq else self.queue
        return self.acute or self.queue or None

    def _check_fits(self, head: Request, free: float) -> None:
        """A first appointment longer than a whole day of this role could never be seen."""
        if free >= self.free and free >= self.minutes_per_fte_day > 0:
            first = head.unit if head.ids is None else float(head.minutes[0])  # type: ignore[index]
            raise RuntimeError(
                f"an appointment of {first:.0f} min for role {self.role} is longer than a whole day "
                f"({self.minutes_per_fte_day:.0f} min); check review_minutes and minutes_per_fte_day"
            )

    def waiting(self, kind: int) -> int:
        return sum(r.size for q in (self.priority, self.acute, self.queue) for r in q if r.kind == kind)
