"""The results-folder reader: a written comparison's manifests, summary CSVs and tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.clock import year_label

from sim.output.words import REGIME_LABELS

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
"""Okabe-Ito colours (safe for colour-blind readers); the baseline takes the first."""


# --------------------------------------------------------------------- data
@dataclass
class Comparison:
    """A written comparison folder: manifests, summary CSVs and tables, read lazily."""

    folder: Path
    overview: dict[str, Any]
    manifests: dict[str, dict[str, Any]]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, folder: Path) -> Comparison:
        folder = Path(folder)
        path = folder / "manifest.json"
        if not path.is_file():
            raise FileNotFoundError(f"{folder} is not a comparison folder (no manifest.json)")
        overview = json.loads(path.read_text())
        if "scenarios" not in overview:
            raise ValueError(f"{folder} holds a single run, not a comparison (write one with 'qofsim compare')")
        manifests = {s: json.loads((folder / s / "manifest.json").read_text()) for s in overview["scenarios"]}
        return cls(folder, overview, manifests)

    @property
    def scenarios(self) -> list[str]:
        return list(self.overview["scenarios"])

    @property
    def baseline(self) -> str:
        return str(self.overview.get("baseline", self.scenarios[0]))

    @property
    def replications(self) -> int:
        return len(self.overview.get("replications", [0]))

    @property
    def colours(self) -> dict[str, str]:
        return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(self.scenarios)}

    def regime(self, scenario: str) -> str:
        return str(self.manifests[scenario].get("regime", ""))

    def label(self, scenario: str) -> str:
        """Scenario name with its regime in words, e.g. ``qof_practice (QOF recall)``."""
        regime = self.regime(scenario)
        if not regime:
            return scenario
        words = REGIME_LABELS.get(regime, regime)
        params = self.manifests[scenario].get("regime_parameters", {})
        if regime == "qof" and params.get("exception_reporting") is False:
            words = "QOF recall, incentives withdrawn"
        return f"{scenario} ({words})"

    def parameters(self, scenario: str | None = None) -> dict[str, Any]:
        return dict(self.manifests[scenario or self.baseline].get("parameters", {}))

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` of every scenario that has it, concatenated; None if none has it."""
        if name not in self._tables:
            paths = [self.folder / s / "tables" / f"{name}.parquet" for s in self.scenarios]
            frames = [pd.read_parquet(p) for p in paths if p.is_file()]
            self._tables[name] = pd.concat(frames, ignore_index=True) if frames else None
        return self._tables[name]

    def csv(self, name: str) -> pd.DataFrame:
        path = self.folder / name
        return pd.read_csv(path) if path.is_file() else pd.DataFrame()

    def patient_years(self, by_year: bool = False) -> pd.Series | None:
        """Registered patient-years per scenario and replication (and financial year).

        From the ``life_years`` the clinical layer counts in ``outcomes`` when present
        (lists change as patients die, leave and register); otherwise list size times years.
        """
        keys = ["scenario", "replication", *(["year"] if by_year else [])]
        outcomes = self.table("outcomes")
        if outcomes is not None and {"measure", "value", "year"} <= set(outcomes.columns):
            life = outcomes[outcomes["measure"] == "life_years"]
            if len(life):
                return life.groupby(keys)["value"].sum()
        practices, activity = self.table("practices"), self.table("activity")
        if practices is None or activity is None:
            return None
        lists = practices.groupby(["scenario", "replication"])["list_size"].sum()
        if by_year:
            years = activity[keys].drop_duplicates()
            return years.merge(lists.rename("v").reset_index(), on=["scenario", "replication"]).set_index(keys)["v"]
        return lists * activity.groupby(["scenario", "replication"])["year"].nunique()


def warmup_years(comp: Comparison, scenario: str) -> int:
    """Years simulated and discarded before measuring (0 if the run had no warm-up)."""
    value = comp.parameters(scenario).get("measures", {}).get("warmup_years")
    if value is None:
        value = (comp.overview.get("warmup_years") or {}).get(scenario, 0)
    return int(value or 0)


def reported_years(comp: Comparison, scenario: str) -> str:
    """The financial years measured, e.g. ``2014/15 to 2023/24``."""
    first = warmup_years(comp, scenario)
    years = int(comp.manifests[scenario].get("years", 0) or 0)
    return f"{year_label(first)} to {year_label(first + max(years - 1, 0))}"
