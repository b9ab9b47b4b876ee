"""Headline findings in words and the headline table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sim.output.reader import Comparison
from sim.output.report.html import e
from sim.output.words import fmt, lower_first


@dataclass(frozen=True)
class Unit:
    value: Callable[[float], str]
    diff: Callable[[float], str]
    up: str
    down: str


UNITS: dict[str, Unit] = {
    "pct": Unit(lambda x: f"{fmt(x)}%", lambda x: f"{fmt(abs(x))} percentage points", "higher", "lower"),
    "rate": Unit(fmt, lambda x: fmt(abs(x)), "more", "fewer"),
    "hours": Unit(lambda x: f"{fmt(x)} hours", lambda x: f"{fmt(abs(x))} hours", "more", "fewer"),
    "days": Unit(lambda x: f"{fmt(x)} days", lambda x: f"{fmt(abs(x))} days", "longer", "shorter"),
    "months": Unit(lambda x: f"{fmt(x)} months", lambda x: f"{fmt(abs(x))} months", "longer", "shorter"),
    "gbp": Unit(lambda x: f"£{fmt(x)}", lambda x: f"£{fmt(abs(x))}", "more", "less"),
}


@dataclass(frozen=True)
class MeasureText:
    group: str
    subject: str
    """What was found, with ``{v}`` for the value and ``{overdue}``/``{lost}`` for thresholds."""
    unit: str


MONITORING, WORKLOAD, RECORDING = "Monitoring of long-term conditions", "Workload and access", "Recording and QOF"
CLINICAL, COSTS = "Risk-factor control, events and deaths", "Health and costs"

MEASURE_TEXT: dict[str, MeasureText] = {
    "overdue_pct": MeasureText(MONITORING, "{v} of register patients were overdue a review (none for over {overdue} months) in the final year", "pct"),
    "lost_to_follow_up_pct": MeasureText(MONITORING, "{v} of register patients were lost to follow-up (no review for over {lost} months) in the final year", "pct"),
    "never_reviewed_pct": MeasureText(MONITORING, "{v} of register patients had never been reviewed in the final year", "pct"),
    "mean_months_since_review": MeasureText(MONITORING, "the mean time since a register patient's last review was {v} in the final year", "months"),
    "reviews_delivered_per_1000_register": MeasureText(MONITORING, "practices delivered {v} reviews per 1,000 register patients per year", "rate"),
    "ltc_hours_per_1000_patients": MeasureText(WORKLOAD, "clinicians spent {v} per 1,000 registered patient-years on long-term conditions", "hours"),
    "other_hours_per_1000_patients": MeasureText(WORKLOAD, "clinicians spent {v} per 1,000 registered patient-years on other consultations", "hours"),
    "routine_wait_days": MeasureText(WORKLOAD, "patients waited on average {v} for a routine (non-review) appointment", "days"),
    "review_wait_days": MeasureText(WORKLOAD, "patients waited on average {v} for a review appointment", "days"),
    "same_day_unmet_per_1000_patients": MeasureText(WORKLOAD, "{v} same-day requests per 1,000 registered patient-years could not be met", "rate"),
    "letters_per_1000_register": MeasureText(WORKLOAD, "practices sent {v} invitation letters per 1,000 register patients per year", "rate"),
    "reviews_recorded_per_1000_register": MeasureText(RECORDING, "practices recorded {v} reviews per 1,000 register patients per year", "rate"),
    "qof_points_recorded_pct": MeasureText(RECORDING, "practices would have earned {v} of the available QOF points on what they recorded", "pct"),
    "qof_points_delivered_pct": MeasureText(RECORDING, "practices would have earned {v} of the available QOF points on the care they delivered", "pct"),
    "exceptions_pct": MeasureText(RECORDING, "{v} of register condition-years were exception-reported", "pct"),
    "bp_controlled_true_pct": MeasureText(CLINICAL, "{v} of the hypertension register had blood pressure at or below the QOF target (true level) in the final year", "pct"),
    "bp_controlled_recorded_pct": MeasureText(CLINICAL, "{v} of the hypertension register had a recorded blood pressure at or below the QOF target in the final year", "pct"),
    "hba1c_controlled_true_pct": MeasureText(CLINICAL, "{v} of the diabetes register had HbA1c at or below the QOF target (true level) in the final year", "pct"),
    "hba1c_controlled_recorded_pct": MeasureText(CLINICAL, "{v} of the diabetes register had a recorded HbA1c at or below the QOF target in the final year", "pct"),
    "mi_per_1000": MeasureText(CLINICAL, "there were {v} myocardial infarctions per 1,000 patient-years", "rate"),
    "stroke_per_1000": MeasureText(CLINICAL, "there were {v} strokes per 1,000 patient-years", "rate"),
    "hf_admission_per_1000": MeasureText(CLINICAL, "there were {v} heart-failure admissions per 1,000 patient-years", "rate"),
    "copd_admission_per_1000": MeasureText(CLINICAL, "there were {v} COPD admissions per 1,000 patient-years", "rate"),
    "amputation_per_1000": MeasureText(CLINICAL, "there were {v} diabetic amputations per 1,000 patient-years", "rate"),
    "microvascular_per_1000": MeasureText(CLINICAL, "there were {v} diabetic microvascular endpoints per 1,000 patient-years", "rate"),
    "acsc_admissions_per_1000": MeasureText(CLINICAL, "there were {v} ambulatory-care-sensitive admissions per 1,000 patient-years", "rate"),
    "emergency_admissions_per_1000": MeasureText(CLINICAL, "there were {v} emergency admissions (modelled causes) per 1,000 patient-years", "rate"),
    "deaths_per_1000": MeasureText(CLINICAL, "there were {v} deaths per 1,000 patient-years", "rate"),
    "qalys_per_1000": MeasureText(COSTS, "patients lived {v} quality-adjusted life years per 1,000 patient-years", "rate"),
    "cost_events_per_1000": MeasureText(COSTS, "modelled events cost the NHS {v} per 1,000 patient-years", "gbp"),
    "cost_staff_per_1000": MeasureText(COSTS, "clinician time cost the NHS {v} per 1,000 patient-years", "gbp"),
}
"""Plain-language sentence pieces for the headline measures of :data:`sim.measures.summary.HEADLINES`."""


def interval(lo: float, hi: float) -> str:
    return f"{fmt(lo)} to {fmt(hi)}"


def has_interval(lo: float, hi: float) -> bool:
    return bool(pd.notna(lo) and pd.notna(hi))


def finding(comp: Comparison, scenario: str, measure: str, label: str, level: pd.Series, base: pd.Series, diff: pd.Series | None) -> str:
    """One generated sentence: the scenario's value and its paired difference from the baseline."""
    thresholds = comp.parameters().get("measures", {})
    text = MEASURE_TEXT.get(measure)
    if text is None:
        value = f"{fmt(level['mean'])}"
        subject = f"{lower_first(label)} was {value}"
        unit = UNITS["rate"]
    else:
        unit = UNITS[text.unit]
        subject = text.subject.format(
            v=unit.value(level["mean"]), overdue=thresholds.get("overdue_months", 15), lost=thresholds.get("lost_to_follow_up_months", 24)
        )
    out = f"Under {scenario}, {subject}"
    if has_interval(level["lower"], level["upper"]):
        out += f" (95% interval {interval(level['lower'], level['upper'])})"
    base_value = unit.value(base["mean"]) if text else fmt(base["mean"])
    if diff is None:
        return out + f"; under {comp.baseline} it was {base_value}."
    d, lo, hi = diff["difference"], diff["lower"], diff["upper"]
    if not has_interval(lo, hi):
        word = unit.up if d > 0 else unit.down
        return out + f", {unit.diff(d)} {word} than under {comp.baseline} ({base_value}; single replication, no interval)."
    if d == 0 and lo == 0 and hi == 0:
        return out + f", the same as under {comp.baseline}."
    if lo <= 0 <= hi:
        return out + (
            f", not clearly different from {comp.baseline} ({base_value}; paired difference {fmt(d, signed=True)}, "
            f"95% interval {interval(lo, hi)})."
        )
    word = unit.up if d > 0 else unit.down
    return out + f", {unit.diff(d)} {word} than under {comp.baseline} ({base_value}; paired difference, {interval(lo, hi)})."


