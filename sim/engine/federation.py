"""The engine: one SimPy clock for a federation's practices, and the order of their day.

Practices in a federation share federation staff (their appointment books) and so
must share a clock; federations are independent of each other. Several federations
may run on one clock (a batch): they still share nothing, and their practices'
groups span them, so a day's recall work is one set of vectorised calls for the
whole batch instead of one per federation. A practice's results do not depend on
which federations share its batch. The engine knows practices only through the :class:`Site` protocol,
groups of practices that share a regime through :class:`Group`, and measurement
only through :class:`Observer`.

Processes, each waking at its :class:`~sim.engine.clock.Phase` of the day:

- each group's regime activities (recall searches, contract-year events), and each
  practice's flu clinics;
- the clinic day, every working day: open every book, let each group of practices
  take its answers and chase-ups and each practice its acute demand (same-day first),
  weekly opportunistic reviews, serve the routine queues first come first served,
  hand what was seen back (each group reviews its patients seen today), close;
- the health step every ``step_days``: events, deaths, diagnoses, moves;
- measurement at the observer's days: snapshots, closing a financial year.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Any, Protocol

import simpy

from sim.engine.capacity import AppointmentBook, Booker
from sim.engine.clock import FIRST_WEEKDAY, Phase, is_working_day, next_working_day


class Site(Booker, Protocol):
    """A practice as the engine sees it."""

    def start(self, env: simpy.Environment) -> None: ...

    def extra_sessions(self, day: int) -> float: ...

    @property
    def practice_books(self) -> list[AppointmentBook]: ...


class Group(Protocol):
    """Practices that share a regime, run together: recall, answers, acute demand, reviews and the health step."""

    def start(self, env: simpy.Environment) -> None: ...

    def begin_day(self, day: int) -> None: ...

    def acute_demand(self, day: int) -> None: ...

    def weekly(self, day: int) -> None: ...

    def end_day(self, day: int) -> None: ...

    def health(self, day: int, days: float) -> None: ...


class Observer(Protocol):
    """Measurement: what to do, at the measurement phase of which days."""

    def schedule(self) -> Iterator[tuple[int, Callable[[], None]]]: ...


class Federation:
    """Runs the practices and federation staff of one or more federations on one SimPy clock until ``horizon``."""

    def __init__(
        self,
        env: simpy.Environment,
        sites: Sequence[Site],
        groups: Sequence[Group],
        shared: Sequence[AppointmentBook],
        horizon: int,
        step_days: int,
        max_wait_days: int,
        observers: Sequence[Observer],
    ) -> None:
        self.env = env
        self.sites = list(sites)
        self.groups = list(groups)
        self.shared = list(shared)
        self.horizon = horizon
        self.step_days = step_days
        self.max_wait_days = max_wait_days
        self.observers = list(observers)

    def run(self) -> None:
        for group in self.groups:
            group.start(self.env)
        for site in self.sites:
            site.start(self.env)
        self.env.process(self._clinic_days())
        for observer in self.observers:
            self.env.process(self._measurement(observer))
        self.env.process(self._health())
        self.env.run(until=self.horizon)

    def books(self) -> Iterable[AppointmentBook]:
        """Every book: each practice's own, then federation staff's."""
        for site in self.sites:
            yield from site.practice_books
        yield from self.shared

    def _clinic_days(self) -> Generator[Any, Any, None]:
        day = 0 if is_working_day(0) else next_working_day(0)
        while True:
            yield Phase.CLINIC.wait(self.env, day)
            self._clinic_day(day)
            day = next_working_day(day)

    def _clinic_day(self, day: int) -> None:
        for site in self.sites:
            extra = site.extra_sessions(day)
            for book in site.practice_books:
                book.open_day(extra)
        for book in self.shared:
            book.open_day()
        for group in self.groups:
            group.begin_day(day)
        for group in self.groups:
            group.acute_demand(day)
        if (day + FIRST_WEEKDAY) % 7 == 0:  # Mondays: the past week's consultations
            for group in self.groups:
                group.weekly(day)
        for book in self.books():
            seen, gave_up = book.serve(day, self.max_wait_days)
            for request in seen:
                request.owner.on_seen(request, book.role, day)
            for request in gave_up:
                request.owner.on_gave_up(request)
        for group in self.groups:
            group.end_day(day)
        for book in self.books():
            book.close_day()

    def _health(self) -> Generator[Any, Any, None]:
        day = self.step_days
        while day < self.horizon:
            yield Phase.HEALTH.wait(self.env, day)
            for group in self.groups:
                group.health(day, self.step_days)
            day += self.step_days

    def _measurement(self, observer: Observer) -> Generator[Any, Any, None]:
        for day, action in observer.schedule():
            yield Phase.MEASURE.wait(self.env, day)
            action()
