"""``qofsim evaluate``: simulate the pool's arms, draw and analyse the evaluations, write the results folder."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.config import LoadedScenario, ScenarioError
from sim.engine.clock import year_start
from sim.evaluation.arms import QOF_ARM, make_arms, simulate_arms, switch_start
from sim.evaluation.design import PLACEBO, Draw, analyse_draws, draws
from sim.evaluation.evaluated import Evaluated
from sim.evaluation.panel import Panel, build_panel, measures_for, tidy
from sim.evaluation.power import mde_table, power_table, seen_vs_true
from sim.evaluation.section import mde_summary, write_page
from sim.experiment.replications import Interrupted
from sim.experiment.schedulers import execute
from sim.experiment.files import atomic_folder, writable_folder
from sim.experiment.manifest import git_commit, git_dirty, versions


def evaluate(
    loaded: LoadedScenario,
    out: Path,
    pools: int = 1,
    workers: int | None = None,
    scheduler: str = "processes",
    progress: bool = True,
    fresh: bool = False,
) -> Path:
    """Run the virtual evaluation of ``loaded`` and write ``out/<name>/``; returns the folder."""
    folder = Path(out) / loaded.name
    result = run_evaluation(loaded, folder, pools, workers, scheduler, progress, fresh)
    return atomic_folder(folder, lambda tmp: (write_tables(tmp, result), write_page(tmp, result)))


def evaluate_command(
    loaded: LoadedScenario, out: Path, pools: int, workers: int | None, scheduler: str, quiet: bool, fresh: bool
) -> int:
    """``qofsim evaluate``: check the settings, run, and say where the results are and what they show."""
    if loaded.scenario.evaluation is None:
        raise ScenarioError(loaded.path or "", "evaluation", "missing: this scenario describes no evaluation")
    writable_folder(Path(out) / loaded.name)
    start = time.perf_counter()
    try:
        folder = evaluate(loaded, out, pools, workers, scheduler, not quiet, fresh)
    except Interrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 130
    print(f"wrote {folder} in {time.perf_counter() - start:.0f}s; open {folder / 'evaluation.html'}")
    print(f"smallest harm detected at the evaluation's power (true data): {mde_summary(pd.read_csv(folder / 'mde.csv'))}")
    return 0


def run_evaluation(
    loaded: LoadedScenario,
    folder: Path,
    pools: int = 1,
    workers: int | None = None,
    scheduler: str = "processes",
    progress: bool = True,
    fresh: bool = False,
) -> Evaluated:
    """Simulate (or reuse) the arms and analyse every simulated evaluation."""
    sc, ev = loaded.scenario, loaded.scenario.evaluation
    assert ev is not None, f"{sc.name} has no evaluation section"
    start = time.perf_counter()
    arms = make_arms(loaded)
    results = simulate_arms(arms, folder, pools, workers, scheduler, progress, fresh)
    simulated = time.perf_counter() - start
    switch_day = year_start(switch_start(loaded))
    panels = {arm.label: build_panel(results[arm.label], arm.loaded, switch_day) for arm in arms}
    qof = panels[QOF_ARM]
    chosen = draws(sc, qof.list_size.shape[1], pools, qof.list_size, qof.quintile)
    labels = [PLACEBO] + [a.label for a in arms if a.harm is not None]
    measures = [m.name for m in measures_for(loaded)]
    estimates = analyse_all(panels, labels, measures, chosen, ev.analysis.method, ev.analysis.weights == "list_size",
                            ev.analysis.alpha, workers, scheduler, progress)
    harms = {PLACEBO: 0.0, **{a.label: a.harm for a in arms if a.harm is not None}}
    power = power_table(estimates, harms, ev.analysis.alpha)
    mde = mde_table(power, estimates, ev.analysis.power, ev.analysis.alpha)
    info = {
        "simulation_seconds": round(simulated, 1),
        "total_seconds": round(time.perf_counter() - start, 1),
        "patient_years": sum(r.patient_years for r in results.values()),
        "pools": pools,
        "arms": [a.label for a in arms],
        "evaluations": len(chosen),
        "scheduler": scheduler,
        "workers": workers,
    }
    return Evaluated(loaded, panels, estimates, power, mde, seen_vs_true(power), info)


def analyse_all(
    panels: dict[str, Panel], arms: Sequence[str], measures: Sequence[str], chosen: Sequence[Draw], method: str,
    weighted: bool, alpha: float, workers: int | None, scheduler: str, progress: bool,
) -> pd.DataFrame:
    """Analyse the draws in chunks on the scheduler, with progress; rows in draw order."""
    size = max(1, min(25, len(chosen) // 8 or 1))
    chunks = [chosen[i : i + size] for i in range(0, len(chosen), size)]
    calls = [(i, (panels, arms, measures, chunk, method, weighted, alpha)) for i, chunk in enumerate(chunks)]
    parts: dict[int, pd.DataFrame] = {}
    with tqdm(total=len(chosen), desc="evaluations", unit="eval", disable=not progress) as bar:
        for key, frame in execute(analyse_draws, calls, scheduler, workers):
            parts[int(key)] = frame  # type: ignore[call-overload]
            bar.update(len(chunks[int(key)]))  # type: ignore[call-overload]
    return pd.concat([parts[i] for i in range(len(chunks))], ignore_index=True)


def write_tables(tmp: Path, result: Evaluated) -> None:
    """The tidy tables and the manifest."""
    switch_day = year_start(switch_start(result.loaded))
    result.power.round(5).to_csv(tmp / "power.csv", index=False)
    result.mde.round(5).to_csv(tmp / "mde.csv", index=False)
    result.seen.round(5).to_csv(tmp / "seen_vs_true.csv", index=False)
    result.estimates.to_parquet(tmp / "estimates.parquet", index=False)
    tidy(result.panels, switch_day).to_parquet(tmp / "panel.parquet", index=False)
    (tmp / "manifest.json").write_text(json.dumps(manifest(result), indent=2, default=str))


def manifest(result: Evaluated) -> dict[str, object]:
    loaded = result.loaded
    sc = loaded.scenario
    return {
        "scenario": sc.name,
        "scenario_file": str(loaded.path),
        "description": sc.description,
        "seed": sc.seed,
        "practices_per_evaluation": sc.practices.count,
        "scheme": sc.scheme.model_dump(mode="json") if sc.scheme else None,
        "evaluation": sc.evaluation.model_dump(mode="json") if sc.evaluation else None,
        **result.info,
        "overrides": loaded.overrides,
        "command": " ".join(sys.argv),
        "versions": {**versions(), "statsmodels": _version("statsmodels")},
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "provenance": {k: v for k, v in loaded.provenance.items() if k.startswith(("evaluation", "scheme"))},
    }


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
