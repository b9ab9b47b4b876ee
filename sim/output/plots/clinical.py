"""Clinical-layer plots: risk-factor control (true versus recorded) and events."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.engine.clock import DAYS_PER_YEAR, year_label
from sim.output.plots.common import SHARE, Plot, band, ci_table, date_axis, has_columns, panels, to_dates, uncertainty_note
from sim.output.reader import Comparison
from sim.output.words import EVENT_LABELS, FACTOR_LABELS, condition_label


MAX_PANELS = 6
"""Small multiples stay readable at report width up to about six panels."""
CONTROL_COLUMNS = {"day", "indicator", "register", "controlled_true", "controlled_recorded"}
OUTCOME_COLUMNS = {"year", "measure", "value"}


def plot_risk_factor_control(comp: Comparison) -> Plot | None:
    """Risk-factor control over time, true versus recorded, from the ``control`` table.

    Expects ``day, indicator, register, controlled_true, controlled_recorded``
    (``condition``, ``factor``, ``target`` optional) per practice and snapshot.
    Skipped when the table is absent; skipped with a warning when it lacks columns.
    """
    control = comp.table("control")
    if control is None or control.empty or not has_columns(control, "control", CONTROL_COLUMNS):
        return None
    cols = ["register", "controlled_true", "controlled_recorded"]
    per = control.groupby(["scenario", "replication", "day", "indicator"], sort=False)[cols].sum().reset_index()
    den = per["register"].where(per["register"] > 0)
    per["true"], per["recorded"] = 100 * per["controlled_true"] / den, 100 * per["controlled_recorded"] / den
    cis = {basis: ci_table(per, ["scenario", "day", "indicator"], basis, SHARE) for basis in ("true", "recorded")}
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

    indicators = list(per["indicator"].unique())[:MAX_PANELS]
    handles = [Line2D([], [], color="#444444", linestyle=st, label=f"{b} control") for b, st in styles.items()]
    fig = panels(
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
    if outcomes is None or outcomes.empty or not has_columns(outcomes, "outcomes", OUTCOME_COLUMNS):
        return None
    years = comp.patient_years(by_year=True)
    measures = _event_measures(set(outcomes["measure"].unique()))[:MAX_PANELS]
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

    fig = panels(
        comp, measures, draw, "Clinical events, admissions and deaths",
        f"Per 1,000 registered patient-years in each financial year; panels have their own scales. {uncertainty_note(comp)}",
        "Per 1,000 patient-years",
    )
    caption = (
        "Modelled clinical events, emergency admissions and deaths per 1,000 registered patient-years in each financial "
        f"year, summed over practices. Each panel has its own vertical scale. The first {MAX_PANELS} kinds of event are drawn; "
        "every event's rate over the run is in the table of all measures."
    )
    return Plot(fig, caption)


def _event_measures(present: set[str]) -> list[str]:
    """Events to plot: the known ones in order, then other ``event_*``, without double counts."""
    known = [m for m in EVENT_LABELS if m in present]
    extra = sorted(m for m in present if m.startswith("event_") and m not in EVENT_LABELS)
    chosen = known + extra
    return [m for m in chosen if not (m.startswith("event_") and f"{m.removeprefix('event_')}s" in present)]
