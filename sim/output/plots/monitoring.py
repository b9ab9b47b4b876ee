"""Plots of monitoring gaps: time since last review, overdue and lost to follow-up."""

from __future__ import annotations

import math

import pandas as pd

from sim.engine.clock import DAYS_PER_YEAR
from sim.output.plots.common import Plot, band, ci_table, date_axis, final_label, new_figure, tidy_panels, to_dates, uncertainty_note
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
    return ci_table(wide, ["scenario", "day", "condition"], "share")


def plot_review_gaps(comp: Comparison) -> Plot | None:
    """(a) Distribution of months since last review at the final snapshot, all registers."""
    gaps = comp.table("gaps")
    if gaps is None:
        return None
    last = gaps[gaps["day"] == gaps["day"].max()]
    per = last.groupby(["scenario", "replication", "months_since_review"])["patients"].sum().reset_index()
    per["share"] = 100 * per["patients"] / per.groupby(["scenario", "replication"])["patients"].transform("sum")
    ci = ci_table(per, ["scenario", "months_since_review"], "share")
    measures = comp.parameters().get("measures", {})
    overdue, lost = measures.get("overdue_months", 15), measures.get("lost_to_follow_up_months", 24)
    top = int(ci["months_since_review"].max())
    fig = new_figure(
        comp,
        "How long since each register patient's last review",
        f"All registers combined at the final snapshot ({final_label(gaps['day'])}); each patient counted once per "
        f"condition. {uncertainty_note(comp)}",
        (10, 5.2),
    )
    ax = fig.subplots()
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
    """(b) Share of each register overdue, over time: small multiples by condition."""
    ci = register_shares(comp, "overdue")
    if ci is None:
        return None
    overdue = comp.parameters().get("measures", {}).get("overdue_months", 15)
    present = set(ci["condition"])
    conditions = ["all"] + [c for c in CONDITIONS if c in present] + sorted(present - set(CONDITIONS) - {"all"})
    ncols = 4
    nrows = math.ceil(len(conditions) / ncols)
    fig = new_figure(
        comp,
        f"Register patients overdue a review (no review for over {overdue} months)",
        f"Share of each register overdue at each quarterly snapshot. {uncertainty_note(comp)}",
        (13, 2.55 * nrows),
    )
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, cond in zip(axes, conditions, strict=False):
        for s in comp.scenarios:
            f = ci[(ci["scenario"] == s) & (ci["condition"] == cond)].sort_values("day")
            band(ax, to_dates(f["day"]), f, comp.colours[s], linewidth=1.8)
        ax.set_title(condition_label(cond), fontsize=11.5, fontweight="bold" if cond == "all" else "normal")
        date_axis(ax, 2 if ci["day"].max() > 4 * DAYS_PER_YEAR else 1)
    tidy_panels(axes, len(conditions), ncols)
    for ax in axes[::ncols]:
        ax.set_ylabel("% of register overdue")
    axes[0].set_ylim(bottom=0)
    caption = (
        f"Share of each register with no review for over {overdue} months, at each quarterly snapshot, "
        "summed over practices; the first panel combines all registers. Panels share the vertical scale."
    )
    return Plot(fig, caption)


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
        (10, 4.8),
    )
    ax = fig.subplots()
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
