"""The scenario's indicator set as column arrays, for vectorised recording and counting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.config.clinical import FACTORS
from sim.vocabulary import CONDITIONS, ITEMS

if TYPE_CHECKING:
    from sim.config.schema import IndicatorSpec


class Indicators:
    """Indicator ``i``'s condition, item kind, risk factor (-1 for none) and target (NaN for none)."""

    def __init__(self, specs: Sequence[IndicatorSpec]) -> None:
        self.specs = tuple(specs)
        self.condition = np.array([CONDITIONS.index(i.condition) for i in specs], dtype=np.int64)
        self.item = np.array([ITEMS.index(i.item) for i in specs], dtype=np.int64)
        self.factor = np.array([FACTORS.index(i.factor) if i.factor else -1 for i in specs], dtype=np.int64)
        self.target = np.array([i.target if i.target is not None else np.nan for i in specs])

    def __len__(self) -> int:
        return len(self.specs)

    @property
    def outcome(self) -> np.ndarray:
        """Which indicators are outcome indicators (a risk factor against a target)."""
        return self.factor >= 0
