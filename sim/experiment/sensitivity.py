"""What drives the answer: a one-way sweep, beside a comparison, of the assumptions that link a
missed or extra review to health and of clinician capacity.

Every parameter matching :data:`MECHANISMS` that a compared scenario marks uncertain (a
``range`` in its file) is set to the low and then the high end of its range, the others held
at their values, and every scenario is rerun for the same replications (common random
numbers). A parameter moves only the scenarios that declare it (care planning's adherence
boost leaves QOF as it is). For each measure, each scenario's paired difference from the
baseline and its interval are reported at the base values and at both ends, with the
conclusion at each (higher, lower or no clear difference) and whether it flips.

Each distinct parameter set runs once through the replication cache: an end equal to the
base value, or a parameter a scenario does not have, reuses the base run, and a rerun resumes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any

import numpy as np
import pandas as pd

from sim.config import LoadedScenario, load_scenario
from sim.config.registry import uncertain
from sim.experiment.replications import ReplicationCache, fingerprint, run_experiment
from sim.experiment.stats import paired_differences
from sim.measures.summary import headline, label

MECHANISMS: tuple[str, ...] = (
    "clinical.events.*.overdue_hr",
    "clinical.events.*.review_effect",
    "regime.params.review_adherence_boost",
    "clinical.adherence.floor_share",
    "clinical.adherence.waning_days",
    "clinical.factors.*.intensify_probability",
    "staffing.minutes_per_fte_day.*",
)
"""What a review does to health (overdue hazard, review effects, adherence and its waning,
clinical inertia) and how much clinician time there is: the assumptions an answer may rest on."""

HIGHER, LOWER, UNCLEAR = "higher", "lower", "no clear difference"


@dataclass(frozen=True)
class Lever:
    """An uncertain parameter and the ends of its range."""

    path: str
    value: Any
    low: Any
    high: Any


def levers(scenarios: Sequence[LoadedScenario], patterns: Sequence[str] = MECHANISMS) -> list[Lever]:
    """Uncertain parameters of any scenario that match ``patterns``, in pattern order (first scenario's range wins)."""
    found: dict[str, Lever] = {}
    for loaded in scenarios:
        for p in uncertain(loaded):
            if any(fnmatch(p.path, pattern) for pattern in patterns):
                found.setdefault(p.path, Lever(p.path, p.value, p.low, p.high))
    order = lambda lv: (next(i for i, pat in enumerate(patterns) if fnmatch(lv.path, pat)), lv.path)  # noqa: E731
    return sorted(found.values(), key=order)


def variant(loaded: LoadedScenario, path: str, value: Any) -> LoadedScenario:
    """``loaded`` with ``path`` set to ``value`` if the scenario declares it uncertain, else unchanged."""
    if path not in {p.path for p in uncertain(loaded)}:
        return loaded
    if loaded.path is None:
        raise ValueError(f"{loaded.name}: a sensitivity sweep reloads scenarios from their files")
    return load_scenario(loaded.path, {**loaded.overrides, path: value})


def conclusion(difference: float, lower: float, upper: float) -> str:
    """Higher or lower when the interval excludes 0 (or, with one replication, by sign)."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return HIGHER if difference > 0 else LOWER if difference < 0 else UNCLEAR
    return HIGHER if lower > 0 else LOWER if upper < 0 else UNCLEAR


@dataclass
class Sensitivity:
    """The sweep's tables: ``table`` (sensitivity.csv), ``conclusions`` (conclusions.csv) and
    ``runs`` (sweep.parquet: one row per sample, scenario, replication and measure)."""

    table: pd.DataFrame
    conclusions: pd.DataFrame
    runs: pd.DataFrame
    parameters: list[Lever]


def sensitivity(
    scenarios: Sequence[LoadedScenario],
    cache: ReplicationCache,
    replications: Sequence[int],
    workers: int | None = None,
    scheduler: str = "processes",
    progress: bool = True,
    patterns: Sequence[str] = MECHANISMS,
) -> Sensitivity:
    """Run the one-way sweep against ``scenarios[0]`` as baseline (see the module docstring)."""
    found = levers(scenarios, patterns)
    plan: list[tuple[str, str, Any, list[LoadedScenario]]] = [("", "base", None, list(scenarios))]
    for lever in found:
        for level, value in (("low", lever.low), ("high", lever.high)):
            plan.append((lever.path, level, value, [variant(s, lever.path, value) for s in scenarios]))
    unique = {fingerprint(v): v for *_, variants in plan for v in variants}
    results = run_experiment(list(unique.values()), cache, replications, workers, scheduler, progress)
    heads = {key: headline(r.tables) for key, r in zip(unique, results, strict=True)}
    baseline = scenarios[0].name
    diffs, runs = {}, []
    for sample, (path, level, value, variants) in enumerate(plan):
        head = pd.concat([heads[fingerprint(v)] for v in variants], ignore_index=True)
        diffs[(path, level)] = paired_differences(head, baseline).set_index(["scenario", "measure"])
        long = head.melt(id_vars=["scenario", "replication"], var_name="measure", value_name="value")
        runs.append(long.assign(sample=sample, parameter=path, level=level, label=f"{path}={value}" if path else "base"))
    table = _table(found, diffs)
    return Sensitivity(table, _conclusions(table, diffs[("", "base")]), pd.concat(runs, ignore_index=True), found)


def _table(found: list[Lever], diffs: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    base = diffs[("", "base")]
    frames = []
    for lever in found:
        part = pd.DataFrame(index=base.index)
        part["parameter"], part["base_value"] = lever.path, lever.value
        part["low_value"], part["high_value"] = lever.low, lever.high
        for end, d in (("base", base), ("low", diffs[(lever.path, "low")]), ("high", diffs[(lever.path, "high")])):
            d = d.reindex(base.index)
            part[f"{end}_difference"], part[f"{end}_lower"], part[f"{end}_upper"] = d["difference"], d["lower"], d["upper"]
            part[f"{end}_conclusion"] = [conclusion(*row) for row in d[["difference", "lower", "upper"]].to_numpy()]
        frames.append(part)
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames).reset_index()
    table.insert(1, "baseline", base["baseline"].iloc[0] if len(base) else "")
    table.insert(3, "label", table["measure"].map(label))
    sign = np.sign(table["base_difference"])
    table["sign_flips"] = ((np.sign(table["low_difference"]) * sign < 0) | (np.sign(table["high_difference"]) * sign < 0))
    clear = lambda c: c.isin([HIGHER, LOWER])  # noqa: E731
    table["significance_flips"] = (clear(table["low_conclusion"]) != clear(table["base_conclusion"])) | (
        clear(table["high_conclusion"]) != clear(table["base_conclusion"])
    )
    table["conclusion_flips"] = (table["low_conclusion"] != table["base_conclusion"]) | (
        table["high_conclusion"] != table["base_conclusion"]
    )
    return table


def _conclusions(table: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and measure: the base conclusion, whether it holds across every range, and what flips it."""
    rows = []
    for (scenario, measure), row in base.iterrows():
        mine = table[(table["scenario"] == scenario) & (table["measure"] == measure)] if len(table) else table
        flipped = []
        for _, r in mine[mine["conclusion_flips"]].iterrows() if len(mine) else []:
            for end in ("low", "high"):
                if r[f"{end}_conclusion"] != r["base_conclusion"]:
                    flipped.append(f"{r['parameter']}={r[f'{end}_value']} ({r[f'{end}_conclusion']})")
        rows.append(
            {
                "scenario": scenario, "baseline": row["baseline"], "measure": measure, "label": label(measure),
                "difference": row["difference"], "lower": row["lower"], "upper": row["upper"],
                "conclusion": conclusion(row["difference"], row["lower"], row["upper"]),
                "holds_across_ranges": not flipped, "flipped_by": "; ".join(flipped),
            }
        )
    return pd.DataFrame(rows)
