"""A self-contained HTML report of a written comparison folder.

:func:`build_report` writes ``folder/report.html``: one file with inline CSS and
the plots embedded as base64 PNG, so it opens from ``file://`` with no server
and no network. Every number and every description comes from the folder's
own manifests, CSVs and tables; the methods section follows the STRESS-DES
reporting checklist (Monks et al., J Simulation 2019). All text is escaped.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import platform
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.output.plots import (
    EVENT_LABELS,
    FACTOR_LABELS,
    REGIME_LABELS,
    Comparison,
    condition_label,
    fmt,
    make_plots,
    role_label,
)
from sim.engine.clock import START_YEAR, year_label

REPORT_TITLE = "Long-term-condition care in general practice: simulation report"

STRESS_SECTIONS = ("1. Objectives", "2. Logic", "3. Data", "4. Experimentation", "5. Implementation", "6. Code access")
"""Top-level headings of the methods section (STRESS-DES)."""


def e(value: Any) -> str:
    """Escape anything for HTML text or attributes."""
    return escape(str(value), quote=True)


# ------------------------------------------------------------ sentences
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
        subject = f"{_lower_first(label)} was {value}"
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


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """An HTML table from already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def scenarios_html(comp: Comparison) -> str:
    practices = comp.table("practices")
    rows = []
    for s in comp.scenarios:
        m = comp.manifests[s]
        years = int(m.get("years", 0))
        patients = registers = float("nan")
        if practices is not None:
            sub = practices[practices["scenario"] == s].groupby("replication")[["list_size", "register_patients"]].sum()
            patients, registers = sub["list_size"].mean(), sub["register_patients"].mean()
        regime = m.get("regime", "")
        rows.append([
            f"<strong>{e(s)}</strong>{' (baseline)' if s == comp.baseline else ''}<br><span class='desc'>{e(str(m.get('description', '')).strip())}</span>",
            f"{e(REGIME_LABELS.get(regime, regime))}<br><code>{e(regime)}</code>",
            e(m.get("practices", "–")),
            f"{e(fmt(patients))}<br><span class='desc'>{e(fmt(registers))} on a register</span>",
            f"{years}<br><span class='desc'>{e(reported_years(comp, s))}</span>" if years else "–",
            e(len(m.get("replications", []))),
            e(m.get("seed", "–")),
        ])
    seeds = {comp.manifests[s].get("seed") for s in comp.scenarios}
    crn = (
        f"All scenarios share seed {e(seeds.pop())}, so replication <i>r</i> of each sees the same patients and the same "
        "demand (common random numbers); differences between scenarios come from the regimes, not from chance draws."
        if len(seeds) == 1 else "The scenarios use different seeds, so they do not share random numbers; paired differences are less precise."
    )
    headers = ["Scenario", "Regime", "Practices", "Registered patients", "Years", "Replications", "Seed"]
    return table(headers, rows, "scenarios") + f"<p class='note'>{crn}</p>"


# ----------------------------------------------------------- provenance
def lookup(tree: Any, path: str) -> Any:
    """Value at a dotted field path (``a.b[2].c``) of a parameter tree, or None."""
    node = tree
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and isinstance(node, list):
            index = int(part[1:-1])
            node = node[index] if index < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def short(value: Any, limit: int = 110) -> tuple[str, str]:
    """A value as compact YAML flow text: (possibly shortened, full)."""
    if value is None:
        return "–", "–"
    full = yaml.safe_dump(value, default_flow_style=True, width=100_000, sort_keys=False).strip().removesuffix("...").strip()
    return (full if len(full) <= limit else full[: limit - 1] + "…"), full


def provenance_rows(comp: Comparison) -> list[dict[str, Any]]:
    """One row per parameter path: its value and provenance in each scenario."""
    paths: dict[str, None] = {}
    for s in comp.scenarios:
        paths.update(dict.fromkeys(comp.manifests[s].get("provenance", {})))
    rows = []
    for path in paths:
        per = {}
        for s in comp.scenarios:
            prov = comp.manifests[s].get("provenance", {}).get(path)
            per[s] = (lookup(comp.parameters(s), path), prov or {})
        rows.append({"path": path, "per": per})
    return rows


