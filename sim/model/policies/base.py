"""The regime interface: a regime *decides*; the practice's recall desk *does*.

A regime reads a :class:`~sim.model.view.PracticeView` and returns decisions
(:mod:`sim.model.decisions`): who is due and for what, who reviews them and for how
long, what follows non-response, when they are next due, what gets coded, and what
it does on a schedule of its own (recall searches, the start of the contract year).
It never writes the record or the recall state.

To add a regime, subclass :class:`Policy`, give it a ``Params`` model and name it in
a scenario as ``regime.policy: "package.module:ClassName"``. The engine does not
change; ``tests/plugin_regime.py`` is a worked example that runs end to end.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import count
from typing import Annotated, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.config.contract import AdminSpec, ScheduledAdmin
from sim.config.schema import Scenario
from sim.engine.clock import Phase
from sim.model.admin import calendar, check_roles, scheduled_work
from sim.model.qof.indicators import Indicators
from sim.model.decisions import Booking, ContactOutcome, Decision, IndicatorExceptions, Invitation, NonResponse
from sim.model.view import GroupView, PracticeView
from sim.vocabulary import ITEMS, PRACTICE_ROLES

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class PolicyParams(BaseModel):
    """Parameters every regime has."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    recall_every_days: Annotated[int, Field(ge=1, le=365)]
    """How often the practice runs its recall search."""
    letters_max: Annotated[int, Field(ge=1, le=10)]
    chase_after_days: Annotated[int, Field(ge=1)]
    """Days without an answer before the next letter (or giving up)."""
    review_minutes: dict[str, Annotated[float, Field(gt=0)]]
    """Minutes of a review by role, for its first condition."""
    extra_condition_minutes: Annotated[float, Field(ge=0)]
    recording: dict[str, Probability]
    """Probability that a delivered indicator item is coded, by kind of item."""
    opportunistic_probability: Probability
    """Chance that an acute consultation with an overdue patient includes the review."""
    opportunistic_minutes: Annotated[float, Field(ge=0)]
    review_adherence_boost: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    """Rise in a patient's peak adherence at each review (e.g. goals agreed in care planning)."""
    admin: AdminSpec = AdminSpec()
    """Administrative work the regime causes, per unit of activity and on a calendar (:mod:`sim.model.admin`)."""

    @model_validator(mode="after")
    def _items(self) -> PolicyParams:
        missing = [i for i in ITEMS if i not in self.recording]
        unknown = [i for i in self.recording if i not in ITEMS]
        if missing or unknown:
            raise ValueError(f"recording must give each of {', '.join(ITEMS)} (missing {missing}, unknown {unknown})")
        return self


@dataclass(frozen=True)
class Activity:
    """Something a regime does on its own schedule, at a phase of the day.

    ``days()`` yields the days it happens (in order, possibly forever); on each,
    ``decide(practice, day)`` returns what to do.
    """

    name: str
    phase: Phase
    days: Callable[[], Iterator[int]]
    decide: Callable[[GroupView, int], Decision | list[Decision]]


def every(days: int, start: int = 0) -> Callable[[], Iterator[int]]:
    """A schedule: ``start``, ``start + days``, ..."""
    return lambda: (start + i * days for i in count())


def _per_practice(item: ScheduledAdmin, group: GroupView) -> list[Decision]:
    return [scheduled_work(item, int(member.pop.active.sum()), p) for p, member in enumerate(group.members)]


