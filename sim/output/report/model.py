"""The model described from the run itself: policy docstrings and the scenario's parameter values."""

from __future__ import annotations

import inspect
import sys
from typing import Any

from sim.output.reader import Comparison
from sim.output.report.assumptions import short
from sim.output.report.html import e, para, sub
from sim.output.words import EVENT_LABELS, FACTOR_LABELS, REGIME_LABELS, condition_label, fmt, lower_first, role_label


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


def pct(x: Any) -> str:
    return f"{100 * float(x):g}%" if isinstance(x, int | float) else "–"


def clinical_html(comp: Comparison) -> str:
    """The clinical layer (risk factors, treatment, events), when the scenarios have one."""
    clinical = comp.parameters().get("clinical")
    if not isinstance(clinical, dict):
        return ""
    factors = {k: v for k, v in clinical.get("factors", {}).items() if isinstance(v, dict)}
    targets = ", ".join(f"{FACTOR_LABELS.get(k, k)} (target {_with_unit(v.get('target'), v.get('unit'))})" for k, v in factors.items())
    events = ", ".join(
        lower_first(EVENT_LABELS.get(f"event_{k}", EVENT_LABELS.get(f"{k}s", str(k).replace("_", " ")))) for k in clinical.get("events", {})
    )
    return para(
        f"Clinical layer: each patient's risk factors — {e(targets)} — drift over time and respond to treatment "
        "steps taken at reviews, with adherence that wanes between reviews. Reviews measure the factors (with "
        "measurement error) and may intensify treatment. Every "
        f"{e(clinical.get('step_days', '–'))} days each patient's hazards of {e(events)} are evaluated from their "
        "risk factors, age, sex, registers and review history, and events are drawn; events change the patient "
        "(for example an MI adds the CHD register) and carry costs and QALY losses."
    )


def _with_unit(value: Any, unit: Any) -> str:
    text = f"{value:g}" if isinstance(value, int | float) else str(value)
    return f"{text}%" if unit == "%" else f"{text} {unit}" if unit else text


def entry_exit(comp: Comparison) -> str:
    outcomes = comp.table("outcomes")
    measures = set(outcomes["measure"].unique()) if outcomes is not None and "measure" in outcomes else set()
    text = "the registered list is generated at the start of the run; registers count patients who are registered and alive at each snapshot."
    if {"deaths", "left_list", "registrations"} & measures:
        leave = comp.parameters().get("clinical", {}).get("leave_rate")
        text += (
            " Patients leave the list by death and by moving away"
            f"{f' ({pct(leave)} of the list a year)' if leave is not None else ''} and are replaced by new registrants; "
            "new diagnoses add patients to registers."
        )
    else:
        text += " This run has no deaths or list turnover."
    return e(text)


def clinic_day(demand: dict) -> str:
    """How a working day's clinic runs, with the scenario's own lapse time.

    Pinned to the engine by tests/test_report.py (``test_clinic_day_*``): change the
    engine's order or lapsing and those tests fail until this text follows.
    """
    return (
        "Each working day every practice opens an appointment book per clinical role and serves same-day requests first, "
        "from that day's minutes; those that do not fit are counted as unmet. The routine queue (routine acute requests "
        "and long-term-condition reviews, first come, first served) then takes the minutes that remain. Routine acute "
        f"requests lapse after {demand.get('max_wait_days', '–')} days unseen; reviews wait until they are seen."
    )


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
    overview = para(
        f"{e(practices.get('count', '–'))} practice(s), grouped in federations of up to {e(practices.get('federation_size', '–'))}, "
        f"each with a synthetic registered list (mean {e(fmt(practices.get('list_size_mean', float('nan'))))} patients). Patients "
        f"may be on any of {len(population.get('conditions', {}))} long-term-condition registers ({e(conditions)}). "
        f"{e(clinic_day(demand))} The regime decides "
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
            f"{e(policy_description(regime))}<details><summary>Regime parameters</summary><p class='desc'>{e(listing)}</p></details></li>"
        )
    algorithms = para(
        "Register membership: for each condition, a logistic model of age with a latent risk shared by a patient's "
        f"conditions (standard deviation {e(population.get('multimorbidity_sd', '–'))}), so that conditions cluster and "
        "multimorbidity rises with age; intercepts are solved so each register matches its stated prevalence. Frailty categories "
        f"are drawn for patients aged {e(population.get('frailty', {}).get('min_age', '–'))} and over. Each patient has a "
        f"per-letter chance of answering an invitation (Beta distributed, mean {e(population.get('response', {}).get('mean', '–'))}) "
        f"and a chance of attending a booked appointment (Beta, mean {e(population.get('attendance', {}).get('mean', '–'))}). "
        f"Acute demand arrives at {e(demand.get('consultations_per_person_year', '–'))} consultations per person-year, scaled "
        f"by age and conditions; {e(pct(demand.get('same_day_share')))} want a same-day appointment. Whether each delivered indicator item is coded is a Bernoulli "
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
        "<li><strong>Queues:</strong> one first-come-first-served routine queue per appointment book, for routine acute "
        "requests and reviews alike, behind a priority queue for year-end pushes; same-day demand does not queue: it is "
        "served first each day or counted as unmet.</li>"
        f"<li><strong>Entry and exit:</strong> {entry_exit(comp)}</li>"
        "</ul>"
    )
    return (
        sub("2.1 Base model overview", overview + clinical_html(comp))
        + sub("2.2 Scenario logic", f"<ul>{''.join(scen)}</ul><p>Parameters that differ between scenarios are listed under Key assumptions.</p>")
        + sub("2.3 Algorithms", algorithms)
        + sub("2.4 Components", components)
    )
