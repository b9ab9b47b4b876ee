"""What an evaluation run produced, before it is written."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.config import LoadedScenario
from sim.evaluation.panel import Panel


@dataclass
class Evaluated:
    """The arms' data, every evaluation's estimates and their summaries."""

    loaded: LoadedScenario
    panels: dict[str, Panel]
    estimates: pd.DataFrame
    power: pd.DataFrame
    mde: pd.DataFrame
    seen: pd.DataFrame
    info: dict[str, object]
