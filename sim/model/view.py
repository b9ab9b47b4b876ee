"""The read-only view of a practice that a regime decides from.

A regime sees the population, the care record, the recall state, its named random
streams, the indicator table, the practice's clinical state and the care behind the
QOF indicators (treatments, vaccinations, grounds for exception); it changes none of
them (it returns decisions, :mod:`sim.model.decisions`). The practice satisfies
this protocol, so a regime never depends on the practice class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

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
