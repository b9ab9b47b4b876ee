"""The read-only views a regime decides from: a practice, and the group of practices it runs.

A regime sees the population, the care record, the recall state, its named random
streams, the indicator table, the practice's clinical state and the care behind the
QOF indicators (treatments, vaccinations, grounds for exception); it changes none of
them (it returns decisions, :mod:`sim.model.decisions`). The practice satisfies
this protocol, so a regime never depends on the practice class.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sim.config.schema import Scenario
    from sim.engine.streams import Streams
    from sim.model.clinical.state import ClinicalState
    from sim.model.population import Population
    from sim.model.qof.care import QofCare
    from sim.model.qof.indicators import Indicators
    from sim.model.recall import RecallState
    from sim.model.record import CareRecord


class PracticeView(Protocol):
    """What a regime may read about one practice."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def pop(self) -> Population: ...

    @property
    def care(self) -> CareRecord: ...

    @property
    def recall(self) -> RecallState: ...

    @property
    def clinical(self) -> ClinicalState: ...

    @property
    def indicators(self) -> Indicators: ...

    @property
    def qof_care(self) -> QofCare: ...

    @property
    def streams(self) -> Streams: ...


class GroupView(PracticeView, Protocol):
    """What a regime decides from: the patients of all the practices it runs in a federation
    (:class:`~sim.model.group.PracticeGroup`), with each practice's own view for decisions
    that are a practice's own (a year-end push sized to its list, reporting per practice)."""

    @property
    def members(self) -> Sequence[PracticeView]: ...

    @property
    def blocks(self) -> list[slice]:
        """Each member's rows among the group's."""
        ...


class RecallGroup(GroupView, Protocol):
    """What the recall desk works through: the group's patients, and counting and booking per practice."""

    @property
    def practice_of(self) -> np.ndarray:
        """Index (in ``members``) of the practice each row belongs to."""
        ...

    def by_practice(self, ids: np.ndarray) -> Iterator[tuple[int, np.ndarray | slice]]:
        """``(practice, selection of ids)`` for each member with patients among ``ids``."""
        ...

    def count(self, measure: str, ids: np.ndarray) -> None: ...

    def admin(self, unit: str, ids: np.ndarray, units: np.ndarray | None = None, roles: np.ndarray | None = None) -> None: ...
