"""The methods section, following the STRESS-DES reporting checklist (Monks et al., J Simulation 2019)."""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path

from sim.engine.clock import START_YEAR, year_label
from sim.output.reader import Comparison, provenance_counts, provenance_rows, reported_years, warmup_years
from sim.output.report.html import e, para, sub
from sim.output.report.model import logic_html, pct
from sim.output.words import fmt


STRESS_SECTIONS = ("1. Objectives", "2. Logic", "3. Data", "4. Experimentation", "5. Implementation", "6. Code access")
"""Top-level headings of the methods section (STRESS-DES)."""


def objectives_html(comp: Comparison) -> str:
    summary = comp.csv("comparison.csv")
    labels = list(dict.fromkeys(summary["label"].dropna())) if "label" in summary else []
    scen = "".join(f"<li><strong>{e(s)}</strong>: {e(str(comp.manifests[s].get('description', '')).strip())}</li>" for s in comp.scenarios)
    return (
        sub("1.1 Purpose of the model", para(
            "To compare how regimes of long-term-condition care in English general practice affect the monitoring of "
            "patients on disease registers, clinicians' workload and access, and what the record (and so QOF payment) "
            "shows, relative to the care actually delivered. Scenarios compared:") + f"<ul>{scen}</ul>")
        + sub("1.2 Model outputs", para(f"{len(labels)} headline measures per scenario and replication, listed under All measures.")
               + para("Also register snapshots by condition, the distribution of time since last review, activity by role "
                    "and financial year, waiting-time distributions and QOF indicator achievement (tables in the run folder)."))
        + sub("1.3 Experimentation aims", para(
            f"Each scenario is compared with the baseline, {e(comp.baseline)}, over {comp.replications} replication(s) "
            "using common random numbers, so that differences can be attributed to the regime."))
    )


def data_html(comp: Comparison) -> str:
    rows = provenance_rows(comp)
    sources = sorted({p["source"] for r in rows for _, p in r["per"].values() if "source" in p})
    derived = sum("DERIVED" in s for s in sources)
    counts = "; ".join(f"{e(s)}: {n} values, {src} sourced, {ass} assumed" for s, n, src, ass in provenance_counts(comp))
    return (
        sub("3.1 Data sources", para(
            f"No patient-level data are used: the population is synthetic. Parameter values cite {len(sources)} distinct "
            "published figures or documents, listed with each parameter under Key assumptions.")
            + f"<details><summary>Distinct sources cited ({len(sources)})</summary><ul>{''.join(f'<li>{e(s)}</li>' for s in sources)}</ul></details>")
        + sub("3.2 Pre-processing", para(
            f"{derived} cited value(s) are marked DERIVED: simple arithmetic on published figures (for example staff per "
            "1,000 patients from workforce counts and list sizes). Scenario files are validated on loading; provenance is "
            "kept apart from the values and written to each scenario's manifest."))
        + sub("3.3 Input parameters", para(f"Every input parameter is listed with its value and provenance under Key assumptions ({counts})."))
        + sub("3.4 Assumptions", para(
            "Where no published figure exists the value is a stated assumption, shown against the parameter. Model-structure "
            "assumptions: no leap days (365-day years); reviews before the start are seeded; register prevalence follows the "
            "stated prevalence and age slopes; capacity is clinician minutes per working day."))
    )


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
        f"at a random time in the year before the start, {e(pct(history))} of patients for all their conditions on one "
        "date, the rest on separate dates; the same history is drawn under every regime."
    )
    warm = (
        f" A warm-up of {warmup} year(s) is simulated and discarded: counts restart and measurement begins in "
        f"{e(year_label(warmup))}."
        if warmup else " No warm-up period is discarded, so the first year or two partly reflect this starting state."
    )
    return (
        sub("4.1 Initialisation", para(start + warm))
        + sub("4.2 Run length", para(
            f"{years} reported financial year(s), {e(reported_years(comp, comp.baseline))}"
            f"{f', after {warmup} warm-up year(s)' if warmup else ''}, in days (365-day years). Measures labelled "
            "'final year' use the snapshots of the last financial year; the others average over the reported years."))
        + sub("4.3 Estimation approach", para(estimation))
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
        sub("5.1 Software", para(f"Python discrete-event simulation with SimPy. Versions: {e(software)}."))
        + sub("5.2 Random sampling", para(f"{e(m.get('random_streams', 'not recorded'))}. Base seed {e(m.get('seed', '–'))}."))
        + sub("5.3 Model execution", para(
            "One SimPy environment per federation (practices in a federation share a clock and any federation staff); "
            "federations and replications are independent and can run in parallel, with identical results serial or "
            f"parallel{scheduler}. Run times: {runs}."))
        + sub("5.4 System specification", para(system_text))
    )


def code_html(comp: Comparison, folder: Path) -> str:
    m = comp.manifests[comp.baseline]
    files = " ".join(str(comp.manifests[s].get("scenario_file") or f"<{s}.yaml>") for s in comp.scenarios)
    command = f"qofsim compare {files} --name {comparison_name(folder)} -r {comp.replications}"
    commit = m.get("git_commit") or "not recorded"
    version = (comp.overview.get("versions") or {}).get("qofsim", m.get("versions", {}).get("qofsim", "–"))
    return para(
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
