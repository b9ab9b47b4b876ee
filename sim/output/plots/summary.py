"""The summary figure: paired differences from the baseline on the headline measures."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.output.plots.common import Plot, new_figure, tidy_panels, uncertainty_note
from sim.output.reader import Comparison
from sim.output.words import fmt


def plot_summary(comp: Comparison) -> Plot | None:
    """(g) One-page summary: paired differences from the baseline on every headline measure."""
    summary, diffs = comp.csv("comparison.csv"), comp.csv("differences.csv")
    if summary.empty:
        return None
    others = [s for s in comp.scenarios if s != comp.baseline]
    measures = list(dict.fromkeys(summary["measure"]))
    labels = dict(zip(summary["measure"], summary["label"].fillna(summary["measure"]), strict=False))
    ncols = 3 if len(measures) <= 15 else 4
    nrows = math.ceil(len(measures) / ncols)
    fig = new_figure(
        comp,
        f"Summary: how each scenario differs from {comp.baseline}",
        f"Each panel: difference from {comp.baseline} (scenario minus baseline, paired by replication with common "
        "random numbers) on one headline measure, in that measure's units; 0 means no difference. Filled dots: "
        "the interval excludes 0; open dots: it does not. Scenario means are listed under each panel. "
        f"{uncertainty_note(comp)}",
        (13 if ncols == 3 else 16, 1.95 * nrows),
        scenarios=others or comp.scenarios,
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, m in zip(axes, measures, strict=False):
        summary_panel(ax, comp, m, labels[m], summary, diffs, others)
    tidy_panels(axes, len(measures), ncols)
    intervals = "with 95% intervals over replications" if comp.replications > 1 else "from a single replication (no intervals)"
    caption = (
        f"Paired differences from the baseline ({comp.baseline}) on every headline measure, {intervals}; the numbers "
        "under each panel are the scenario means. Units differ between panels (see each panel's title)."
    )
    return Plot(fig, caption)


def summary_panel(
    ax: Axes, comp: Comparison, measure: str, label: str, summary: pd.DataFrame, diffs: pd.DataFrame, others: list[str]
) -> None:
    ax.set_title("\n".join(textwrap.wrap(label, 44)), fontsize=10)
    ax.axvline(0, color="#777777", linewidth=1)
    xs: list[float] = [0.0]
    for i, s in enumerate(others):
        row = diffs[(diffs["scenario"] == s) & (diffs["measure"] == measure)] if not diffs.empty else diffs
        if row.empty:
            continue
        d, lo, hi = (float(row.iloc[0][k]) for k in ("difference", "lower", "upper"))
        clear = np.isfinite(lo) and (lo > 0 or hi < 0)
        xerr = [[max(d - lo, 0)], [max(hi - d, 0)]] if np.isfinite(lo) else None
        colour = comp.colours[s]
        ax.errorbar([d], [-i], xerr=xerr, fmt="o", color=colour, markersize=8, elinewidth=2, capsize=3, markerfacecolor=colour if clear else "white", markeredgewidth=2)
        text = fmt(d, signed=True) + (f"  ({fmt(lo)} to {fmt(hi)})" if np.isfinite(lo) else "")
        ax.annotate(text, (d, -i), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=9.5, color="#222222")
        xs += [x for x in (d, lo, hi) if np.isfinite(x)]
    span = max(xs) - min(xs) or 1.0
    ax.set_xlim(min(xs) - 0.25 * span, max(xs) + 0.25 * span)
    ax.set_ylim(-len(others) + 0.4, 0.8)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="x", labelsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.6g}".replace("-", "−")))
    means = summary[summary["measure"] == measure].set_index("scenario")["mean"]
    ax.set_xlabel("\n".join(f"{s}: {fmt(float(means[s]))}" for s in comp.scenarios if s in means.index), fontsize=9, color="#555555")
