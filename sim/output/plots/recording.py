"""QOF achievement, on what the record shows versus the care delivered."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch

from sim.engine.clock import year_label
from sim.output.plots.common import SHARE, Plot, ci_table, errors, label_inches, new_figure, uncertainty_note
from sim.output.reader import Comparison
from sim.output.words import condition_label


def plot_qof(comp: Comparison) -> Plot | None:
    """(f) QOF achievement by indicator, recorded versus delivered, final year."""
    qof = comp.table("qof")
    if qof is None:
        return None
    final = int(qof["year"].max())
    last = qof[qof["year"] == final]
    sums = last.groupby(["scenario", "replication", "indicator"], sort=False)[["numerator_recorded", "numerator_delivered", "denominator"]].sum().reset_index()
    bases = {"recorded": "Recorded (what QOF pays on)", "delivered": "Delivered (care that took place)"}
    for basis in bases:
        sums[basis] = 100 * sums[f"numerator_{basis}"] / sums["denominator"].where(sums["denominator"] > 0)
    indicators = list(last["indicator"].unique())
    named = last.drop_duplicates("indicator", keep="last")
    conditions = dict(zip(named["indicator"], named["condition"], strict=True))
    specs = {i["id"]: i for i in comp.parameters().get("indicators", [])}
    fig = new_figure(
        comp,
        f"QOF indicator achievement in {year_label(final)}: recorded versus delivered",
        "Patients meeting each indicator as a share of its denominator (register less exceptions), all practices. "
        f"{uncertainty_note(comp)}",
        (10.5, 0.32 * len(indicators) + 1.2),
        extra_handles=[Patch(color="#e6e6e6", label="payment range (lower to upper threshold)")],
    )
    axes = fig.subplots(1, 2, sharey=True, sharex=True).ravel()
    labels = [f"{ind}  ({condition_label(conditions[ind])})" if conditions.get(ind) else ind for ind in indicators]
    fig.arrange(left=label_inches(labels), wspace=0.3, bottom=0.65)
    n = len(comp.scenarios)
    offsets = (np.arange(n) - (n - 1) / 2) * min(0.22, 0.7 / n)
    for ax, (basis, title) in zip(axes, bases.items(), strict=True):
        ci = ci_table(sums, ["scenario", "indicator"], basis, SHARE)
        payment_ranges(ax, [(j, specs[ind]["lower"], specs[ind]["upper"]) for j, ind in enumerate(indicators) if ind in specs])
        for i, s in enumerate(comp.scenarios):
            f = ci[ci["scenario"] == s].set_index("indicator").reindex(indicators)
            y = np.arange(len(indicators)) + offsets[i]
            ax.errorbar(f["mean"], y, xerr=errors(f), fmt="o", color=comp.colours[s], markersize=6, elinewidth=1.5, capsize=2)
        ax.set_title(title)
        ax.set_xlabel("Achievement, % of denominator")
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(range(len(indicators)), labels)
    axes[0].set_ylim(len(indicators) - 0.5, -0.5)
    axes[0].set_xlim(0, 102)
    caption = (
        f"Achievement of each QOF indicator in the final year ({year_label(final)}), summed over practices: "
        "left, on what the record shows (the basis of QOF payment); right, on care actually delivered within "
        "the indicator window. The grey band is the indicator's payment range (points accrue between the lower "
        "and upper thresholds). The gap between the two panels is care delivered but not recorded."
    )
    return Plot(fig, caption)


def payment_ranges(ax: Axes, rows: list[tuple[int, float, float]]) -> None:
    """A grey band from lower to upper threshold on each indicator's row (``row, lower, upper``),
    all in one collection: one artist for the panel, not one per indicator."""
    boxes = [[(lo, j - 0.4), (lo, j + 0.4), (hi, j + 0.4), (hi, j - 0.4)] for j, lo, hi in rows]
    ax.add_collection(PolyCollection(boxes, facecolors="#e6e6e6", linewidths=0, zorder=0))
