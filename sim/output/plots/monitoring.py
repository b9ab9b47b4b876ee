"""Plots of monitoring gaps: time since last review, overdue and lost to follow-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.engine.clock import DAYS_PER_YEAR
from sim.output.plots.common import SHARE, Plot, band, ci_table, date_axis, errors, final_label, label_inches, new_figure, to_dates, uncertainty_note
from sim.output.reader import Comparison
from sim.output.words import condition_label
from sim.vocabulary import CONDITIONS


def register_shares(comp: Comparison, measure: str) -> pd.DataFrame | None:
    """Share (%) of each register (and of all registers, ``condition == 'all'``) in
    ``measure`` at every snapshot: mean and interval per scenario, day and condition."""
    snaps = comp.table("snapshots")
    if snaps is None:
        return None
    keys = ["scenario", "replication", "day", "condition"]
    sub = snaps[snaps["measure"].isin([measure, "register"])]
    wide = sub.groupby([*keys, "measure"])["value"].sum().unstack("measure")
    total = wide.groupby(level=["scenario", "replication", "day"]).sum().assign(condition="all")
    wide = pd.concat([wide.reset_index(), total.reset_index()], ignore_index=True)
    wide["share"] = 100 * wide[measure] / wide["register"].where(wide["register"] > 0)
    return ci_table(wide, ["scenario", "day", "condition"], "share", SHARE)


def plot_review_gaps(comp: Comparison) -> Plot | None:
    """(a) Distribution of months since last review at the final snapshot, all registers."""
    gaps = comp.table("gaps")
    if gaps is None:
        return None
    last = gaps[gaps["day"] == gaps["day"].max()]
    per = last.groupby(["scenario", "replication", "months_since_review"])["patients"].sum().reset_index()
    per["share"] = 100 * per["patients"] / per.groupby(["scenario", "replication"])["patients"].transform("sum")
    ci = ci_table(per, ["scenario", "months_since_review"], "share", SHARE)
    measures = comp.parameters().get("measures", {})
    overdue, lost = measures.get("overdue_months", 15), measures.get("lost_to_follow_up_months", 24)
    top = int(ci["months_since_review"].max())
    fig = new_figure(
        comp,
        "How long since each register patient's last review",
        f"All registers combined at the final snapshot ({final_label(gaps['day'])}); each patient counted once per "
        f"condition. {uncertainty_note(comp)}",
        (9, 4.6),
    )
    ax = fig.subplots()
    fig.arrange(bottom=0.85)
    ax.axvspan(overdue - 0.5, top + 0.5, color="#f2f2f2", zorder=0)
    ax.text(overdue, 0.97, f"  overdue: no review for over {overdue} months", transform=ax.get_xaxis_transform(), va="top", fontsize=10, color="#555555")
    ax.axvline(lost - 0.5, color="#888888", linestyle=":", linewidth=1.4)
    ax.text(lost - 0.3, 0.88, f" lost to follow-up:\n over {lost} months", transform=ax.get_xaxis_transform(), va="top", fontsize=10, color="#555555")
    for s in comp.scenarios:
        f = ci[ci["scenario"] == s].sort_values("months_since_review")
        band(ax, f["months_since_review"], f, comp.colours[s], marker="o", markersize=3.5)
    ticks = list(range(0, top + 1, 3))
    ax.set_xticks(ticks, [f"{t}+\nor never" if t == top else str(t) for t in ticks])
    ax.set_xlim(-0.5, top + 0.5)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Months since last review (whole months)")
    ax.set_ylabel("Share of register patients, %")
    caption = (
        f"Share of register patients by whole months since their last review at the final snapshot "
        f"({final_label(gaps['day'])}), all registers combined (a patient on two registers counts twice). "
        f"The last bin holds {top} months or more, including patients never reviewed. The shaded region is "
        f"overdue (more than {overdue} months); the dotted line marks lost to follow-up (more than {lost} months)."
    )
    return Plot(fig, caption)


def plot_overdue(comp: Comparison) -> Plot | None:
    """(b) Share of register patients overdue: over time (all registers) and by register at the end."""
    ci = register_shares(comp, "overdue")
    if ci is None:
        return None
    overdue = comp.parameters().get("measures", {}).get("overdue_months", 15)
    present = set(ci["condition"]) - {"all"}
    conditions = [c for c in CONDITIONS if c in present] + sorted(present - set(CONDITIONS))
    fig = new_figure(
        comp,
        f"Register patients overdue a review (no review for over {overdue} months)",
        f"Left: all registers combined, at each quarterly snapshot. Right: each register at the final snapshot. {uncertainty_note(comp)}",
        (10.5, max(4.2, 0.3 * len(conditions) + 1.2)),
    )
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1]).ravel()
    fig.arrange(wspace=label_inches(condition_label(c) for c in conditions) + 0.2)
    for s in comp.scenarios:
        f = ci[(ci["scenario"] == s) & (ci["condition"] == "all")].sort_values("day")
        band(left, to_dates(f["day"]), f, comp.colours[s], linewidth=1.8)
    date_axis(left, 2 if ci["day"].max() > 4 * DAYS_PER_YEAR else 1)
    left.set_ylim(bottom=0)
    left.set_title("All registers, over time")
    left.set_ylabel("% of register overdue")
    final = ci[ci["day"] == ci["day"].max()]
    dots(right, comp, final.rename(columns={"condition": "row"}), conditions)
    right.set_yticks(range(len(conditions)), [condition_label(c) for c in conditions])
    right.set_title(f"By register, {final_label(ci['day'])}")
    right.set_xlabel("% of register overdue")
    right.set_xlim(left=0)
    caption = (
        f"Share of register patients with no review for over {overdue} months, summed over practices: left, all "
        "registers combined at each quarterly snapshot (a patient on two registers counts twice); right, each "
        "register at the final snapshot."
    )
    return Plot(fig, caption)


def dots(ax: Axes, comp: Comparison, frame: pd.DataFrame, rows: list[str]) -> None:
    """One row per ``rows`` entry, a dot with its interval per scenario, scenarios side by side."""
    n = len(comp.scenarios)
    offsets = (np.arange(n) - (n - 1) / 2) * min(0.22, 0.7 / n)
    for i, s in enumerate(comp.scenarios):
        f = frame[frame["scenario"] == s].set_index("row").reindex(rows)
        ax.errorbar(f["mean"], np.arange(len(rows)) + offsets[i], xerr=errors(f), fmt="o", color=comp.colours[s], markersize=5, elinewidth=1.5, capsize=2)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)


def plot_lost_to_follow_up(comp: Comparison) -> Plot | None:
    """(c) Lost to follow-up over time, all registers."""
    ci = register_shares(comp, "lost_to_follow_up")
    if ci is None:
        return None
    lost = comp.parameters().get("measures", {}).get("lost_to_follow_up_months", 24)
    ci = ci[ci["condition"] == "all"]
    fig = new_figure(
        comp,
        f"Register patients lost to follow-up (no review for over {lost} months)",
        f"All registers combined, quarterly snapshots. {uncertainty_note(comp)}",
        (9, 4.2),
    )
    ax = fig.subplots()
    fig.arrange(bottom=0.75)
    for s in comp.scenarios:
        f = ci[ci["scenario"] == s].sort_values("day")
        band(ax, to_dates(f["day"]), f, comp.colours[s], marker="o", markersize=3)
    date_axis(ax, 1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Snapshot date (quarter end)")
    ax.set_ylabel("% of register patients")
    caption = (
        f"Share of register patients (all registers, a patient counted once per condition) with no review "
        f"for over {lost} months, at each quarterly snapshot."
    )
    return Plot(fig, caption)
