"""Plots of a written comparison folder, for a policy audience.

:func:`make_plots` reads ``comparison.csv``, ``differences.csv``, the manifests and
each scenario's ``tables/*.parquet`` and writes every plot as PNG and SVG to
``folder/plots/``, with ``plots/index.json`` listing name, title and caption of
each (the report reads it). Every plot shows the mean over replications with a
95% t interval (:func:`sim.experiment.stats.mean_ci`); with one replication it shows the
mean alone and says so. Each scenario keeps its colour in every plot.

A plot whose table is absent is skipped quietly: the clinical-layer plots
(``control`` and ``outcomes`` tables) draw only for runs that wrote those tables.

Figures are drawn with the object-oriented API on the non-interactive Agg
canvas: no pyplot state, no display needed.
"""

from __future__ import annotations

import json
import math
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.vocabulary import CONDITIONS, PRACTICE_ROLES
from sim.experiment.stats import mean_ci
from sim.engine.clock import DAYS_PER_YEAR, START_YEAR, year_label

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
"""Okabe-Ito colours (safe for colour-blind readers); the baseline takes the first."""

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#666666",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.8,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.fontsize": 10.5,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "qofsim",
}

CONDITION_LABELS: dict[str, str] = {
    "all": "All registers",
    "hypertension": "Hypertension",
    "diabetes": "Diabetes",
    "chd": "Coronary heart disease",
    "stroke": "Stroke or TIA",
    "copd": "COPD",
    "asthma": "Asthma",
    "ckd": "Chronic kidney disease",
    "heart_failure": "Heart failure",
    "af": "Atrial fibrillation",
    "smi": "Serious mental illness",
}

ROLE_LABELS: dict[str, str] = {"gp": "GP", "nurse": "Practice nurse", "hca": "Healthcare assistant"}

REGIME_LABELS: dict[str, str] = {"qof": "QOF recall", "careplan": "opt-out care planning"}

HEADER_PAD_IN = 0.12
TITLE_IN = 0.34
SUBTITLE_LINE_IN = 0.21
LEGEND_IN = 0.36
DPI = 150


