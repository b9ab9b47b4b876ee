"""Run several scenarios with common random numbers and write them side by side."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.config import LoadedScenario
from sim.experiment.files import atomic_folder
from sim.experiment.manifest import manifest, versions
from sim.experiment.replications import cache_for, run_experiment
from sim.experiment.runner import RunResult
from sim.experiment.sensitivity import MECHANISMS, Sensitivity, sensitivity
from sim.experiment.stats import mean_ci, paired_differences, summarise
from sim.experiment.warmup import check_warmup
from sim.measures.summary import CAPACITY_BOUND_PCT, headline, label, utilisation

INTERVALS = (
    "95% intervals over replications: for percentages on the logit scale and for counts, rates, times and costs "
    "on the log scale, so they stay in range; differences are paired by replication (common random numbers) "
    "with t intervals"
)


def compare(
    scenarios: Sequence[LoadedScenario],
    folder: Path,
    replications: Sequence[int] = (0,),
    workers: int | None = None,
    progress: bool = True,
    scheduler: str = "processes",
    fresh: bool = False,
    sensitivity_replications: int = 0,
    sensitivity_patterns: Sequence[str] = MECHANISMS,
) -> Path:
    """Simulate each scenario and write ``folder`` with one sub-folder per scenario,
    ``comparison.csv`` (means and intervals) and ``differences.csv`` (paired, against
    the first). Plots and the report are the output layer's:
    :func:`sim.output.report.write_report` draws them from the folder.

    A warm-up shorter than the longest review cycle of any scenario (or one that
    differs between them) is refused before anything runs or is written
    (:class:`~sim.config.ScenarioError`). Finished replications are cached beside
    ``folder`` and reused by a rerun with the same settings (``fresh=True`` ignores them). Raises
    :class:`~sim.experiment.replications.Interrupted` on Ctrl-C, keeping what finished.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ: {names}")
    check_warmup(scenarios)
    cache = cache_for(folder)
    if fresh and cache.root.exists():
        shutil.rmtree(cache.root)
    start = time.perf_counter()
    results = run_experiment(scenarios, cache, replications, workers, scheduler, progress)
    elapsed = time.perf_counter() - start
    for result in results:
        print(f"{result.scenario}: {result.patient_years:,.0f} patient-years, {len(result.replications)} replication(s)")
    print(f"simulated in {elapsed:.1f}s")
    extra = {"experiment_seconds": round(elapsed, 2), "scheduler": scheduler, "cache": str(cache.root)}
    swept = None
    if sensitivity_replications:
        swept = sensitivity(scenarios, cache, range(sensitivity_replications), workers, scheduler, progress, sensitivity_patterns)
        print(f"one-way sensitivity: {len(swept.parameters)} parameters at both ends of their ranges")
    return atomic_folder(folder, lambda tmp: write_comparison(tmp, scenarios, results, extra, swept))


def write_comparison(
    tmp: Path, scenarios: Sequence[LoadedScenario], results: Sequence[RunResult], extra: dict | None = None,
    swept: Sensitivity | None = None,
) -> None:
    heads, capacity = [], []
    for loaded, result in zip(scenarios, results, strict=True):
        sub = tmp / loaded.name / "tables"
        sub.mkdir(parents=True)
        for name, df in result.tables.items():
            df.to_parquet(sub / f"{name}.parquet", index=False)
        head = headline(result.tables)
        head.round(4).to_csv(tmp / loaded.name / "headline.csv", index=False)
        (tmp / loaded.name / "manifest.json").write_text(json.dumps(manifest(result, loaded), indent=2, default=str))
        heads.append(head)
        capacity.append(capacity_table(result.tables))
    pd.concat(capacity, ignore_index=True).round(4).to_csv(tmp / "capacity.csv", index=False)
    all_heads = pd.concat(heads, ignore_index=True)
    summary = summarise(all_heads)
    summary.insert(2, "label", summary["measure"].map(label))
    summary.round(4).to_csv(tmp / "comparison.csv", index=False)
    diffs = paired_differences(all_heads, scenarios[0].name)
    if len(diffs):
        diffs.insert(3, "label", diffs["measure"].map(label))
        diffs.round(4).to_csv(tmp / "differences.csv", index=False)
    overview = {
        "scenarios": [s.name for s in scenarios],
        "baseline": scenarios[0].name,
        "replications": results[0].replications,
        "warmup_years": {s.name: s.scenario.measures.warmup_years for s in scenarios},
        "years_reported": {s.name: s.scenario.years for s in scenarios},
        "interval": INTERVALS,
        "run_seconds": {r.scenario: round(r.seconds, 2) for r in results},
        "versions": versions(),
        **(extra or {}),
    }
    if swept is not None:
        write_sensitivity(tmp, swept)
        overview["sensitivity"] = {
            "replications": int(swept.runs["replication"].nunique()),
            "parameters": {lv.path: [lv.low, lv.high] for lv in swept.parameters},
            "method": "one-way: each parameter at the low and high end of its range, the others at their values; "
            "paired differences against the baseline with t intervals",
        }
    (tmp / "manifest.json").write_text(json.dumps(overview, indent=2, default=str))


def write_sensitivity(tmp: Path, swept: Sensitivity) -> None:
    """``sensitivity.csv`` (each measure, parameter and end), ``conclusions.csv`` (which
    conclusions hold across every range) and ``sweep.parquet`` (every run, long)."""
    swept.table.round(4).to_csv(tmp / "sensitivity.csv", index=False)
    swept.conclusions.round(4).to_csv(tmp / "conclusions.csv", index=False)
    swept.runs.to_parquet(tmp / "sweep.parquet", index=False)


def capacity_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Utilisation by role over replications: mean and 95% interval, and whether the role is
    capacity-bound (mean above :data:`~sim.measures.summary.CAPACITY_BOUND_PCT`)."""
    rows = []
    for (scenario, role), group in utilisation(tables).groupby(["scenario", "role"], sort=False):
        mean, lo, hi = mean_ci(group["utilisation_pct"].to_numpy())
        rows.append(
            {
                "scenario": scenario, "role": role, "utilisation_pct": mean, "lower": lo, "upper": hi,
                "minutes_available_per_year": group["minutes_available"].mean() / tables["outcomes"]["year"].nunique(),
                "capacity_bound": bool(mean > CAPACITY_BOUND_PCT),
                "replications_capacity_bound": int(group["capacity_bound"].sum()),
                "replications": len(group),
            }
        )
    return pd.DataFrame(rows)
