"""What was simulated, and every parameter with its source or stated assumption."""

from __future__ import annotations

import json
from typing import Any

import yaml

from sim.output.reader import Comparison, differing, provenance_counts, provenance_rows, reported_years
from sim.output.report.html import e, table
from sim.output.words import REGIME_LABELS, fmt


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


def short(value: Any, limit: int = 110) -> tuple[str, str]:
    """A value as compact YAML flow text: (possibly shortened, full)."""
    if value is None:
        return "–", "–"
    full = yaml.safe_dump(value, default_flow_style=True, width=100_000, sort_keys=False).strip().removesuffix("...").strip()
    return (full if len(full) <= limit else full[: limit - 1] + "…"), full


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
        parts.append(f"<details><summary>What differs between the scenarios ({len(diff)} parameters)</summary>{provenance_table(comp, diff)}</details>")
    parts.append(f"<details><summary>All {len(rows)} parameters with their sources and assumptions</summary>{provenance_table(comp, rows)}</details>")
    return "".join(parts)
