"""Drawing simulated evaluations from the pool, and analysing each in every arm.

``resample``: an evaluation draws its practices with replacement from one pool
replication, then the scheme's selection rule picks which of them switch. Every
practice was simulated both staying on QOF and switching (common random numbers), so
a switcher contributes its switching run and a control its QOF run; because switchers
and controls come from the same pool, the pool's own chance level cancels and, where
nothing was injected, the estimate is centred on zero. ``partition`` cuts each pool
replication into disjoint groups of fresh practices: fully simulated evaluations, used
to check the resampled ones.

The same draws serve every arm, so the arms' power differs only by what was injected.
A ``placebo`` arm gives the switchers their own QOF run: nothing changed, so every
significant finding there is a false positive.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.evaluation import EvaluationSpec
from sim.config.evaluation_checks import switching
from sim.config.schema import Scenario
from sim.engine.streams import Streams
from sim.evaluation.analysis import NOT_ESTIMABLE, analyse
from sim.evaluation.arms import QOF_ARM
from sim.evaluation.panel import MEASURE, Panel
from sim.model.county import choose_members

PLACEBO = "placebo"
EVALUATION_UNIT = 2**31 - 2
"""Stream unit of the evaluation draws, apart from every practice and the county's own draws."""


@dataclass(frozen=True)
class Draw:
    """One simulated evaluation: which pool, which practices (pool indices) and which of them switch."""

    index: int
    pool: int
    practices: np.ndarray
    switched: np.ndarray


def draws(scenario: Scenario, pool_size: int, pools: int, list_size: np.ndarray, quintile: np.ndarray) -> list[Draw]:
    """The evaluations to analyse, the same in every arm."""
    ev = scenario.evaluation
    assert ev is not None and scenario.scheme is not None
    n = scenario.practices.count
    k = switching(scenario)
    out = []
    if ev.sampling == "partition":
        per_pool = pool_size // n
        slots = [(r, np.arange(j * n, (j + 1) * n)) for r in range(pools) for j in range(per_pool)][: ev.evaluations]
    else:
        slots = [(j % pools, None) for j in range(ev.evaluations)]
    for index, (pool, fixed) in enumerate(slots):
        rng = Streams(scenario.seed, index, EVALUATION_UNIT)["evaluation"]
        chosen = fixed if fixed is not None else rng.integers(pool_size, size=n)
        tiebreak = rng.permutation(n)
        switched = choose_members(scenario.scheme.selection, k, list_size[pool, chosen], quintile[pool, chosen], tiebreak)
        keep = _controls(switched, ev, rng)
        out.append(Draw(index, pool, chosen[keep], switched[keep]))
    return out


def _controls(switched: np.ndarray, ev: EvaluationSpec, rng: np.random.Generator) -> np.ndarray:
    """Which drawn practices the evaluation keeps: every switcher, and ``controls`` of the rest (default all)."""
    keep = switched.copy()
    rest = np.flatnonzero(~switched)
    count = len(rest) if ev.controls is None else ev.controls
    keep[rng.permutation(rest)[:count]] = True
    return keep


def arm_data(panels: dict[str, Panel], arm: str, measure: str, data: str, draw: Draw) -> np.ndarray:
    """The evaluation's ``[practice, quarter]`` data: switchers from ``arm``, controls from the QOF arm."""
    source = QOF_ARM if arm == PLACEBO else arm
    switched_y = panels[source].values[measure][data][draw.pool, draw.practices]
    control_y = panels[QOF_ARM].values[measure][data][draw.pool, draw.practices]
    return np.where(draw.switched[:, None], switched_y, control_y)


def realised(panels: dict[str, Panel], arm: str, measure: str, draw: Draw, weighted: bool) -> tuple[float, float]:
    """The true change in the evaluation's switchers after the switch, their arm's run against their QOF run:
    ``(absolute, relative)``, weighted as the analysis weights practices (what its estimate targets)."""
    if arm == PLACEBO:
        return 0.0, 0.0
    qof, own = panels[QOF_ARM], panels[arm]
    rows, post = draw.practices[draw.switched], qof.post
    w = qof.list_size[draw.pool, rows] if weighted else np.ones(len(rows))
    had = np.nanmean(own.values[measure]["true"][draw.pool][np.ix_(rows, post)], axis=1)
    would = np.nanmean(qof.values[measure]["true"][draw.pool][np.ix_(rows, post)], axis=1)
    change = float(np.sum(w * (had - would)) / np.sum(w))
    return change, change / float(np.sum(w * would) / np.sum(w))


def analyse_draws(
    panels: dict[str, Panel], arms: Sequence[str], measures: Sequence[str], chosen: Sequence[Draw], method: str,
    weighted: bool, alpha: float,
) -> pd.DataFrame:
    """Analyse every draw in every arm, for every measure, on the true and on the observed data."""
    return pd.DataFrame(list(_rows(panels, arms, measures, chosen, method, weighted, alpha)))


def _rows(
    panels: dict[str, Panel], arms: Sequence[str], measures: Sequence[str], chosen: Sequence[Draw], method: str,
    weighted: bool, alpha: float,
) -> Iterator[dict[str, object]]:
    post = panels[QOF_ARM].post
    for draw in chosen:
        w = panels[QOF_ARM].list_size[draw.pool, draw.practices] if weighted else np.ones(len(draw.practices))
        for arm in arms:
            for name in measures:
                change, relative = realised(panels, arm, name, draw, weighted)
                same = MEASURE[name].outcome is not None  # hospital data: observed is what happened
                found = {}
                for data in ("true", "observed"):
                    if data == "observed" and same:
                        found[data] = found["true"]
                        continue
                    y = arm_data(panels, arm, name, data, draw)
                    found[data] = analyse(y, draw.switched, post, w, method, alpha) if np.isfinite(y).any() else NOT_ESTIMABLE
                for data, est in found.items():
                    low, high = est.relative_ci
                    yield {
                        "evaluation": draw.index, "pool": draw.pool, "arm": arm, "measure": name, "data": data,
                        "estimate": est.estimate, "se": est.se, "p": est.p, "ci_low": est.ci_low, "ci_high": est.ci_high,
                        "baseline": est.baseline, "relative": est.relative, "relative_low": low, "relative_high": high,
                        "true_change": change, "true_relative": relative, "switching": int(draw.switched.sum()), "controls": int((~draw.switched).sum()),
                    }
