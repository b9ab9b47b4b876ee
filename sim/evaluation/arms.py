"""The arms of a virtual evaluation: the same pool of practices staying on QOF, or switching with a known harm.

Every arm is a variant of the evaluation's county with the same seed, so replication
``r`` of every arm has the same practices and patients (common random numbers): up to
the switch the arms are the same run, and after it they differ by the switch and the
injected harm. An evaluation then takes each switching practice from a harm arm and each
control from the QOF arm. In a harm arm every practice of the pool switches, so a
federation's shared staff serve all its practices (in the county only members use them).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config import LoadedScenario, load_scenario
from sim.experiment.replications import cache_for, run_experiment
from sim.experiment.runner import RunResult

QOF_ARM = "qof"
"""The arm in which no practice switches: controls, and every switching practice's counterfactual."""


@dataclass(frozen=True)
class Arm:
    """One simulated arm of the pool."""

    label: str
    harm: float | None
    """The injected harm; ``None`` for the arm that stays on QOF."""
    loaded: LoadedScenario


def switch_start(loaded: LoadedScenario) -> int:
    """Financial year (from the start of the run, warm-up included) at which practices switch."""
    ev = loaded.scenario.evaluation
    assert ev is not None, "not an evaluation scenario"
    return loaded.scenario.measures.warmup_years + ev.years_before


def arm_label(harm: float | None) -> str:
    return QOF_ARM if harm is None else f"harm {harm:g}"


def make_arms(loaded: LoadedScenario) -> list[Arm]:
    """The QOF arm, then one switching arm per injected harm (in increasing order)."""
    sc = loaded.scenario
    ev = sc.evaluation
    if ev is None or loaded.path is None:
        raise ValueError(f"{sc.name} has no evaluation section (or was not loaded from a file)")
    common: dict[str, Any] = {
        **loaded.overrides,
        "years": ev.years_before + ev.years_after,
        "scheme.start_year": switch_start(loaded),
        "practices.count": ev.pool_practices or sc.practices.count,
        "evaluation": None,  # arms are plain county runs: their cache does not depend on how they are analysed
    }
    arms = [Arm(QOF_ARM, None, load_scenario(loaded.path, {**common, "name": f"{sc.name}-qof", "scheme.share": 0.0}))]
    for harm in ev.effects:
        injected = {f"scheme.effects.{channel}": harm for channel in ev.effects_on}
        over = {**common, **injected, "name": f"{sc.name}-harm-{harm:g}", "scheme.share": 1.0}
        arms.append(Arm(arm_label(harm), harm, load_scenario(loaded.path, over)))
    return arms


def simulate_arms(
    arms: Sequence[Arm],
    folder: Path,
    pools: int = 1,
    workers: int | None = None,
    scheduler: str = "processes",
    progress: bool = True,
    fresh: bool = False,
) -> dict[str, RunResult]:
    """Simulate ``pools`` replications of every arm (cached beside ``folder``); results by arm label."""
    cache = cache_for(folder)
    if fresh and cache.root.exists():
        shutil.rmtree(cache.root)
    results = run_experiment([a.loaded for a in arms], cache, range(pools), workers, scheduler, progress)
    return {arm.label: result for arm, result in zip(arms, results, strict=True)}