# --------------------------------------------------------------------- data
@dataclass
class Comparison:
    """A written comparison folder: manifests, summary CSVs and tables, read lazily."""

    folder: Path
    overview: dict[str, Any]
    manifests: dict[str, dict[str, Any]]
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, folder: Path) -> Comparison:
        folder = Path(folder)
        path = folder / "manifest.json"
        if not path.is_file():
            raise FileNotFoundError(f"{folder} is not a comparison folder (no manifest.json)")
        overview = json.loads(path.read_text())
        if "scenarios" not in overview:
            raise ValueError(f"{folder} holds a single run, not a comparison (write one with 'qofsim compare')")
        manifests = {s: json.loads((folder / s / "manifest.json").read_text()) for s in overview["scenarios"]}
        return cls(folder, overview, manifests)

    @property
    def scenarios(self) -> list[str]:
        return list(self.overview["scenarios"])

    @property
    def baseline(self) -> str:
        return str(self.overview.get("baseline", self.scenarios[0]))

    @property
    def replications(self) -> int:
        return len(self.overview.get("replications", [0]))

    @property
    def colours(self) -> dict[str, str]:
        return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(self.scenarios)}

    def regime(self, scenario: str) -> str:
        return str(self.manifests[scenario].get("regime", ""))

    def label(self, scenario: str) -> str:
        """Scenario name with its regime in words, e.g. ``qof_practice (QOF recall)``."""
        regime = self.regime(scenario)
        if not regime:
            return scenario
        words = REGIME_LABELS.get(regime, regime)
        params = self.manifests[scenario].get("regime_parameters", {})
        if regime == "qof" and params.get("exception_reporting") is False:
            words = "QOF recall, incentives withdrawn"
        return f"{scenario} ({words})"

    def parameters(self, scenario: str | None = None) -> dict[str, Any]:
        return dict(self.manifests[scenario or self.baseline].get("parameters", {}))

    def table(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` of every scenario that has it, concatenated; None if none has it."""
        if name not in self._tables:
            paths = [self.folder / s / "tables" / f"{name}.parquet" for s in self.scenarios]
            frames = [pd.read_parquet(p) for p in paths if p.is_file()]
            self._tables[name] = pd.concat(frames, ignore_index=True) if frames else None
        return self._tables[name]

    def csv(self, name: str) -> pd.DataFrame:
        path = self.folder / name
        return pd.read_csv(path) if path.is_file() else pd.DataFrame()

    def patient_years(self, by_year: bool = False) -> pd.Series | None:
        """Registered patient-years per scenario and replication (and financial year).

        From the ``life_years`` the clinical layer counts in ``outcomes`` when present
        (lists change as patients die, leave and register); otherwise list size times years.
        """
        keys = ["scenario", "replication", *(["year"] if by_year else [])]
        outcomes = self.table("outcomes")
        if outcomes is not None and {"measure", "value", "year"} <= set(outcomes.columns):
            life = outcomes[outcomes["measure"] == "life_years"]
            if len(life):
                return life.groupby(keys)["value"].sum()
        practices, activity = self.table("practices"), self.table("activity")
        if practices is None or activity is None:
            return None
        lists = practices.groupby(["scenario", "replication"])["list_size"].sum()
        if by_year:
            years = activity[keys].drop_duplicates()
            return years.merge(lists.rename("v").reset_index(), on=["scenario", "replication"]).set_index(keys)["v"]
        return lists * activity.groupby(["scenario", "replication"])["year"].nunique()


def ci_table(df: pd.DataFrame, keys: Sequence[str], value: str) -> pd.DataFrame:
    """Mean and 95% t interval of ``value`` over replications, per ``keys``.

    ``df`` holds one row per replication and key; the result has columns
    ``keys + [mean, lower, upper]`` (interval NaN for one replication).
    """
    rows = []
    for key, group in df.groupby(list(keys), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, *mean_ci(group[value].to_numpy())))
    return pd.DataFrame(rows, columns=[*keys, "mean", "lower", "upper"])


def to_dates(days: Iterable[int] | np.ndarray) -> np.ndarray:
    """Simulation days as calendar dates (day 0 is 1 April of the start year)."""
    start = np.datetime64(f"{START_YEAR}-04-01")
    return start + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")


def condition_label(name: str) -> str:
    return CONDITION_LABELS.get(name, name.replace("_", " ").capitalize())


def role_label(name: str, federation_roles: Iterable[str] = ()) -> str:
    text = ROLE_LABELS.get(name, name.replace("_", " ").capitalize())
    return f"{text} (federation)" if name in set(federation_roles) else text


def fmt(x: float, signed: bool = False) -> str:
    """A number for a reader: no decimals from 100 up, one below; a real minus sign."""
    if x is None or not np.isfinite(x):
        return "–"
    a = abs(x)
    text = f"{a:,.0f}" if a >= 100 else f"{a:.1f}" if a >= 1 or a == 0 else f"{a:.2g}"
    sign = "−" if x < 0 and text.strip("0.,") else ("+" if signed and x > 0 else "")
    return sign + text


# ------------------------------------------------------------------ layout
def uncertainty_note(comp: Comparison) -> str:
    n = comp.replications
    if n < 2:
        return "Single replication: no intervals shown."
    return f"Mean of {n} replications; shading and whiskers show 95% confidence intervals."


def new_figure(
    comp: Comparison,
    title: str,
    subtitle: str,
    size: tuple[float, float],
    scenarios: Sequence[str] | None = None,
    extra_handles: Sequence[Any] = (),
) -> Figure:
    """A white figure with a left-aligned title, a grey subtitle and the scenario legend above the plots."""
    width, height = size
    handles = [
        Line2D([], [], color=comp.colours[s], marker="o", linewidth=2.5, markersize=6, label=comp.label(s))
        for s in (scenarios if scenarios is not None else comp.scenarios)
    ]
    handles += list(extra_handles)
    ncols = min(len(handles), 3 if width < 13 else 4) or 1
    legend_rows = math.ceil(len(handles) / ncols)
    lines = textwrap.wrap(subtitle, width=int(width * 12.5)) or [""]
    header = HEADER_PAD_IN + TITLE_IN + SUBTITLE_LINE_IN * len(lines) + LEGEND_IN * legend_rows
    fig = Figure(figsize=(width, height + header), layout="constrained")
    FigureCanvasAgg(fig)
    total = height + header
    fig.get_layout_engine().set(rect=(0, 0, 1, 1 - header / total), h_pad=0.06, w_pad=0.06)
    y = 1 - HEADER_PAD_IN / total
    fig.text(0.012, y, title, ha="left", va="top", fontsize=14.5, fontweight="bold", color="#111111")
    y -= TITLE_IN / total
    fig.text(0.012, y, "\n".join(lines), ha="left", va="top", fontsize=10.5, color="#555555", linespacing=1.35)
    y -= SUBTITLE_LINE_IN * len(lines) / total
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.005, y), ncols=ncols, handlelength=2.2)
    return fig


def band(ax: Axes, x: Any, frame: pd.DataFrame, colour: str, step: str | None = None, **kw: Any) -> None:
    """Mean line with its interval as a light band (nothing drawn where the interval is NaN)."""
    drawstyle = f"steps-{step}" if step else "default"
    ax.plot(x, frame["mean"], color=colour, drawstyle=drawstyle, **kw)
    if frame["lower"].notna().any():
        ax.fill_between(x, frame["lower"], frame["upper"], color=colour, alpha=0.2, linewidth=0, step=step)


def errors(frame: pd.DataFrame) -> np.ndarray | None:
    """Asymmetric error bars from mean/lower/upper, or None without intervals."""
    if frame["lower"].isna().all():
        return None
    lo = (frame["mean"] - frame["lower"]).fillna(0).clip(lower=0)
    hi = (frame["upper"] - frame["mean"]).fillna(0).clip(lower=0)
    return np.vstack([lo.to_numpy(), hi.to_numpy()])


def date_axis(ax: Axes, every: int = 2) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(every))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def tidy_panels(axes: np.ndarray, used: int, ncols: int) -> None:
    """Hide unused panels and label the x axis of every panel with none below it."""
    for i, ax in enumerate(axes):
        if i >= used:
            ax.set_visible(False)
        elif i + ncols >= used:
            ax.tick_params(axis="x", labelbottom=True)


def final_label(days: Iterable[int]) -> str:
    last = int(max(days))
    return f"end of {year_label(last // DAYS_PER_YEAR)}"


# ------------------------------------------------------------------- plots
@dataclass
class Plot:
    """One drawn figure and the caption the report prints under it."""

    fig: Figure
    caption: str


@dataclass
class PlotSpec:
    name: str
    title: str
    draw: Callable[[Comparison], Plot | None]


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
    return ci_table(per, ["scenario", "kind", "role"], "hours")


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
        ("available", "Clinician time available"),
    ]
    fig = new_figure(
        comp,
        "Clinician hours by role and kind of work",
        "Hours per 1,000 registered patient-years, averaged over the run. Long-term-condition work covers "
        f"reviews, opportunistic reviews and follow-up contacts. {uncertainty_note(comp)}",
        (13, 0.55 * len(roles) * max(1, len(comp.scenarios)) / 2 + 2.4),
    )
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False).ravel()
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
        ax.set_xlabel("Hours per 1,000 patient-years")
        ax.grid(axis="y", visible=False)
        ax.margins(x=0.18)
    axes[0].set_yticks(range(len(roles)), [role_label(r, fed_roles) for r in roles])
    axes[0].invert_yaxis()
    caption = (
        "Clinician hours per 1,000 registered patient-years, by role: time spent on long-term-condition "
        "work, on other (acute and routine) consultations, and the clinical time the sessions provided. "
        "Federation staff are shared by the practices of a federation and counted per patient of the federation."
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
    cumulative = ci_table(pd.concat(frames, ignore_index=True), ["scenario", "wait_days"], "share")
    fig = new_figure(
        comp,
        "Waiting time for routine appointments",
        f"Booked routine (not same-day) appointments for other than long-term-condition reviews. {uncertainty_note(comp)}",
        (12, 4.6),
    )
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1]).ravel()
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
    indicators = list(dict.fromkeys(last["indicator"]))
    conditions = dict(zip(last["indicator"], last["condition"], strict=False))
    specs = {i["id"]: i for i in comp.parameters().get("indicators", [])}
    fig = new_figure(
        comp,
        f"QOF indicator achievement in {year_label(final)}: recorded versus delivered",
        "Patients meeting each indicator as a share of its denominator (register less exceptions), all practices. "
        f"{uncertainty_note(comp)}",
        (12.5, 0.36 * len(indicators) + 1.3),
        extra_handles=[Patch(color="#e6e6e6", label="payment range (lower to upper threshold)")],
    )
    axes = fig.subplots(1, 2, sharey=True, sharex=True).ravel()
    n = len(comp.scenarios)
    offsets = (np.arange(n) - (n - 1) / 2) * min(0.22, 0.7 / n)
    for ax, (basis, title) in zip(axes, bases.items(), strict=True):
        ci = ci_table(sums, ["scenario", "indicator"], basis)
        for j, ind in enumerate(indicators):
            if ind in specs:
                ax.fill_betweenx([j - 0.4, j + 0.4], specs[ind]["lower"], specs[ind]["upper"], color="#e6e6e6", linewidth=0, zorder=0)
        for i, s in enumerate(comp.scenarios):
            f = ci[ci["scenario"] == s].set_index("indicator").reindex(indicators)
            y = np.arange(len(indicators)) + offsets[i]
            ax.errorbar(f["mean"], y, xerr=errors(f), fmt="o", color=comp.colours[s], markersize=6, elinewidth=1.5, capsize=2)
        ax.set_title(title)
        ax.set_xlabel("Achievement, % of denominator")
        ax.grid(axis="y", visible=False)
    labels = [f"{ind}  ({condition_label(conditions[ind])})" if conditions.get(ind) else ind for ind in indicators]
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


# ------------------------------------------------------- clinical layer
CONTROL_COLUMNS = {"day", "indicator", "register", "controlled_true", "controlled_recorded"}
OUTCOME_COLUMNS = {"year", "measure", "value"}
EVENT_LABELS: dict[str, str] = {
    "deaths": "Deaths",
    "emergency_admissions": "Emergency admissions (modelled causes)",
    "acsc_admissions": "Ambulatory-care-sensitive admissions",
    "event_mi": "Myocardial infarctions",
    "event_stroke": "Strokes",
    "event_hf_admission": "Heart-failure admissions",
    "event_copd_admission": "COPD admissions",
    "event_amputation": "Diabetic amputations",
    "event_microvascular": "Diabetic microvascular endpoints",
}
"""Outcome measures shown per 1,000 patient-years, in this order (others ``event_*`` follow)."""


def plot_risk_factor_control(comp: Comparison) -> Plot | None:
    """Risk-factor control over time, true versus recorded, from the ``control`` table.

    Expects ``day, indicator, register, controlled_true, controlled_recorded``
    (``condition``, ``factor``, ``target`` optional) per practice and snapshot.
    Skipped when the table is absent; skipped with a warning when it lacks columns.
    """
    control = comp.table("control")
    if control is None or control.empty or not _has_columns(control, "control", CONTROL_COLUMNS):
        return None
    cols = ["register", "controlled_true", "controlled_recorded"]
    per = control.groupby(["scenario", "replication", "day", "indicator"], sort=False)[cols].sum().reset_index()
    den = per["register"].where(per["register"] > 0)
    per["true"], per["recorded"] = 100 * per["controlled_true"] / den, 100 * per["controlled_recorded"] / den
    cis = {basis: ci_table(per, ["scenario", "day", "indicator"], basis) for basis in ("true", "recorded")}
    meta = control.drop_duplicates("indicator").set_index("indicator")
    styles = {"true": "-", "recorded": "--"}
    factors = comp.parameters().get("clinical", {}).get("factors", {})
    units = {f: str(spec.get("unit", "")) for f, spec in factors.items() if isinstance(spec, dict)}

    def draw(ax: Axes, indicator: str) -> None:
        for s in comp.scenarios:
            for basis, ci in cis.items():
                f = ci[(ci["scenario"] == s) & (ci["indicator"] == indicator)].sort_values("day")
                band(ax, to_dates(f["day"]), f, comp.colours[s], linestyle=styles[basis], linewidth=1.8)
        ax.set_title(_control_title(indicator, meta.loc[indicator] if indicator in meta.index else None, units), fontsize=10.5)
        ax.set_ylim(0, 100)
        date_axis(ax, 2 if per["day"].max() > 4 * DAYS_PER_YEAR else 1)

    indicators = list(dict.fromkeys(per["indicator"]))
    handles = [Line2D([], [], color="#444444", linestyle=st, label=f"{b} control") for b, st in styles.items()]
    fig = _panels(
        comp, indicators, draw, "Risk-factor control over time: true level versus what the record shows",
        "Share of each register at or below the indicator's target: solid, the patients' true current level; dashed, "
        f"a value coded within the indicator window at or below target. {uncertainty_note(comp)}",
        "% of register controlled", handles,
    )
    caption = (
        "Share of each register whose risk factor is controlled, at each quarterly snapshot, summed over practices. "
        "Solid lines: the patient's true current level is at or below the target. Dashed lines: the record holds a value "
        "at or below target coded within the indicator window (what QOF sees). The gap between them is control that "
        "the record misses, or records that have gone out of date."
    )
    return Plot(fig, caption)


FACTOR_LABELS: dict[str, str] = {"sbp": "systolic BP", "hba1c": "HbA1c", "chol": "cholesterol"}


def _control_title(indicator: str, meta: pd.Series | None, units: dict[str, str]) -> str:
    """``DM_BP_CTRL (Diabetes)`` over ``systolic BP ≤ 140 mmHg``."""
    if meta is None:
        return indicator
    title = indicator
    if pd.notna(meta.get("condition")):
        title += f" ({condition_label(str(meta['condition']))})"
    factor, target = meta.get("factor"), meta.get("target")
    if pd.notna(factor) and pd.notna(target):
        unit = units.get(str(factor), "")
        unit = unit if unit == "%" else f" {unit}" if unit else ""
        title += f"\n{FACTOR_LABELS.get(str(factor), str(factor))} ≤ {float(target):g}{unit}"
    return title


def plot_outcomes(comp: Comparison) -> Plot | None:
    """Events, admissions and deaths per 1,000 patient-years by financial year, from ``outcomes``.

    Expects ``year, measure, value`` (counts per practice and year, with
    ``life_years`` among the measures for the denominator). Skipped when absent.
    """
    outcomes = comp.table("outcomes")
    if outcomes is None or outcomes.empty or not _has_columns(outcomes, "outcomes", OUTCOME_COLUMNS):
        return None
    years = comp.patient_years(by_year=True)
    measures = _event_measures(set(outcomes["measure"]))
    if years is None or not measures:
        return None
    keys = ["scenario", "replication", "year"]
    per = outcomes[outcomes["measure"].isin(measures)].groupby([*keys, "measure"])["value"].sum().unstack(fill_value=0.0)
    per = per.reindex(columns=measures, fill_value=0.0).stack().rename("value").reset_index()
    per = per.merge(years.rename("patient_years").reset_index(), on=keys, how="left")
    per["rate"] = 1000 * per["value"] / per["patient_years"].where(per["patient_years"] > 0)
    ci = ci_table(per, ["scenario", "year", "measure"], "rate")
    all_years = sorted(ci["year"].unique())

    def draw(ax: Axes, measure: str) -> None:
        for s in comp.scenarios:
            f = ci[(ci["scenario"] == s) & (ci["measure"] == measure)].set_index("year").reindex(all_years)
            band(ax, all_years, f, comp.colours[s], marker="o", markersize=3.5)
        ax.set_title(EVENT_LABELS.get(measure, measure.removeprefix("event_").replace("_", " ").capitalize()), fontsize=10.5)
        ax.set_ylim(bottom=0)
        step = max(1, math.ceil(len(all_years) / 4))
        ax.set_xticks(all_years[::step], [year_label(int(y)) for y in all_years[::step]])

    fig = _panels(
        comp, measures, draw, "Clinical events, admissions and deaths",
        f"Per 1,000 registered patient-years in each financial year; panels have their own scales. {uncertainty_note(comp)}",
        "Per 1,000 patient-years",
    )
    caption = (
        "Modelled clinical events, emergency admissions and deaths per 1,000 registered patient-years in each financial "
        "year, summed over practices. Each panel has its own vertical scale."
    )
    return Plot(fig, caption)


def _event_measures(present: set[str]) -> list[str]:
    """Events to plot: the known ones in order, then other ``event_*``, without double counts."""
    known = [m for m in EVENT_LABELS if m in present]
    extra = sorted(m for m in present if m.startswith("event_") and m not in EVENT_LABELS)
    chosen = known + extra
    return [m for m in chosen if not (m.startswith("event_") and f"{m.removeprefix('event_')}s" in present)]


def _has_columns(df: pd.DataFrame, name: str, needed: set[str]) -> bool:
    missing = needed - set(df.columns)
    if missing:
        warnings.warn(f"table {name!r} lacks columns {sorted(missing)}; its plot is skipped", stacklevel=3)
    return not missing


def _panels(
    comp: Comparison,
    keys: list[str],
    draw: Callable[[Axes, str], None],
    title: str,
    subtitle: str,
    ylabel: str,
    extra_handles: Sequence[Any] = (),
) -> Figure:
    """Small multiples, one panel per key, up to four across."""
    ncols = min(4, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig = new_figure(comp, title, subtitle, (max(3.3 * ncols, 9), 2.7 * nrows), extra_handles=extra_handles)
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    for ax, key in zip(axes, keys, strict=False):
        draw(ax, key)
    tidy_panels(axes, len(keys), ncols)
    for ax in axes[::ncols]:
        ax.set_ylabel(ylabel)
    return fig


PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("summary", "Summary of differences on the headline measures", plot_summary),
    PlotSpec("review_gaps", "Time since last review at the end of the run", plot_review_gaps),
    PlotSpec("overdue", "Register patients overdue a review, by condition", plot_overdue),
    PlotSpec("lost_to_follow_up", "Register patients lost to follow-up", plot_lost_to_follow_up),
    PlotSpec("clinician_hours", "Clinician hours by role and kind of work", plot_clinician_hours),
    PlotSpec("waits", "Waiting time for routine appointments", plot_waits),
    PlotSpec("qof", "QOF achievement, recorded versus delivered", plot_qof),
    PlotSpec("control", "Risk-factor control over time", plot_risk_factor_control),
    PlotSpec("outcomes", "Clinical events, admissions and deaths", plot_outcomes),
)
"""Every plot, in report order. ``control`` and ``outcomes`` need the clinical layer's tables."""

REQUIRED = ("summary", "review_gaps", "overdue", "lost_to_follow_up", "clinician_hours", "waits", "qof")
"""Plots every comparison folder gets from the tables written today."""


def make_plots(folder: Path) -> list[Path]:
    """Write every plot whose data are present to ``folder/plots`` as PNG and SVG.

    Returns the paths written; ``plots/index.json`` lists each plot's name,
    title, caption and files, in report order.
    """
    folder = Path(folder)
    comp = Comparison.load(folder)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    _remove_previous(out)
    index: list[dict[str, str]] = []
    with mpl.rc_context(STYLE):
        for spec in PLOTS:
            plot = spec.draw(comp)
            if plot is None:
                continue
            png, svg = _save(plot.fig, out / spec.name)
            index.append({"name": spec.name, "title": spec.title, "caption": plot.caption, "png": png.name, "svg": svg.name})
    (out / "index.json").write_text(json.dumps(index, indent=2))
    return [out / entry[kind] for entry in index for kind in ("png", "svg")]


def _save(fig: Figure, stem: Path) -> list[Path]:
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    fig.set_layout_engine("none")  # keep the layout just computed: saving again need not redo it
    fig.savefig(svg, metadata={"Date": None})
    return [png, svg]


def _remove_previous(out: Path) -> None:
    """Drop the files an earlier build listed, so a rebuild leaves no stale plot behind."""
    index = out / "index.json"
    if not index.is_file():
        return
    for entry in json.loads(index.read_text()):
        for key in ("png", "svg"):
            if entry.get(key):
                (out / entry[key]).unlink(missing_ok=True)
