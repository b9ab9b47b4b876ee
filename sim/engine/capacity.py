"""Clinician capacity: one appointment book per role, backed by a SimPy ``Container``.

Each working day the container is filled with the minutes that role's sessions
provide and emptied at close; every consultation takes its minutes from it.
A ``Container`` cannot go below zero, so clinician time can never exceed what the
sessions provide. Routine requests (acute routine and long-term-condition
reviews) wait first-come-first-served in the book's queue until a day has
minutes for them; the wait is measured.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

ACUTE, REVIEW, CONTACT = 0, 1, 2
KINDS = ("other", "ltc", "ltc")
"""Work kind of each request kind: acute demand is other work; reviews and
follow-up contacts (a coordinator phoning non-responders) are long-term-condition work."""

WAIT_BINS = 91
"""Waits are tallied per day up to 90 days; longer waits share the last bin."""


@dataclass
class Request:
    """Routine appointments asked for by patients of one practice on one day.

    Reviews and contacts carry patient rows and minutes per patient; acute
    routine demand carries only a count (its patients matter to nobody later),
    each taking ``unit`` minutes.
    """

    day: int
    kind: int
    owner: Any  # the practice that booked
    minutes: np.ndarray | None = None
    ids: np.ndarray | None = None
    priority: bool = False
    count: int = 0
    unit: float = 0.0
    pids: np.ndarray | None = None  # person ids at booking: rows are reused after deaths and moves
    seq: int = 0  # order of arrival in its book

    @property
    def size(self) -> int:
        return self.count if self.ids is None else len(self.ids)

    def fit(self, free: float) -> tuple[int, float]:
        """How many of these fit in ``free`` minutes, and the minutes they take."""
        if self.ids is None:
            k = min(self.count, int((free + 1e-9) // self.unit))
            return k, k * self.unit
        assert self.minutes is not None
        cum = np.cumsum(self.minutes)
        k = int(np.searchsorted(cum, free + 1e-9, side="right"))
        return k, float(cum[k - 1]) if k else 0.0

    def split(self, k: int) -> Request:
        """Detach and return the first ``k``; this request keeps the rest."""
        if self.ids is None:
            self.count -= k
            return Request(self.day, self.kind, self.owner, priority=self.priority, count=k, unit=self.unit, seq=self.seq)
        assert self.minutes is not None and self.pids is not None
        head = Request(self.day, self.kind, self.owner, self.minutes[:k], self.ids[:k], self.priority, pids=self.pids[:k], seq=self.seq)
        self.minutes, self.ids, self.pids = self.minutes[k:], self.ids[k:], self.pids[k:]
        return head


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
        self.free = 0.0
        """Minutes of today's sessions not yet booked."""
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

    def open_day(self, extra_share: float = 0.0) -> None:
        """Clear yesterday's idle minutes and fill today's sessions."""
        supply = self.sessions_today() * (1.0 + extra_share)
        change = supply - self.pool.level
        if change > 0:
            self.pool.put(change)
        elif change < 0:
            self.pool.get(-change)
        self.free = supply
        self.supplied += supply
        self.total_supplied += supply

    def take(self, minutes: float) -> None:
        """Book ``minutes`` of today's time; never more than is left."""
        if minutes > self.free + 1e-6:
            raise RuntimeError(f"role {self.role}: asked {minutes:.2f} min with {self.free:.2f} left")
        self.free = max(self.free - minutes, 0.0)

    def close_day(self) -> None:
        """Draw the day's booked minutes from the sessions' container."""
        used = self.pool.level - self.free
        if used <= 1e-9:
            return
        event = self.pool.get(used)
        if not event.triggered:
            raise RuntimeError(f"role {self.role}: booked {used:.2f} min beyond the sessions")
        self.total_used += used

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