def findings_html(comp: Comparison) -> str:
    summary, diffs = comp.csv("comparison.csv"), comp.csv("differences.csv")
    if summary.empty:
        return "<p>No headline measures were found (comparison.csv is missing).</p>"
    groups: dict[str, list[str]] = {}
    order = [m for m in MEASURE_TEXT if m in set(summary["measure"])] + [m for m in dict.fromkeys(summary["measure"]) if m not in MEASURE_TEXT]
    others = [s for s in comp.scenarios if s != comp.baseline] or [comp.baseline]
    for m in order:
        rows = summary[summary["measure"] == m].set_index("scenario")
        label = str(rows["label"].iloc[0]) if "label" in rows and pd.notna(rows["label"].iloc[0]) else m
        group = MEASURE_TEXT[m].group if m in MEASURE_TEXT else "Other measures"
        for s in others:
            d = diffs[(diffs["scenario"] == s) & (diffs["measure"] == m)] if not diffs.empty else diffs
            diff = d.iloc[0] if len(d) else None
            groups.setdefault(group, []).append(finding(comp, s, m, label, rows.loc[s], rows.loc[comp.baseline], diff))
    return "".join(f"<h3>{e(g)}</h3><ul class='findings'>{''.join(f'<li>{e(s)}</li>' for s in items)}</ul>" for g, items in groups.items())


