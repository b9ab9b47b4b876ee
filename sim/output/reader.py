"""The results-folder reader: a written comparison's manifests, summary CSVs and tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.clock import year_label
from sim.experiment.stats import paired_differences, summarise
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

    @cached_property
    def short_labels(self) -> dict[str, str]:
        """Each scenario in a reader's words, from its description (see :func:`short_descriptions`)."""
        return short_descriptions({s: str(self.manifests[s].get("description") or "") for s in self.scenarios}, self.label)

    @cached_property
    def setting(self) -> str:
        """What every scenario's description shares, e.g. ``One typical practice`` (may be empty)."""
        return common_words([first_clause(str(self.manifests[s].get("description") or "")) for s in self.scenarios])

    def parameters(self, scenario: str | None = None) -> dict[str, Any]:
        return dict(self.manifests[scenario or self.baseline].get("parameters", {}))

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` of every scenario that has it, concatenated; None if none has it."""
        if name not in self._tables:
            paths = [self.folder / s / "tables" / f"{name}.parquet" for s in self.scenarios]
            frames = [pd.read_parquet(p) for p in paths if p.is_file()]
            self._tables[name] = pd.concat(frames, ignore_index=True) if frames else None
        return self._tables[name]

    def preload(self, tables: Iterable[str]) -> None:
        """Read ``tables`` and summarise the replications now, so that processes forked
        from this one find them read (each is read once, and lazily otherwise)."""
        for name in tables:
            self.table(name)
        self.levels()

    @cached_property
    def headline(self) -> pd.DataFrame | None:
        """Every scenario's ``headline.csv`` (one row per replication), or None if any is missing."""
        paths = [self.folder / s / "headline.csv" for s in self.scenarios]
        if not all(p.is_file() for p in paths):
            return None
        return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)

    def levels(self) -> pd.DataFrame:
        """Mean and interval of each headline measure per scenario, computed from the
        replications so the interval respects the measure's range; ``comparison.csv`` without them."""
        return self._summary[0].copy()

    def differences(self) -> pd.DataFrame:
        """Paired differences from the baseline per scenario and measure (``differences.csv`` without replications)."""
        return self._summary[1].copy()

    @cached_property
    def _summary(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self.headline is None:
            return self.csv("comparison.csv"), self.csv("differences.csv")
        return summarise(self.headline), paired_differences(self.headline, self.baseline)

    def utilisation(self) -> pd.DataFrame | None:
        """Share (%) of each role's session minutes booked, per scenario, over the whole run."""
        act = self.table("activity")
        if act is None or not {"measure", "role", "value"} <= set(act.columns):
            return None
        minutes = act[act["measure"].isin(["minutes_ltc", "minutes_other", "minutes_available"])]
        wide = minutes.groupby(["scenario", "role", "measure"])["value"].sum().unstack(fill_value=0.0)
        if "minutes_available" not in wide:
            return None
        used = wide.get("minutes_ltc", 0.0) + wide.get("minutes_other", 0.0)
        share = 100 * used / wide["minutes_available"].where(wide["minutes_available"] > 0)
        return share.rename("used_pct").dropna().reset_index()

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


def first_clause(description: str) -> str:
    """A description up to its first colon, semicolon or full stop."""
    return re.split(r"[:;]|\.(?:\s|$)", " ".join(description.split()), maxsplit=1)[0].strip()


def common_words(texts: list[str]) -> str:
    """The words every text starts with (nothing for fewer than two texts)."""
    if len(texts) < 2:
        return ""
    split = [t.split() for t in texts]
    shared = []
    for words in zip(*split, strict=False):
        if len(set(words)) > 1:
            break
        shared.append(words[0])
    return " ".join(shared)


def short_descriptions(descriptions: dict[str, str], fallback: Any = str) -> dict[str, str]:
    """Scenario labels from their descriptions' first clauses, less the words all share:
    ``One typical practice under Somerset-style opt-out`` becomes ``Under Somerset-style opt-out``
    beside ``One typical practice under QOF recall``. Falls back to ``fallback(name)``
    where a description is missing or two labels would be the same."""
    clauses = {s: first_clause(d) for s, d in descriptions.items()}
    shared = len(common_words(list(clauses.values())).split())
    labels = {s: " ".join(c.split()[shared:]) or c for s, c in clauses.items()}
    labels = {s: (text[:1].upper() + text[1:]) if text else fallback(s) for s, text in labels.items()}
    if len(set(labels.values())) < len(labels):
        return {s: fallback(s) for s in descriptions}
    return labels


# ---------------------------------------------------------------- provenance
def lookup(tree: Any, path: str) -> Any:
    """Value at a dotted field path (``a.b[2].c``) of a parameter tree, or None."""
    node = tree
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and isinstance(node, list):
            index = int(part[1:-1])
            node = node[index] if index < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def provenance_rows(comp: Comparison) -> list[dict[str, Any]]:
    """One row per parameter path: its value and provenance in each scenario."""
    paths: dict[str, None] = {}
    for s in comp.scenarios:
        paths.update(dict.fromkeys(comp.manifests[s].get("provenance", {})))
    rows = []
    for path in paths:
        per = {}
        for s in comp.scenarios:
            prov = comp.manifests[s].get("provenance", {}).get(path)
            per[s] = (lookup(comp.parameters(s), path), prov or {})
        rows.append({"path": path, "per": per})
    return rows


def differing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose value differs between scenarios: the scenario logic in numbers."""
    out = []
    for row in rows:
        values = {json.dumps(v, sort_keys=True, default=str) for v, _ in row["per"].values()}
        if len(values) > 1:
            out.append(row)
    return out


def provenance_counts(comp: Comparison) -> list[tuple[str, int, int, int]]:
    """(scenario, values, sourced, assumed) per scenario."""
    out = []
    for s in comp.scenarios:
        prov = comp.manifests[s].get("provenance", {})
        sourced = sum("source" in p for p in prov.values())
        assumed = sum("assumption" in p and "source" not in p for p in prov.values())
        out.append((s, len(prov), sourced, assumed))
    return out
