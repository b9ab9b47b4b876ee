"""Figures of a virtual evaluation: power curves, and what the records show beside the truth.

Drawn with Matplotlib's object-oriented API on the Agg canvas (no display needed), in a
style of their own so they do not depend on the report's internals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.evaluation.arms import QOF_ARM, arm_label
from sim.evaluation.panel import MEASURE, Panel

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans", "font.size": 11, "axes.titlesize": 11.5, "axes.titlelocation": "left",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#e3e3e3",
    "legend.frameon": False, "legend.fontsize": 10, "lines.linewidth": 2.0, "figure.facecolor": "white",
    "svg.hashsalt": "qofsim",
}
TRUE_COLOUR, SEEN_COLOUR, CONTROL_COLOUR = "#1b6ca8", "#d1495b", "#7a7a7a"
SHORT = {
    "acsc_admissions": "ACSC admissions", "deaths": "Deaths", "hba1c_control": "HbA1c control (diabetes)",
    "bp_control": "BP control (hypertension)", "bp_control_diabetes": "BP control (diabetes)",
}


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    return path


def power_curves(power: pd.DataFrame, target: float, alpha: float, path: Path) -> Path:
    """Power against the true harm, one panel per measure: true data solid, the evaluator's data dashed."""
    measures = list(dict.fromkeys(power.measure))
    cols = 3 if len(measures) > 4 else 2
    rows = -(-len(measures) // cols)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(4.6 * cols, 3.5 * rows + 0.6))
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, name in zip(axes, measures, strict=False):
            _power_panel(ax, power[power.measure == name], name, target, alpha)
        for ax in axes[len(measures):]:
            ax.set_visible(False)
        fig.suptitle("Could an evaluation of this size detect harm?  Share of simulated evaluations finding a significant change",
                     x=0.01, ha="left", fontsize=12.5)
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        return _save(fig, path)


def _power_panel(ax: Any, rows: pd.DataFrame, name: str, target: float, alpha: float) -> None:
    hospital = MEASURE[name].outcome is not None
    for data, colour, style, label in (
        ("true", TRUE_COLOUR, "-", "hospital and death records" if hospital else "true levels"),
        ("observed", SEEN_COLOUR, "--", None if hospital else "GP records, where reported"),
    ):
        if label is None:
            continue
        g = rows[rows.data == data].dropna(subset=["power"]).sort_values("true_effect")
        if g.empty:
            ax.text(0.5, 0.3, "not reported by scheme practices:\nno evaluation of records can see it",
                    transform=ax.transAxes, ha="center", color=SEEN_COLOUR, fontsize=9.5)
            continue
        x = 100 * g.true_effect.to_numpy()
        y = 100 * g.power.to_numpy()
        err = np.vstack([y - 100 * g.power_low.to_numpy(), 100 * g.power_high.to_numpy() - y])
        ax.errorbar(x, y, yerr=err, color=colour, linestyle=style, marker="o", ms=4, capsize=2, label=label)
    ax.axhline(100 * target, color="#444444", lw=0.9, ls=":")
    ax.axhline(100 * alpha, color="#999999", lw=0.8, ls=":")
    ax.set_ylim(0, 102)
    ax.set_title(SHORT.get(name, name))
    ax.set_xlabel("true harm: relative rise (%)" if not MEASURE[name].from_records
                  else "true harm: relative fall in share controlled (%)", fontsize=9.5)
    ax.set_ylabel("evaluations finding a change (%)", fontsize=9.5)
    ax.legend(loc="upper left", fontsize=8.5)


def seen_and_true(panels: dict[str, Panel], harm: float, weighted: bool, path: Path) -> Path | None:
    """Share controlled by quarter, as recorded (where reported) and as it truly was, switchers and controls."""
    arm = arm_label(harm)
    names = [n for n, v in panels[QOF_ARM].values.items() if MEASURE[n].from_records]
    if arm not in panels or not names:
        return None
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(4.8 * len(names), 3.9))
        axes = fig.subplots(1, len(names), squeeze=False).ravel()
        for ax, name in zip(axes, names, strict=True):
            _seen_panel(ax, panels, arm, name, weighted)
        axes[0].legend(loc="lower left", fontsize=8.5)
        fig.suptitle(f"The same practices switching (injected harm {100 * harm:g}%) or staying on QOF: share controlled, "
                     "as recorded and as it truly was",
                     x=0.01, ha="left", fontsize=12.5)
        fig.tight_layout(rect=(0, 0, 1, 0.93))
        return _save(fig, path)


def _seen_panel(ax: Any, panels: dict[str, Panel], arm: str, name: str, weighted: bool) -> None:
    qof = panels[QOF_ARM]
    quarter = np.arange(len(qof.days)) - int((~qof.post).sum())
    w = qof.list_size if weighted else np.ones_like(qof.list_size)
    for source, who, colour in ((arm, "if they switch", TRUE_COLOUR), (QOF_ARM, "if they stay on QOF", CONTROL_COLOUR)):
        for data, style in (("true", "-"), ("observed", "--")):
            y = panels[source].values[name][data]
            ok = ~np.isnan(y)
            if not ok.any():
                continue
            num = np.where(ok, y, 0.0) * w[:, :, None]
            mean = num.sum(axis=(0, 1)) / np.maximum((ok * w[:, :, None]).sum(axis=(0, 1)), 1e-12)
            mean[~ok.any(axis=(0, 1))] = np.nan
            label = f"{who}: {'true' if data == 'true' else 'recorded'}"
            ax.plot(quarter, mean, color=colour, ls=style, label=label)
    ax.axvline(-0.5, color="#444444", lw=0.9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(SHORT.get(name, name))
    ax.set_xlabel("quarters from the switch", fontsize=9.5)
    ax.set_ylabel("% controlled", fontsize=9.5)
