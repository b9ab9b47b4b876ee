"""Plots of workload and access: clinician hours by role and waiting times."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.engine.clock import year_label
from sim.output.answer import BUSY_PCT
from sim.output.plots.common import SHARE, Plot, band, ci_table, errors, label_inches, new_figure, uncertainty_note
from sim.output.reader import Comparison
from sim.output.words import fmt, role_label
from sim.vocabulary import PRACTICE_ROLES


def hours_by_role(comp: Comparison) -> pd.DataFrame | None:
    """Clinician hours per 1,000 registered patients per year by role and kind of work."""
    act, person_years = comp.table("activity"), comp.patient_years()
    if act is None or person_years is None:
        return None
    kinds = {"minutes_ltc": "ltc", "minutes_other": "other", "minutes_available": "available"}
    sub = act[act["measure"].isin(list(kinds))]
    frames = []
    for s, group in sub.groupby("scenario", sort=False):
        totals = group.groupby(["replication", "measure", "role"])["value"].sum()
        grid = pd.MultiIndex.from_product(
            [sorted(group["replication"].unique()), list(kinds), sorted(group["role"].unique())],
            names=["replication", "measure", "role"],
        )
        totals = totals.reindex(grid, fill_value=0.0).reset_index()
        totals["hours"] = 1000 * totals["value"] / 60 / totals["replication"].map(person_years.loc[s])
        frames.append(totals.assign(scenario=s, kind=totals["measure"].map(kinds)))
    per = pd.concat(frames, ignore_index=True)
    hours = ci_table(per[per["kind"] != "available"], ["scenario", "kind", "role"], "hours")
    wide = per.pivot_table(index=["scenario", "replication", "role"], columns="kind", values="value", aggfunc="sum").reset_index()
    wide["booked"] = 100 * (wide["ltc"] + wide["other"]) / wide["available"].where(wide["available"] > 0)
    booked = ci_table(wide, ["scenario", "role"], "booked", SHARE).assign(kind="booked")
    return pd.concat([hours, booked], ignore_index=True)


def plot_clinician_hours(comp: Comparison) -> Plot | None:
    """(d) Clinician hours by role and by kind of work per 1,000 patients per year."""
    ci = hours_by_role(comp)
    if ci is None:
        return None
    fed_roles = {r for s in comp.scenarios for r in comp.parameters(s).get("federation", {}).get("staff", {})}
    found = list(dict.fromkeys(ci["role"]))
    roles = [r for r in PRACTICE_ROLES if r in found] + [r for r in found if r not in PRACTICE_ROLES and r]
    panels = [
        ("ltc", "Long-term-condition work"),
        ("other", "Other work (acute and routine)"),
        ("booked", "Session minutes booked, %"),
    ]
    fig = new_figure(
        comp,
        "Clinician hours by role and kind of work",
        "Hours per 1,000 registered patient-years, averaged over the run, and the share of each role's session "
        f"minutes that was booked. {uncertainty_note(comp)}",
        (10.5, 0.5 * len(roles) * max(1, len(comp.scenarios)) / 2 + 2.2),
    )
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False).ravel()
    fig.arrange(left=label_inches(role_label(r, fed_roles) for r in roles), wspace=0.35, bottom=0.65)
    height = 0.8 / len(comp.scenarios)
    for ax, (kind, title) in zip(axes, panels, strict=True):
        for i, s in enumerate(comp.scenarios):
            f = ci[(ci["scenario"] == s) & (ci["kind"] == kind)].set_index("role").reindex(roles).dropna(subset=["mean"])
            y = np.array([roles.index(r) for r in f.index]) - 0.4 + height * (i + 0.5)
            xerr = errors(f)
            ax.barh(y, f["mean"], height=height * 0.92, color=comp.colours[s], xerr=xerr, error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 1})
            ends = f["upper"].where(f["upper"].notna(), f["mean"])
            for yy, value, end in zip(y, f["mean"], ends, strict=True):
                if value > 0:
                    ax.annotate(fmt(value), (end, yy), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9, color="#333333")
        ax.set_title(title)
        ax.set_xlabel("% of session minutes" if kind == "booked" else "Hours per 1,000 patient-years")
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.18)
    axes[-1].axvline(BUSY_PCT, color="#888888", linestyle=":", linewidth=1.4)
    axes[-1].set_xlim(0, 118)
    axes[-1].set_xticks([0, 25, 50, 75, 100])
    axes[0].set_yticks(range(len(roles)), [role_label(r, fed_roles) for r in roles])
    axes[0].invert_yaxis()
    caption = (
        "Clinician hours per 1,000 registered patient-years, by role: time spent on long-term-condition "
        "work (reviews, opportunistic reviews and follow-up contacts) and on other (acute and routine) consultations; "
        f"right, the share of the sessions' minutes booked (the dotted line marks {BUSY_PCT:.0f}%: a role that busy "
        "makes the results depend on the clinician time assumed). Federation staff are shared by the practices of a federation and counted per patient of the federation."
    )
    return Plot(fig, caption)


def plot_waits(comp: Comparison) -> Plot | None:
    """(e) Waiting time for routine (non-review, not same-day) appointments."""
    waits = comp.table("waits")
    if waits is None:
        return None
    w = waits[waits["kind"] == "other"].assign(total=lambda d: d["wait_days"] * d["appointments"])
    if w.empty:
        return None
    by_year = w.groupby(["scenario", "replication", "year"])[["total", "appointments"]].sum().reset_index()
    by_year["mean_wait"] = by_year["total"] / by_year["appointments"]
    yearly = ci_table(by_year, ["scenario", "year"], "mean_wait")
    top = int(w["wait_days"].max())
    counts = w.groupby(["scenario", "replication", "wait_days"])["appointments"].sum()
    frames = []
    for (s, r), group in counts.groupby(level=["scenario", "replication"]):
        hist = group.droplevel(["scenario", "replication"]).reindex(range(top + 1), fill_value=0)
        frames.append(pd.DataFrame({"scenario": s, "replication": r, "wait_days": hist.index, "share": 100 * hist.cumsum() / hist.sum()}))
    cumulative = ci_table(pd.concat(frames, ignore_index=True), ["scenario", "wait_days"], "share", SHARE)
    fig = new_figure(
        comp,
        "Waiting time for routine appointments",
        f"Booked routine (not same-day) appointments for other than long-term-condition reviews. {uncertainty_note(comp)}",
        (10.5, 4.2),
    )
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1]).ravel()
    fig.arrange(wspace=0.9, bottom=0.65)
    years = sorted(yearly["year"].unique())
    for s in comp.scenarios:
        f = yearly[yearly["scenario"] == s].set_index("year").reindex(years)
        band(left, years, f, comp.colours[s], marker="o", markersize=4)
        g = cumulative[cumulative["scenario"] == s].sort_values("wait_days")
        band(right, g["wait_days"], g, comp.colours[s], step="post")
    step = max(1, math.ceil(len(years) / 6))
    left.set_xticks(years[::step], [year_label(int(y)) for y in years[::step]])
    left.set_ylim(bottom=0)
    left.set_title("Mean wait by financial year")
    left.set_xlabel("Financial year")
    left.set_ylabel("Mean wait, days")
    right.set_title("Share seen within a given wait (whole run)")
    right.set_xlabel("Wait, days")
    right.set_ylabel("% of routine appointments")
    right.set_ylim(0, 101)
    right.set_xlim(0, top)
    caption = (
        "Waiting time, in days from request to appointment, for routine (booked, not same-day) appointments "
        "other than long-term-condition reviews. Left: mean wait in each financial year. Right: cumulative share "
        "of those appointments that took place within a given number of days, over the whole run. Requests that "
        "lapsed unseen are not included."
    )
    return Plot(fig, caption)
