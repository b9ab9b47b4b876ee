"""The regime interface. A regime decides who is recalled, how reviews are booked,
what happens when patients do not answer, and how much is recorded.

To add a regime, subclass :class:`Policy`, give it a ``Params`` model and either
register it in :mod:`sim.model.policies` or name it in a scenario as
``policy: "package.module:ClassName"``. The engine does not change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
import simpy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.vocabulary import ITEMS, PRACTICE_ROLES
from sim.config.schema import Scenario

if TYPE_CHECKING:
    from sim.model.practice import Practice

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

    @model_validator(mode="after")
    def _items(self) -> PolicyParams:
        missing = [i for i in ITEMS if i not in self.recording]
        unknown = [i for i in self.recording if i not in ITEMS]
        if missing or unknown:
            raise ValueError(f"recording must give each of {', '.join(ITEMS)} (missing {missing}, unknown {unknown})")
        return self


class Policy(ABC):
    """A regime of long-term-condition care, applied to every practice in a run."""

    name: ClassVar[str]
    Params: ClassVar[type[PolicyParams]]

    def __init__(self, params: PolicyParams, scenario: Scenario) -> None:
        self.params = params
        self.scenario = scenario
        self.role_index = {r: i for i, r in enumerate(scenario.roles)}
        for role in params.review_minutes:
            self.role_of(role, "review_minutes")
        self._recording = np.array([params.recording[i] for i in ITEMS])
        self._no_recording = np.zeros(len(ITEMS))

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

    # ------------------------------------------------------------ life cycle
    @abstractmethod
    def start(self, practice: Practice, rows: np.ndarray, day: int) -> None:
        """Set first due dates for patients ``rows`` (all at day 0; new registrants later)."""

    def on_diagnosis(self, practice: Practice, ids: np.ndarray, k: int, day: int) -> None:
        """A new diagnosis of condition ``k``: due for review now."""
        practice.care.due[ids, k] = day

    def processes(self, practice: Practice, env: simpy.Environment) -> Iterable[Generator[Any, Any, None]]:
        """SimPy processes the regime runs for a practice: by default, a recall search."""
        return [self._recall_loop(practice, env)]

    def _recall_loop(self, practice: Practice, env: simpy.Environment) -> Generator[Any, Any, None]:
        yield env.timeout(0.25)  # recall runs before the day's clinics (at day + 0.5)
        while True:
            self.recall(practice, int(env.now))
            yield env.timeout(self.params.recall_every_days)

    @abstractmethod
    def recall(self, practice: Practice, day: int) -> None:
        """Invite patients whose review is due."""

    @abstractmethod
    def booking(self, practice: Practice, ids: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Role index and minutes of each patient's review."""

    @abstractmethod
    def on_no_response(self, practice: Practice, ids: np.ndarray, day: int) -> None:
        """Patients who did not answer the last letter or missed the appointment."""

    @abstractmethod
    def on_reviewed(self, practice: Practice, ids: np.ndarray, cover: np.ndarray, day: int) -> None:
        """A review covering ``cover`` took place: set the next due date."""

    def on_contact(self, practice: Practice, ids: np.ndarray, day: int) -> None:
        raise NotImplementedError(f"{self.name} makes no follow-up contacts")

    # ------------------------------------------------------------ settings
    def recording_probability(self, practice: Practice, role: int) -> np.ndarray:
        """Coding probability per item kind for a review by ``role``.

        Shared staff outside the practice can code in its record only through a
        shared record.
        """
        if role < len(PRACTICE_ROLES) or self.scenario.federation.shared_record:
            return self._recording
        return self._no_recording

    def recording_table(self, practice: Practice) -> np.ndarray:
        """Coding probabilities as ``[role, item]``, for vectorised recording."""
        table = getattr(self, "_recording_table", None)
        if table is None:
            table = np.array([self.recording_probability(practice, r) for r in range(len(self.role_index))])
            self._recording_table = table
        return table

    def opportunistic_probability(self, practice: Practice) -> float:
        return self.params.opportunistic_probability

    @property
    def opportunistic_minutes(self) -> float:
        return self.params.opportunistic_minutes

    def chase_after_days(self, priority: np.ndarray) -> np.ndarray:
        return np.full(len(priority), self.params.chase_after_days, dtype=np.int64)

    def extra_sessions(self, practice: Practice, day: int) -> float:
        """Extra share of practice sessions today (e.g. a year-end push)."""
        return 0.0

    def review_minutes(self, roles: np.ndarray, n_conditions: np.ndarray) -> np.ndarray:
        by_role = np.zeros(len(self.role_index))
        for role, minutes in self.params.review_minutes.items():
            by_role[self.role_index[role]] = minutes
        base = by_role[roles]
        if np.any(base <= 0):
            missing = sorted({self.scenario.roles[r] for r in roles[base <= 0]})
            raise ValueError(f"review_minutes has no entry for role(s) {missing}")
        return base + self.params.extra_condition_minutes * np.maximum(n_conditions - 1, 0)