class Policy(ABC):
    """A regime of long-term-condition care; one instance per practice.

    State a regime keeps for itself (for example patients who agreed fewer reviews)
    lives on the instance; :meth:`start` is told about every patient as they join.
    """

    name: ClassVar[str]
    Params: ClassVar[type[PolicyParams]]

    def __init__(self, params: PolicyParams, scenario: Scenario) -> None:
        self.params = params
        self.scenario = scenario
        self.role_index = {r: i for i, r in enumerate(scenario.roles)}
        for role in params.review_minutes:
            self.role_of(role, "review_minutes")
        check_roles(params.admin, scenario.roles)
        self._recording_table = self._build_recording_table()
        self._by_indicator: tuple[Indicators, np.ndarray] | None = None
        self._minutes_by_role: np.ndarray | None = None

    def require_minutes(self, roles: set[str], field: str) -> None:
        """Every role the regime books reviews with needs a review length."""
        missing = sorted(r for r in roles if r not in self.params.review_minutes)
        if missing:
            raise ValueError(f"review_minutes has no entry for {missing}, used in {field}")

    def role_of(self, role: str, field: str) -> int:
        """Index of a named role; an unknown role is a configuration error."""
        if role not in self.role_index:
            raise ValueError(f"{field}: role {role!r} is not a practice role or federation staff ({list(self.role_index)})")
        return self.role_index[role]

    # ------------------------------------------------------------ schedule
    @abstractmethod
    def start(self, practice: PracticeView, rows: np.ndarray, day: int) -> np.ndarray:
        """First due dates ``[len(rows), conditions]`` of patients joining at ``day``."""

    def on_diagnosis(self, practice: PracticeView, ids: np.ndarray, k: int, day: int) -> np.ndarray:
        """Due dates after a new diagnosis of condition ``k``: by default due for it now."""
        due = practice.recall.due[ids].copy()
        due[:, k] = day
        return due

    def activities(self) -> Iterable[Activity]:
        """What the regime does on its own schedule: by default, a recall search and its scheduled admin."""
        search = Activity("recall search", Phase.RECALL, every(self.params.recall_every_days), self.invitations)
        return [search, *self.admin_activities()]

    def admin_activities(self) -> list[Activity]:
        """Scheduled administrative work (``params.admin.scheduled``): reporting, meetings; each practice's own."""
        return [
            Activity(f"admin: {item.purpose}", Phase.CONTRACT_YEAR, calendar(item), lambda group, day, item=item: _per_practice(item, group))
            for item in self.params.admin.scheduled
        ]

    @abstractmethod
    def invitations(self, practice: PracticeView, day: int) -> Invitation:
        """The recall search: whom to invite today, and for which conditions."""

    # ------------------------------------------------------------ the cycle
    @abstractmethod
    def booking(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> Booking:
        """Role and minutes of each patient's review of ``cover``."""

    @abstractmethod
    def after_no_response(self, practice: PracticeView, ids: np.ndarray, day: int) -> NonResponse:
        """Patients who did not answer the last letter or missed the appointment."""

    def after_contact(self, practice: PracticeView, ids: np.ndarray, day: int) -> ContactOutcome:
        raise NotImplementedError(f"{self.name} makes no follow-up contacts")

    @abstractmethod
    def next_due(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> np.ndarray:
        """Due dates ``[n, conditions]`` after a review of ``cover`` on ``day``."""

    def review_exceptions(self, practice: PracticeView, ids: np.ndarray, cover: np.ndarray, day: int) -> IndicatorExceptions | None:
        """Exceptions the clinician codes at a review of ``cover`` (none unless the regime rewards them)."""
        return None

    @property
    def paid_on_achievement(self) -> bool:
        """Whether the practice is paid on QOF achievement; if not it keeps its pre-scheme QOF income."""
        return False

    def longest_cycle_days(self) -> int:
        """The longest interval the regime ever plans between reviews: a warm-up must cover it."""
        raise NotImplementedError(f"{type(self).__name__} does not say its longest review cycle (longest_cycle_days)")

    def chase_after_days(self, priority: np.ndarray) -> np.ndarray:
        """Days to wait for an answer to a letter before chasing."""
        return np.full(len(priority), self.params.chase_after_days, dtype=np.int64)

    # ------------------------------------------------------------ settings
    def recording_probability(self, role: int) -> np.ndarray:
        """Coding probability per item kind for a review by ``role``.

        Shared staff outside the practice can code in its record only through a
        shared record.
        """
        if role < len(PRACTICE_ROLES) or self.scenario.federation.shared_record:
            return np.array([self.params.recording[i] for i in ITEMS])
        return np.zeros(len(ITEMS))

    def _build_recording_table(self) -> np.ndarray:
        return np.array([self.recording_probability(r) for r in range(len(self.role_index))])

    @property
    def recording_table(self) -> np.ndarray:
        """Coding probabilities as ``[role, item]``, for vectorised recording."""
        return self._recording_table

    def recording(self, roles: np.ndarray, indicators: Indicators) -> np.ndarray:
        """Probability that each indicator item of a review is coded, ``[reviews, indicators]``,
        for reviews done by ``roles``: items no indicator pays for (points 0) at the unincentivised rates."""
        return self._recording_by_indicator(indicators)[roles]

    def _recording_by_indicator(self, indicators: Indicators) -> np.ndarray:
        """``[role, indicator]`` coding probabilities, worked out once per indicator set."""
        if self._by_indicator is None or self._by_indicator[0] is not indicators:
            items = np.maximum(indicators.item, 0)
            table = np.where(indicators.points > 0, self.recording_table[:, items], self.unincentivised_recording_table[:, items])
            self._by_indicator = (indicators, table)
        return self._by_indicator[1]

    @property
    def unincentivised_recording_table(self) -> np.ndarray:
        """Coding probabilities ``[role, item]`` of items no indicator pays for (by default the same)."""
        return self._recording_table

    @property
    def opportunistic_probability(self) -> float:
        return self.params.opportunistic_probability

    @property
    def opportunistic_minutes(self) -> float:
        return self.params.opportunistic_minutes

    def extra_sessions(self, day: int) -> float:
        """Extra share of practice sessions today (e.g. a year-end push)."""
        return 0.0

    def review_minutes(self, roles: np.ndarray, n_conditions: np.ndarray) -> np.ndarray:
        if self._minutes_by_role is None:
            self._minutes_by_role = np.zeros(len(self.role_index))
            for role, minutes in self.params.review_minutes.items():
                self._minutes_by_role[self.role_index[role]] = minutes
        base = self._minutes_by_role[roles]
        if np.count_nonzero(base <= 0):
            missing = sorted({self.scenario.roles[r] for r in roles[base <= 0]})
            raise ValueError(f"review_minutes has no entry for role(s) {missing}")
        return base + self.params.extra_condition_minutes * np.maximum(n_conditions - 1, 0)
