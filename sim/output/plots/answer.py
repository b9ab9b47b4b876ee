"""The report's first figure: each scenario on the three questions of the answer
(monitoring gaps, workload, outcomes), one small panel each."""

from __future__ import annotations

import numpy as np

from sim.output.answer import PHRASES, chosen_measures
from sim.output.plots.common import Plot, errors, new_figure, uncertainty_note
from sim.output.reader import Comparison
from sim.output.words import fmt

WIDTH_IN = 5.0
PANEL_IN = 1.4


def plot_answer(comp: Comparison) -> Plot | None:
    """Mean of each answer measure per scenario, with its 95% interval, the baseline on top."""
    chosen = [(topic, m) for topic, m in chosen_measures(comp) if m]
    if not chosen:
        return None
    levels = comp.levels()
    n = len(comp.scenarios)
    note = "Means with 95% intervals" if comp.replications > 1 else uncertainty_note(comp)
    fig = new_figure(comp, "At a glance", note, (WIDTH_IN, PANEL_IN * len(chosen) * max(n, 2) / 3 + 0.3))
    axes = fig.subplots(len(chosen), 1, squeeze=False).ravel()
    fig.arrange(left=0.15, right=0.2, bottom=0.3, top=0.5, hspace=0.85)
    for ax, (topic, measure) in zip(axes, chosen, strict=True):
        rows = levels[levels["measure"] == measure].set_index("scenario").reindex(comp.scenarios)
        y = np.arange(n)
        ax.barh(y, rows["mean"], color=[comp.colours[s] for s in comp.scenarios], height=0.7, xerr=errors(rows),
                error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 1})
        ends = rows["upper"].where(rows["upper"].notna(), rows["mean"])
        pct = PHRASES[measure].kind == "pct" if measure in PHRASES else False
        for yy, value, end in zip(y, rows["mean"], ends, strict=True):
            ax.annotate(fmt(value) + ("%" if pct else ""), (end, yy), xytext=(4, 0), textcoords="offset points", va="center", fontsize=10)
        label = PHRASES[measure].short if measure in PHRASES else measure
        ax.set_title(f"{topic}: {label}", fontsize=10.5, loc="left")
        ax.set_yticks([])
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, float(np.nanmax(ends)) * 1.25 or 1.0)
        ax.grid(axis="y", visible=False)
        ax.spines["left"].set_visible(False)
    caption = (
        "Each scenario on the three questions: bars are means over replications with 95% intervals; the baseline is "
        "the top bar in each panel."
    )
    return Plot(fig, caption)