def why(prov: dict[str, Any]) -> str:
    if "source" in prov:
        return f"<span class='tag source'>source</span> {e(prov['source'])}"
    if "assumption" in prov:
        return f"<span class='tag assumption'>assumption</span> {e(prov['assumption'])}"
    return "<span class='tag'>not stated</span>"


def provenance_table(comp: Comparison, rows: list[dict[str, Any]]) -> str:
    body = []
    for row in rows:
        per = row["per"]
        values = {s: json.dumps(v, sort_keys=True, default=str) for s, (v, _) in per.items()}
        provs = {s: json.dumps(p, sort_keys=True) for s, (_, p) in per.items()}
        if len(set(values.values())) == 1 and len(set(provs.values())) == 1:
            value, prov = next(iter(per.values()))
            text, full = short(value)
            body.append([f"<code>{e(row['path'])}</code>", f"<span title='{e(full)}'>{e(text)}</span>", why(prov)])
            continue
        vals, whys = [], []
        for s, (value, prov) in per.items():
            text, full = short(value)
            vals.append(f"<span class='scen'>{e(s)}:</span> <span title='{e(full)}'>{e(text)}</span>")
            if prov:
                whys.append(f"<span class='scen'>{e(s)}:</span> {why(prov)}")
        body.append([f"<code>{e(row['path'])}</code>", "<br>".join(vals), "<br>".join(whys) or why({})])
    return table(["Parameter", "Value", "Source or assumption"], body, "provenance")


def differing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose value differs between scenarios: the scenario logic in numbers."""
    out = []
    for row in rows:
        values = {json.dumps(v, sort_keys=True, default=str) for v, _ in row["per"].values()}
        if len(values) > 1:
            out.append(row)
    return out


def provenance_counts(comp: Comparison) -> list[tuple[str, int, int, int]]:
    """(scenario, values, sourced, assumed) per scenario."""
    out = []
    for s in comp.scenarios:
        prov = comp.manifests[s].get("provenance", {})
        sourced = sum("source" in p for p in prov.values())
        assumed = sum("assumption" in p and "source" not in p for p in prov.values())
        out.append((s, len(prov), sourced, assumed))
    return out


def assumptions_html(comp: Comparison) -> str:
    rows = provenance_rows(comp)
    diff = differing(rows)
    counts = "; ".join(f"{e(s)}: {n} values, {src} with a cited source, {ass} resting on stated assumptions" for s, n, src, ass in provenance_counts(comp))
    intro = (
        f"<p>Every parameter value carries either a cited source or a stated assumption ({counts}). Values marked "
        "DERIVED are arithmetic on cited figures. Assumed values are the main uncertainty in these results: the "
        "intervals above reflect simulation noise only, not uncertainty in the assumptions.</p>"
    )
    parts = [intro]
    if diff:
        parts.append(f"<h3>What differs between the scenarios ({len(diff)} parameters)</h3>")
        parts.append(provenance_table(comp, diff))
    parts.append(f"<details><summary>All {len(rows)} parameters with their sources and assumptions</summary>{provenance_table(comp, rows)}</details>")
    return "".join(parts)


# -------------------------------------------------------------- figures
def figures_html(folder: Path, index: list[dict[str, str]]) -> str:
    parts = []
    for n, entry in enumerate(index, start=1):
        png = (folder / "plots" / entry["png"]).read_bytes()
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f"<figure class='plot' id='fig-{e(entry['name'])}'>"
            f"<img class='plot' src='data:image/png;base64,{data}' alt='{e(entry['title'])}'>"
            f"<figcaption><strong>Figure {n}. {e(entry['title'])}.</strong> {e(entry['caption'])}</figcaption></figure>"
        )
    return "".join(parts)


def plot_index(folder: Path) -> list[dict[str, str]]:
    """The plots listed in ``plots/index.json`` (drawing them first if absent)."""
    path = folder / "plots" / "index.json"
    if not path.is_file():
        make_plots(folder)
    index = json.loads(path.read_text())
    return [entry for entry in index if (folder / "plots" / entry["png"]).is_file()]


# -------------------------------------------------------------- methods
def _p(*sentences: str) -> str:
    return "<p>" + " ".join(sentences) + "</p>"


def _sub(title: str, body: str) -> str:
    return f"<h4>{e(title)}</h4>{body}"


def policy_description(regime: str) -> str:
    """The regime's own description (its module docstring), from the code that ran."""
    try:
        from sim.model.policies import resolve

        cls = resolve(regime)
    except (ImportError, ValueError):
        return ""
    doc = inspect.getdoc(sys.modules.get(cls.__module__)) or inspect.getdoc(cls) or ""
    return " ".join(doc.split())


