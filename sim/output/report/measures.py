"""Every headline measure in one table, grouped by question, with intervals that respect
each measure's range; and links to the CSV files behind it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.measures.summary import HEADLINES
from sim.output.reader import Comparison
from sim.output.report.html import e
from sim.output.words import fmt, negligible

MONITORING, WORKLOAD, RECORDING = "Monitoring gaps", "Workload and access", "Recording and QOF"
OUTCOMES, COSTS = "Risk-factor control, events and deaths", "Health and costs"

GROUPS: dict[str, str] = {
    "missed_plan_pct": MONITORING, "missed_plan_final_year_pct": MONITORING,
    "overdue_pct": MONITORING, "lost_to_follow_up_pct": MONITORING, "never_reviewed_pct": MONITORING,
    "mean_months_since_review": MONITORING, "reviews_delivered_per_1000_register": MONITORING,
    "ltc_hours_per_1000_patients": WORKLOAD, "other_hours_per_1000_patients": WORKLOAD, "routine_wait_days": WORKLOAD,
    "review_wait_days": WORKLOAD, "same_day_unmet_per_1000_patients": WORKLOAD, "letters_per_1000_register": WORKLOAD,
    "reviews_recorded_per_1000_register": RECORDING, "qof_points_recorded_pct": RECORDING,
    "qof_points_delivered_pct": RECORDING, "exceptions_pct": RECORDING,
    "qalys_per_1000": COSTS, "cost_events_per_1000": COSTS, "cost_staff_per_1000": COSTS,
}
"""The question each headline measure answers; clinical measures not listed are outcomes."""

ORDER = (MONITORING, WORKLOAD, OUTCOMES, RECORDING, COSTS)


def group_of(measure: str) -> str:
    if measure.startswith("no_review_"):
        return MONITORING
    if measure.startswith(("admin_hours_", "access_", "utilisation_", "routine_", "requests_", "roles_")):
        return WORKLOAD
    return GROUPS.get(measure, OUTCOMES)


def level_text(mean: float, lo: float, hi: float) -> str:
    """A mean with its interval; a measure that was zero in every replication reads 'none observed'."""
    if mean == 0 and (not np.isfinite(hi) or hi == 0):
        return "none observed"
    return fmt(mean) + (f" ({fmt(lo)} to {fmt(hi)})" if np.isfinite(lo) and np.isfinite(hi) else "")


def difference_text(d: float, lo: float, hi: float) -> str:
    """A paired difference with its interval; no difference beyond rounding in any replication reads 'none'."""
    if negligible(d, lo, hi):
        return "none"
    return fmt(d, signed=True) + (f" ({fmt(lo, signed=True)} to {fmt(hi, signed=True)})" if np.isfinite(lo) and np.isfinite(hi) else "")


def headline_table(comp: Comparison) -> str:
    """All headline measures: each scenario's mean and interval, then each difference from the baseline."""
    levels, diffs = comp.levels(), comp.differences()
    if levels.empty:
        return "<p>No headline measures were found.</p>"
    labels = comp.short_labels
    others = [s for s in comp.scenarios if s != comp.baseline]
    head = "".join(f"<th>{e(labels[s])}</th>" for s in comp.scenarios)
    head += "".join(f"<th>Difference:<br>{e(labels[s])}</th>" for s in others)
    by_level = levels.set_index(["scenario", "measure"])
    by_diff = diffs.set_index(["scenario", "measure"]) if len(diffs) else None
    measures = list(dict.fromkeys(levels["measure"]))
    rows = []
    for group in ORDER:
        chosen = [m for m in measures if group_of(m) == group]
        if chosen:
            rows.append(f"<tr class='group'><th colspan='{1 + len(comp.scenarios) + len(others)}'>{e(group)}</th></tr>")
        for m in chosen:
            cells = [_level_cell(by_level, s, m) for s in comp.scenarios]
            cells += [_difference_cell(by_diff, s, m) for s in others]
            rows.append(f"<tr><th scope='row'>{e(HEADLINES.get(m, m))}</th>{''.join(cells)}</tr>")
    return f"<table class='headline'><thead><tr><th>Measure</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _level_cell(levels: pd.DataFrame, scenario: str, measure: str) -> str:
    if (scenario, measure) not in levels.index:
        return "<td class='num'>–</td>"
    row = levels.loc[(scenario, measure)]
    return f"<td class='num'>{e(level_text(row['mean'], row['lower'], row['upper']))}</td>"


def _difference_cell(diffs: pd.DataFrame | None, scenario: str, measure: str) -> str:
    if diffs is None or (scenario, measure) not in diffs.index:
        return "<td class='num'>–</td>"
    row = diffs.loc[(scenario, measure)]
    d, lo, hi = float(row["difference"]), float(row["lower"]), float(row["upper"])
    clear = math.isfinite(lo) and (lo > 0 or hi < 0) and not negligible(d, lo, hi)
    return f"<td class='num{' clear' if clear else ''}'>{e(difference_text(d, lo, hi))}</td>"


def interval_note(comp: Comparison) -> str:
    if comp.replications < 2:
        return "Single replication: point estimates without intervals."
    return (
        f"Means over {comp.replications} replications with 95% intervals in brackets; percentages get their interval "
        "on the logit scale and counts, rates, times and costs on the log scale, so no interval leaves the measure's "
        "range. Differences from the baseline are paired by replication (common random numbers); "
        "<strong>bold</strong> differences have intervals that exclude zero. Intervals reflect simulation noise only."
    )


def downloads(comp: Comparison) -> str:
    """Links to the CSV files beside the report (relative: they work wherever the folder goes)."""
    files = ["comparison.csv", "differences.csv"] + [f"{s}/headline.csv" for s in comp.scenarios]
    links = [f"<a href='{e(f)}'>{e(f)}</a>" for f in files if (comp.folder / f).is_file()]
    return f"<p class='note'>The same numbers as CSV: {', '.join(links)}.</p>" if links else ""


def measures_html(comp: Comparison) -> str:
    n = len(set(comp.levels()["measure"])) if not comp.levels().empty else 0
    return (
        f"<p class='note'>{interval_note(comp)}</p>"
        f"<details><summary>All {n} headline measures, per scenario and against the baseline</summary>"
        f"{headline_table(comp)}</details>{downloads(comp)}"
    )
