"""Parameter sweeps for sensitivity analysis: many parameter sets, several scenarios,
common random numbers, tidy results.

A sweep takes a table of parameter sets (one row per sample, one column per
dotted field path, e.g. ``population.attendance.mean``) and runs every scenario
for every sample and replication. A sampled value overrides a scenario only where
that scenario's registry declares the parameter uncertain (a ``range`` in its
file), so regime-specific parameters move only their own regime. Replication
``r`` uses the same random streams in every sample and scenario, so differences
between scenarios are paired.

Ranges come from the parameter registry (:mod:`sim.config.registry`), never retyped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.config import LoadedScenario, load_scenario
from sim.experiment.schedulers import execute
from sim.config.registry import Parameter, uncertain
from sim.experiment.runner import run_scenario
from sim.experiment.warmup import check_warmup
from sim.measures.summary import headline

KEY_DIFFERENCES = {
    "missed_plan_pct": "Register patients who missed their own review plan, percentage points",
    "clinician_hours_per_1000": "Clinician hours per 1,000 patients per year",
    "events_per_1000": "MI, stroke, HF and ACSC admissions, amputations per 1,000 patient-years",
}
"""Headline differences sensitivity analyses report (opt-out minus QOF)."""


def uncertain_parameters(paths: Sequence[str | Path], overrides: dict[str, Any] | None = None) -> list[Parameter]:
    """Union of the scenarios' uncertain parameters, by field path (first scenario's entry wins)."""
    found: dict[str, Parameter] = {}
    for path in paths:
        for p in uncertain(load_scenario(path, overrides)):
            found.setdefault(p.path, p)
    return list(found.values())


def salib_problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """A SALib problem definition from registry parameters and their ranges."""
    return {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [[float(p.low), float(p.high)] for p in parameters],  # type: ignore[arg-type]
    }


def one_way_samples(parameters: Sequence[Parameter]) -> pd.DataFrame:
    """Base case plus each parameter at its low and high end, the others at their values."""
    base = {p.path: p.value for p in parameters}
    rows = [{"label": "base", "parameter": "", "level": "base", **base}]
    for p in parameters:
        for level, value in (("low", p.low), ("high", p.high)):
            rows.append({"label": f"{p.path}={value}", "parameter": p.path, "level": level, **{**base, p.path: value}})
    return pd.DataFrame(rows)


def uniform_samples(parameters: Sequence[Parameter], n: int, seed: int) -> pd.DataFrame:
    """``n`` parameter sets drawn uniformly over each range (probabilistic sensitivity analysis)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({p.path: rng.uniform(p.low, p.high, n) for p in parameters})


def _one(path: str, base: dict[str, Any], sample: dict[str, Any], replication: int) -> pd.DataFrame:
    loaded = load_scenario(path, {**base, **sample})
    return headline(run_scenario(loaded, (replication,), workers=1, progress=False, scheduler="serial").tables)


def sweep(
    scenarios: Sequence[str | Path],
    samples: pd.DataFrame,
    replications: Sequence[int] = (0,),
    overrides: dict[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str = "processes",
    progress: bool = True,
) -> pd.DataFrame:
    """Run every scenario for every sample (row of ``samples``) and replication.

    ``overrides`` apply to every run (e.g. a smaller practice for a quick look). As in a
    comparison, the warm-up must cover the longest review cycle of every scenario and be the
    same in each (:func:`~sim.experiment.warmup.check_warmup`; raises ScenarioError before any run).
    Returns a long table: sample, scenario, replication, measure, value. Columns of
    ``samples`` that are not field paths (such as ``label``) are carried along.
    """
    base = overrides or {}
    paths = [str(p) for p in scenarios]
    loaded = [load_scenario(p, base) for p in paths]
    check_warmup(loaded)  # measured years past every regime's start-up, the same in each scenario (paired)
    allowed = {p: {x.path for x in uncertain(scenario)} for p, scenario in zip(paths, loaded, strict=True)}
    params = [c for c in samples.columns if "." in c]
    calls = []
    for i, row in enumerate(samples[params].to_dict("records")):
        for p in paths:
            chosen = {k: _plain(v) for k, v in row.items() if k in allowed[p]}
            calls.extend(((i, p, r), (p, base, chosen, r)) for r in replications)
    frames = []
    with tqdm(total=len(calls), desc="sweep", unit="run", disable=not progress) as bar:
        for (i, _, _), head in execute(_one, calls, scheduler, workers):
            frames.append(head.assign(sample=i))
            bar.update()
    wide = pd.concat(frames, ignore_index=True)
    _add_composites(wide)
    long = wide.melt(id_vars=["sample", "scenario", "replication"], var_name="measure", value_name="value")
    extra = samples.drop(columns=params).reset_index(drop=True)
    if len(extra.columns):
        long = long.merge(extra.rename_axis("sample").reset_index(), on="sample", how="left")
    return long.sort_values(["sample", "scenario", "replication", "measure"], ignore_index=True)


def _add_composites(wide: pd.DataFrame) -> None:
    wide["clinician_hours_per_1000"] = wide["ltc_hours_per_1000_patients"] + wide["other_hours_per_1000_patients"]
    events = ["mi_per_1000", "stroke_per_1000", "hf_admission_per_1000", "amputation_per_1000", "acsc_admissions_per_1000"]
    wide["events_per_1000"] = wide[events].sum(axis=1)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def differences(results: pd.DataFrame, baseline: str, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """Each scenario minus ``baseline``, paired by sample and replication (long table)."""
    measures = list(measures or KEY_DIFFERENCES)
    part = results[results["measure"].isin(measures)]
    wide = part.pivot_table(index=["sample", "replication", "measure"], columns="scenario", values="value")
    out = wide.drop(columns=baseline).sub(wide[baseline], axis=0)
    return out.rename_axis(columns="scenario").stack().rename("difference").reset_index()


def scenario_name(path: str | Path) -> str:
    return load_scenario(path).name


def by_sample(diffs: pd.DataFrame) -> pd.DataFrame:
    """Mean difference over replications per sample, scenario and measure (wide by measure)."""
    return diffs.groupby(["sample", "scenario", "measure"])["difference"].mean().unstack("measure").reset_index()


__all__ = [
    "KEY_DIFFERENCES", "by_sample", "differences", "one_way_samples", "salib_problem", "sweep",
    "uncertain_parameters", "uniform_samples", "LoadedScenario",
]