# --------------------------------------------------------------- tables
def headline_table(comp: Comparison) -> str:
    summary, diffs = comp.csv("comparison.csv"), comp.csv("differences.csv")
    if summary.empty:
        return ""
    others = [s for s in comp.scenarios if s != comp.baseline]
    head = "".join(f"<th>{e(s)}</th>" for s in comp.scenarios)
    head += "".join(f"<th>Difference<br>{e(s)} − {e(comp.baseline)}</th>" for s in others)
    rows = []
    for m in dict.fromkeys(summary["measure"]):
        sub = summary[summary["measure"] == m].set_index("scenario")
        label = sub["label"].iloc[0] if pd.notna(sub["label"].iloc[0]) else m
        cells = [cell(sub.loc[s, "mean"], sub.loc[s, "lower"], sub.loc[s, "upper"]) if s in sub.index else "<td>–</td>" for s in comp.scenarios]
        for s in others:
            d = diffs[(diffs["scenario"] == s) & (diffs["measure"] == m)] if not diffs.empty else diffs
            cells.append(cell(d.iloc[0]["difference"], d.iloc[0]["lower"], d.iloc[0]["upper"], diff=True) if len(d) else "<td>–</td>")
        rows.append(f"<tr><th scope='row'>{e(label)}</th>{''.join(cells)}</tr>")
    note = (
        "Means over replications with 95% t intervals in brackets. Differences are paired by replication "
        "(common random numbers); <strong>bold</strong> differences have intervals that exclude zero."
        if comp.replications > 1 else "Single replication: point estimates without intervals."
    )
    return (
        "<table class='headline'><thead><tr><th>Measure</th>" + head + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f"<p class='note'>{note}</p>"
    )


def cell(mean: float, lo: float, hi: float, diff: bool = False) -> str:
    clear = diff and has_interval(lo, hi) and (lo > 0 or hi < 0)
    value = fmt(mean, signed=diff)
    ci = f"<span class='ci'>({e(interval(lo, hi))})</span>" if has_interval(lo, hi) else ""
    return f"<td class='num{' clear' if clear else ''}'>{e(value)} {ci}</td>"
