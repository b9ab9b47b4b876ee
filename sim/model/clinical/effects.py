"""Known true effects injected into a practice from a day: the truth a virtual evaluation tries to detect.

The clinical layer reads them in two places only: the health step multiplies the
hazards (and case fatality) by them, and :meth:`ClinicalState.levels` holds a fixed
share of patients above the target of a factor. A patient is held or not by a draw
keyed to the person (stream ``true_effect``), so the same patients are held however
the rest of the run goes, and no other draw moves. With every effect zero nothing
changes, bit for bit.
"""

from __future__ import annotations

import numpy as np

from sim.config.clinical import EVENTS, FACTORS
from sim.config.evaluation import CONTROL_FACTOR, TrueEffectsSpec
from sim.config.schema import Scenario
from sim.engine.streams import Streams


class TrueEffects:
    """Hazard multipliers and held shares of one practice, acting from ``start``."""

    def __init__(self, spec: TrueEffectsSpec, scenario: Scenario, start: int, pid: np.ndarray, streams: Streams) -> None:
        self.start = start
        events = scenario.clinical.events
        self.hazard = np.array(
            [1.0 + (spec.acsc_admissions if events[e].acsc else 0.0) + (spec.mortality if e == "death" else 0.0) for e in EVENTS]
        )
        self.fatality = 1.0 + spec.mortality
        self.held_share = np.array([_share(spec, f) for f in FACTORS])
        self.held_level = np.array([scenario.clinical.factors[f].target + getattr(spec.held_above, f, 0.0) for f in FACTORS])
        self._pid = pid
        """The practice's person ids (the array itself: rows are reused by new registrants)."""
        self._streams = streams
        self._held = np.zeros((len(pid), len(FACTORS)), dtype=bool)
        self._held_pid = np.full(len(pid), -1, dtype=np.int64)

    def acting(self, day: float) -> bool:
        return day >= self.start

    def hold(self, levels: np.ndarray, ids: np.ndarray | slice) -> np.ndarray:
        """``levels[patients, factors]`` with held patients kept at or above their held level."""
        if not self.held_share.any():
            return levels
        held = self._held_rows(np.arange(len(self._pid))[ids])
        return np.where(held, np.maximum(levels, self.held_level), levels)

    def _held_rows(self, rows: np.ndarray) -> np.ndarray:
        stale = rows[self._held_pid[rows] != self._pid[rows]]
        if len(stale):
            u = self._streams.for_people("true_effect", self._pid[stale], 0).random((len(stale), len(FACTORS)))
            self._held[stale] = u < self.held_share
            self._held_pid[stale] = self._pid[stale]
        return self._held[rows]


def _share(spec: TrueEffectsSpec, factor: str) -> float:
    return float(sum(getattr(spec, channel) for channel, f in CONTROL_FACTOR.items() if f == factor))