def flat(tree: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(tree, dict) and tree:
        return [kv for k, v in tree.items() for kv in flat(v, f"{prefix}{k}.")]
    return [(prefix.rstrip("."), tree)]


def _pct(x: Any) -> str:
    return f"{100 * float(x):g}%" if isinstance(x, int | float) else "–"


def objectives_html(comp: Comparison) -> str:
    summary = comp.csv("comparison.csv")
    labels = list(dict.fromkeys(summary["label"].dropna())) if "label" in summary else []
    scen = "".join(f"<li><strong>{e(s)}</strong>: {e(str(comp.manifests[s].get('description', '')).strip())}</li>" for s in comp.scenarios)
    return (
        _sub("1.1 Purpose of the model", _p(
            "To compare how regimes of long-term-condition care in English general practice affect the monitoring of "
            "patients on disease registers, clinicians' workload and access, and what the record (and so QOF payment) "
            "shows, relative to the care actually delivered. Scenarios compared:") + f"<ul>{scen}</ul>")
        + _sub("1.2 Model outputs", _p("Headline measures, per scenario and replication:")
               + "<ul>" + "".join(f"<li>{e(label)}</li>" for label in labels) + "</ul>"
               + _p("Also register snapshots by condition, the distribution of time since last review, activity by role "
                    "and financial year, waiting-time distributions and QOF indicator achievement (tables in the run folder)."))
        + _sub("1.3 Experimentation aims", _p(
            f"Each scenario is compared with the baseline, {e(comp.baseline)}, over {comp.replications} replication(s) "
            "using common random numbers, so that differences can be attributed to the regime."))
    )


def clinical_html(comp: Comparison) -> str:
    """The clinical layer (risk factors, treatment, events), when the scenarios have one."""
    clinical = comp.parameters().get("clinical")
    if not isinstance(clinical, dict):
        return ""
    factors = {k: v for k, v in clinical.get("factors", {}).items() if isinstance(v, dict)}
    targets = ", ".join(f"{FACTOR_LABELS.get(k, k)} (target {_with_unit(v.get('target'), v.get('unit'))})" for k, v in factors.items())
    events = ", ".join(
        _lower_first(EVENT_LABELS.get(f"event_{k}", EVENT_LABELS.get(f"{k}s", str(k).replace("_", " ")))) for k in clinical.get("events", {})
    )
    return _p(
        f"Clinical layer: each patient's risk factors — {e(targets)} — drift over time and respond to treatment "
        "steps taken at reviews, with adherence that wanes between reviews. Reviews measure the factors (with "
        "measurement error) and may intensify treatment. Every "
        f"{e(clinical.get('step_days', '–'))} days each patient's hazards of {e(events)} are evaluated from their "
        "risk factors, age, sex, registers and review history, and events are drawn; events change the patient "
        "(for example an MI adds the CHD register) and carry costs and QALY losses."
    )


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym (COPD stays COPD)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _with_unit(value: Any, unit: Any) -> str:
    text = f"{value:g}" if isinstance(value, int | float) else str(value)
    return f"{text}%" if unit == "%" else f"{text} {unit}" if unit else text


def entry_exit(comp: Comparison) -> str:
    outcomes = comp.table("outcomes")
    measures = set(outcomes["measure"]) if outcomes is not None and "measure" in outcomes else set()
    text = "the registered list is generated at the start of the run; registers count patients who are registered and alive at each snapshot."
    if {"deaths", "left_list", "registrations"} & measures:
        leave = comp.parameters().get("clinical", {}).get("leave_rate")
        text += (
            " Patients leave the list by death and by moving away"
            f"{f' ({_pct(leave)} of the list a year)' if leave is not None else ''} and are replaced by new registrants; "
            "new diagnoses add patients to registers."
        )
    else:
        text += " This run has no deaths or list turnover."
    return e(text)


def logic_html(comp: Comparison) -> str:
    p = comp.parameters()
    practices, population, demand = p.get("practices", {}), p.get("population", {}), p.get("demand", {})
    staffing, measures = p.get("staffing", {}), p.get("measures", {})
    conditions = ", ".join(condition_label(c) for c in population.get("conditions", {}))
    practice_roles = ", ".join(role_label(r) for r in staffing.get("fte_per_1000", {}))
    fed_roles = sorted({r for s in comp.scenarios for r in comp.parameters(s).get("federation", {}).get("staff", {})})
    fed_text = (
        f" Federations can share staff across their practices ({e(', '.join(role_label(r) for r in fed_roles))} in some scenarios)."
        if fed_roles else ""
    )
    overview = _p(
        f"{e(practices.get('count', '–'))} practice(s), grouped in federations of up to {e(practices.get('federation_size', '–'))}, "
        f"each with a synthetic registered list (mean {e(fmt(practices.get('list_size_mean', float('nan'))))} patients). Patients "
        f"may be on any of {len(population.get('conditions', {}))} long-term-condition registers ({e(conditions)}). Each working day "
        "every practice opens appointment books for its clinical roles, takes patients' answers to invitations and their "
        "acute demand, and serves routine queues first come, first served while clinician minutes last. The regime decides "
        "who is invited for review and when, who reviews them, how non-responders are chased, and how reliably delivered "
        "care is coded. Register snapshots are taken "
        f"{e(measures.get('snapshots_per_year', '–'))} times a year; QOF achievement and activity are closed at each financial year end." + fed_text
    )
    scen = []
    for s in comp.scenarios:
        regime = comp.regime(s)
        params = comp.manifests[s].get("regime_parameters", {})
        listing = "; ".join(f"{k} = {short(v, 60)[0]}" for k, v in flat(params))
        scen.append(
            f"<li><strong>{e(s)}</strong> — regime <code>{e(regime)}</code> ({e(REGIME_LABELS.get(regime, regime))}): "
            f"{e(policy_description(regime))}<br><span class='desc'>Regime parameters: {e(listing)}</span></li>"
        )
    algorithms = _p(
        "Register membership: for each condition, a logistic model of age with a latent risk shared by a patient's "
        f"conditions (standard deviation {e(population.get('multimorbidity_sd', '–'))}), so that conditions cluster and "
        "multimorbidity rises with age; intercepts are solved so each register matches its stated prevalence. Frailty categories "
        f"are drawn for patients aged {e(population.get('frailty', {}).get('min_age', '–'))} and over. Each patient has a "
        f"per-letter chance of answering an invitation (Beta distributed, mean {e(population.get('response', {}).get('mean', '–'))}) "
        f"and a chance of attending a booked appointment (Beta, mean {e(population.get('attendance', {}).get('mean', '–'))}). "
        f"Acute demand arrives at {e(demand.get('consultations_per_person_year', '–'))} consultations per person-year, scaled "
        f"by age and conditions; {e(_pct(demand.get('same_day_share')))} want a same-day appointment, and routine requests lapse "
        f"after {e(demand.get('max_wait_days', '–'))} days unseen. Whether each delivered indicator item is coded is a Bernoulli "
        "draw with the regime's recording probability for that kind of item; QOF achievement is counted both on the record "
        "and on delivered care."
    )
    components = (
        "<ul>"
        "<li><strong>Entities:</strong> patients (age, sex, registers, frailty, propensities to respond and attend, "
        "care record), practices and federations.</li>"
        "<li><strong>Activities:</strong> recall searches, invitation letters and chase-ups, long-term-condition reviews, "
        "opportunistic reviews in other consultations, same-day and routine consultations, coding of indicator items, "
        "exception reporting where the regime allows it.</li>"
        f"<li><strong>Resources:</strong> clinician minutes per working day by role (practice: {e(practice_roles)}"
        f"{'; federation: ' + e(', '.join(role_label(r) for r in fed_roles)) if fed_roles else ''}), from staff per "
        "1,000 patients and patient-facing minutes per full-time equivalent.</li>"
        "<li><strong>Queues:</strong> one first-come-first-served routine queue per appointment book (with a priority queue "
        "for year-end pushes); same-day demand is met from the day's remaining minutes or counted as unmet.</li>"
        f"<li><strong>Entry and exit:</strong> {entry_exit(comp)}</li>"
        "</ul>"
    )
    return (
        _sub("2.1 Base model overview", overview + clinical_html(comp))
        + _sub("2.2 Scenario logic", f"<ul>{''.join(scen)}</ul><p>Parameters that differ between scenarios are listed under Key assumptions.</p>")
        + _sub("2.3 Algorithms", algorithms)
        + _sub("2.4 Components", components)
    )


def data_html(comp: Comparison) -> str:
    rows = provenance_rows(comp)
    sources = sorted({p["source"] for r in rows for _, p in r["per"].values() if "source" in p})
    derived = sum("DERIVED" in s for s in sources)
    counts = "; ".join(f"{e(s)}: {n} values, {src} sourced, {ass} assumed" for s, n, src, ass in provenance_counts(comp))
    return (
        _sub("3.1 Data sources", _p(
            f"No patient-level data are used: the population is synthetic. Parameter values cite {len(sources)} distinct "
            "published figures or documents, listed with each parameter under Key assumptions.")
            + f"<details><summary>Distinct sources cited ({len(sources)})</summary><ul>{''.join(f'<li>{e(s)}</li>' for s in sources)}</ul></details>")
        + _sub("3.2 Pre-processing", _p(
            f"{derived} cited value(s) are marked DERIVED: simple arithmetic on published figures (for example staff per "
            "1,000 patients from workforce counts and list sizes). Scenario files are validated on loading; provenance is "
            "kept apart from the values and written to each scenario's manifest."))
        + _sub("3.3 Input parameters", _p(f"Every input parameter is listed with its value and provenance under Key assumptions ({counts})."))
        + _sub("3.4 Assumptions", _p(
            "Where no published figure exists the value is a stated assumption, shown against the parameter. Model-structure "
            "assumptions: no leap days (365-day years); reviews before the start are seeded; register prevalence follows the "
            "stated prevalence and age slopes; capacity is clinician minutes per working day."))
    )


def warmup_years(comp: Comparison, scenario: str) -> int:
    """Years simulated and discarded before measuring (0 if the run had no warm-up)."""
    value = comp.parameters(scenario).get("measures", {}).get("warmup_years")
    if value is None:
        value = (comp.overview.get("warmup_years") or {}).get(scenario, 0)
    return int(value or 0)


def reported_years(comp: Comparison, scenario: str) -> str:
    """The financial years measured, e.g. ``2014/15 to 2023/24``."""
    first = warmup_years(comp, scenario)
    years = int(comp.manifests[scenario].get("years", 0) or 0)
    return f"{year_label(first)} to {year_label(first + max(years - 1, 0))}"


def experimentation_html(comp: Comparison) -> str:
    p = comp.parameters()
    years = int(p.get("years", 0) or 0)
    warmup = warmup_years(comp, comp.baseline)
    history = p.get("population", {}).get("history_combined_share")
    reps = comp.replications
    interval = comp.overview.get("interval", "two-sided 95% t confidence intervals over replications")
    estimation = (
        f"{reps} replications per scenario. Replication <i>r</i> of every scenario draws from the same named random streams "
        f"(common random numbers). Results are means over replications; intervals: {e(interval)}. "
        "Intervals reflect stochastic variation only, not uncertainty in the parameters."
        if reps > 1 else "A single replication per scenario: results are point estimates without intervals."
    )
    start = (
        f"The run starts on 1 April {START_YEAR} with a seeded review history: each register condition was last reviewed "
        f"at a random time in the year before the start, {e(_pct(history))} of patients for all their conditions on one "
        "date, the rest on separate dates; the same history is drawn under every regime."
    )
    warm = (
        f" A warm-up of {warmup} year(s) is simulated and discarded: counts restart and measurement begins in "
        f"{e(year_label(warmup))}."
        if warmup else " No warm-up period is discarded, so the first year or two partly reflect this starting state."
    )
    return (
        _sub("4.1 Initialisation", _p(start + warm))
        + _sub("4.2 Run length", _p(
            f"{years} reported financial year(s), {e(reported_years(comp, comp.baseline))}"
            f"{f', after {warmup} warm-up year(s)' if warmup else ''}, in days (365-day years). Measures labelled "
            "'final year' use the snapshots of the last financial year; the others average over the reported years."))
        + _sub("4.3 Estimation approach", _p(estimation))
    )


def implementation_html(comp: Comparison) -> str:
    m = comp.manifests[comp.baseline]
    versions = comp.overview.get("versions") or m.get("versions", {})
    software = ", ".join(f"{k} {v}" for k, v in versions.items())
    runs = "; ".join(
        f"{e(s)}: {e(fmt(comp.manifests[s].get('patient_years', float('nan'))))} patient-years in "
        f"{e(comp.manifests[s].get('run_seconds', '–'))} s (created {e(comp.manifests[s].get('created_utc', '–'))})"
        for s in comp.scenarios
    )
    scheduler = f"; this run used the {e(comp.overview['scheduler'])} scheduler" if comp.overview.get("scheduler") else ""
    system = m.get("system")
    system_text = (
        e(json.dumps(system)) if system else
        f"Not recorded in the run manifest. This report was built on {e(platform.platform())}, "
        f"{e(platform.machine())}, {os.cpu_count()} logical CPUs, Python {e(platform.python_version())}."
    )
    return (
        _sub("5.1 Software", _p(f"Python discrete-event simulation with SimPy. Versions: {e(software)}."))
        + _sub("5.2 Random sampling", _p(f"{e(m.get('random_streams', 'not recorded'))}. Base seed {e(m.get('seed', '–'))}."))
        + _sub("5.3 Model execution", _p(
            "One SimPy environment per federation (practices in a federation share a clock and any federation staff); "
            "federations and replications are independent and can run in parallel, with identical results serial or "
            f"parallel{scheduler}. Run times: {runs}."))
        + _sub("5.4 System specification", _p(system_text))
    )


def code_html(comp: Comparison, folder: Path) -> str:
    m = comp.manifests[comp.baseline]
    files = " ".join(str(comp.manifests[s].get("scenario_file") or f"<{s}.yaml>") for s in comp.scenarios)
    command = f"qofsim compare {files} --name {comparison_name(folder)} -r {comp.replications}"
    commit = m.get("git_commit") or "not recorded"
    version = (comp.overview.get("versions") or {}).get("qofsim", m.get("versions", {}).get("qofsim", "–"))
    return _p(
        f"Model code: the qofsim package, version {e(version)}, git commit <code>{e(commit)}</code>. To reproduce these "
        f"results: <code>{e(command)}</code> (add any <code>--set</code> overrides used; the parameters listed in this report "
        "are those the run actually used). Each scenario's manifest.json in the results folder records every parameter, the "
        "seed and the package versions."
    )


def comparison_name(folder: Path) -> str:
    """The comparison's name, also while it is still being written to a temporary folder."""
    match = re.match(r"^\.(.+)\.partial-", folder.name)
    return match.group(1) if match else folder.name


def methods_html(comp: Comparison, folder: Path) -> str:
    bodies = (objectives_html(comp), logic_html(comp), data_html(comp), experimentation_html(comp), implementation_html(comp), code_html(comp, folder))
    return "".join(f"<h3>{e(title)}</h3>{body}" for title, body in zip(STRESS_SECTIONS, bodies, strict=True))


# ------------------------------------------------------------- document
CSS = """
:root { --ink:#1b1b1b; --muted:#5a5a5a; --rule:#d9d9d9; --band:#f5f6f7; --accent:#0072B2; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1100px; margin:0 auto; padding:2rem 1.5rem 4rem; }
header.top { border-bottom:3px solid var(--accent); margin-bottom:1.5rem; padding-bottom:1rem; }
h1 { font-size:1.9rem; line-height:1.2; margin:0 0 .4rem; }
h2 { font-size:1.45rem; margin:2.6rem 0 .8rem; padding-top:.4rem; border-top:1px solid var(--rule); }
h3 { font-size:1.15rem; margin:1.6rem 0 .5rem; }
h4 { font-size:1rem; margin:1.1rem 0 .3rem; }
p.meta, .note, .desc, figcaption { color:var(--muted); }
.note { font-size:.9rem; }
.desc { font-size:.88rem; }
nav ol { columns:2; padding-left:1.2rem; margin:.3rem 0; }
.callout { background:var(--band); border-left:4px solid var(--accent); padding:.8rem 1rem; margin:1rem 0; }
ul.findings li { margin:.35rem 0; }
table { border-collapse:collapse; width:100%; margin:.6rem 0 1rem; font-size:.9rem; }
th, td { text-align:left; vertical-align:top; padding:.4rem .55rem; border-bottom:1px solid var(--rule); }
thead th { background:var(--band); border-bottom:2px solid #bbb; }
tbody th { font-weight:500; }
td.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
td.clear { font-weight:700; }
.ci { color:var(--muted); font-weight:400; font-size:.85em; }
table.provenance td:first-child { white-space:nowrap; }
table.provenance { font-size:.84rem; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.88em; background:var(--band); padding:0 .2em; border-radius:3px; word-break:break-word; }
.tag { display:inline-block; font-size:.72rem; text-transform:uppercase; letter-spacing:.03em; padding:0 .35em; border-radius:3px; background:#e6e6e6; }
.tag.source { background:#d7ecf7; } .tag.assumption { background:#fbe3d3; }
.scen { font-weight:600; }
figure.plot { margin:1.5rem 0 2.2rem; }
figure.plot img { width:100%; height:auto; border:1px solid var(--rule); }
figcaption { font-size:.92rem; margin-top:.4rem; }
details { margin:.8rem 0; } summary { cursor:pointer; font-weight:600; color:var(--accent); }
footer { margin-top:3rem; font-size:.85rem; color:var(--muted); border-top:1px solid var(--rule); padding-top:.8rem; }
@media print { main { max-width:none; padding:0; } h2 { break-before:page; } figure.plot { break-inside:avoid; } details > * { display:block; } }
"""


def document(comp: Comparison, folder: Path, index: list[dict[str, str]]) -> str:
    built = datetime.now(UTC)
    created = sorted(str(comp.manifests[s].get("created_utc", "")) for s in comp.scenarios)
    run_date = created[-1][:10] if created and created[-1] else "unknown"
    others = [s for s in comp.scenarios if s != comp.baseline]
    versus = f"{', '.join(others)} compared with {comp.baseline}" if others else comp.baseline
    counts = {s: (n, a) for s, n, _, a in provenance_counts(comp)}
    total, assumed = counts.get(comp.baseline, (0, 0))
    sections = [
        ("findings", "Key findings", findings_html(comp)),
        ("headline", "Headline measures", headline_table(comp)),
        ("simulated", "What was simulated", scenarios_html(comp)),
        ("figures", "Figures", figures_html(folder, index)),
        ("assumptions", "Key assumptions and sources", assumptions_html(comp)),
        ("methods", "Methods (STRESS-DES)", methods_html(comp, folder)),
    ]
    nav = "".join(f"<li><a href='#{k}'>{e(t)}</a></li>" for k, t, _ in sections)
    body = "".join(f"<section id='{k}'><h2>{e(t)}</h2>{html}</section>" for k, t, html in sections)
    reps = comp.replications
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(REPORT_TITLE)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header class="top">
<h1>{e(REPORT_TITLE)}</h1>
<p class="meta">{e(versus)} · {reps} replication{'s' if reps != 1 else ''} · simulated {e(run_date)} · report built {e(built.strftime('%d %B %Y, %H:%M UTC'))}</p>
</header>
<div class="callout">These are results of a simulation model, not observations. They show what follows from the model's
structure and its parameters ({assumed} of the {total} parameter values of {e(comp.baseline)} rest on stated assumptions
rather than published figures); intervals reflect simulation noise only. Read them as a comparison of mechanisms, not as
forecasts.</div>
<nav><strong>Contents</strong><ol>{nav}</ol></nav>
{body}
<footer>Generated by qofsim {e((comp.overview.get('versions') or {}).get('qofsim', ''))} from the results folder
<code>{e(comparison_name(folder))}</code>. Self-contained: no external resources.</footer>
</main>
</body>
</html>
"""


def build_report(folder: Path) -> Path:
    """Write ``folder/report.html`` for a comparison folder and return its path.

    Plots are drawn first if ``folder/plots/index.json`` is absent.
    """
    folder = Path(folder)
    comp = Comparison.load(folder)
    index = plot_index(folder)
    out = folder / "report.html"
    out.write_text(document(comp, folder, index), encoding="utf-8")
    return out
