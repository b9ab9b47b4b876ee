"""The report section "Could an evaluation of this size detect harm?": an HTML fragment and a page of its own.

The fragment (:func:`section_html`) is self-contained (figures inlined as PNG data),
so the main report can include it without knowing how it was made; ``evaluation.html``
in the results folder wraps it in a minimal page.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.evaluation_checks import switching
from sim.evaluation.design import PLACEBO
from sim.evaluation.evaluated import Evaluated
from sim.evaluation.figures import SHORT, power_curves, seen_and_true
from sim.evaluation.panel import MEASURE

TITLE = "Could an evaluation of this size detect harm?"
CSS = """body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.2em}td,th{border-bottom:1px solid #ddd;padding:.3em .7em;text-align:right}
td:first-child,th:first-child{text-align:left}img{max-width:100%}.note{color:#555;font-size:.92em}"""


def write_page(folder: Path, result: Evaluated) -> Path:
    """Draw the figures into ``folder`` and write ``evaluation.html`` there."""
    ev = result.loaded.scenario.evaluation
    assert ev is not None
    figures = {
        "power": power_curves(result.power, ev.analysis.power, ev.analysis.alpha, folder / "power_curves.png"),
        "seen": seen_and_true(result.panels, 0.0, ev.analysis.weights == "list_size", folder / "seen_vs_true.png"),
    }
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(TITLE)}</title>"
            f"<style>{CSS}</style></head><body>{section_html(result, figures)}</body></html>")
    path = folder / "evaluation.html"
    path.write_text(page, encoding="utf-8")
    return path


def _img(path: Path | None, alt: str) -> str:
    if path is None or not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='{escape(alt)}'>"


def _pct(value: float, signed: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{100 * value:+.1f}%" if signed else f"{100 * value:.1f}%"


def section_html(result: Evaluated, figures: dict[str, Path | None]) -> str:
    """The section as an HTML fragment."""
    sc = result.loaded.scenario
    ev, scheme = sc.evaluation, sc.scheme
    assert ev is not None and scheme is not None
    k = switching(sc)
    controls = ev.controls or sc.practices.count - k
    info = result.info
    parts = [
        f"<section id='evaluation'><h2>{escape(TITLE)}</h2>",
        f"<p>Each simulated evaluation follows {k + controls} practices: {k} switch to the scheme "
        f"(chosen: {escape(scheme.selection.replace('_', ' '))}) after {ev.years_before} years under QOF and {controls} stay on QOF as controls; "
        f"it is followed for {ev.years_after} years after the switch. A known harm is injected into the switching practices "
        f"({escape(', '.join(h.replace('_', ' ') for h in ev.effects_on))}: "
        f"{', '.join(_pct(e) for e in ev.effects)}), and each evaluation analyses its practice-by-quarter data by "
        f"{'difference-in-differences' if ev.analysis.method == 'did' else 'controlled interrupted time series'} "
        f"with errors clustered by practice, as published practice-level evaluations do. "
        f"{info['evaluations']} evaluations per harm.</p>",
        _headline(result),
        _mde_block(result),
        "<h3>Power: how often an evaluation finds the change</h3>",
        _img(figures.get("power"), "power curves"),
        f"<p class='note'>Dotted lines: {ev.analysis.power:.0%} power and the {ev.analysis.alpha:.0%} significance level. "
        "Bars: 95% intervals over the simulated evaluations. The true harm is the change the switching practices really "
        "had, against their own run had they stayed on QOF; at zero injected harm it is what the scheme, as modelled, did by itself.</p>",
        _false_positive_block(result),
        "<h3>What the records suggest against the truth</h3>",
        _seen_block(result),
        _img(figures.get("seen"), "recorded and true control"),
        _method_block(result),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


def _headline(result: Evaluated) -> str:
    """The answer in one sentence: the smallest harms seen reliably, from what truly happened."""
    ev = result.loaded.scenario.evaluation
    assert ev is not None
    true = result.mde[(result.mde.data == "true") & result.mde.mde.notna()]
    if true.empty:
        return "<p><strong>No injected harm was large enough to be detected reliably.</strong></p>"
    parts = [f"{'a rise' if MEASURE[r.measure].harm_sign > 0 else 'a fall'} of {_pct(r.mde)} in "
             f"{'the share of ' if MEASURE[r.measure].from_records else ''}{escape(MEASURE[r.measure].label)}"
             for r in true.itertuples()]
    return (f"<p><strong>In short: an evaluation of this size would detect, {ev.analysis.power:.0%} of the time, "
            f"{'; '.join(parts)}. Smaller harms would often go unseen.</strong></p>")


def _label(name: str) -> str:
    return escape(SHORT.get(name, name))


def _mde_block(result: Evaluated) -> str:
    ev = result.loaded.scenario.evaluation
    assert ev is not None
    rows = []
    for name in dict.fromkeys(result.mde.measure):
        g = result.mde[result.mde.measure == name].set_index("data")
        true, seen = g.loc["true"], g.loc["observed"] if "observed" in g.index else None
        recorded = "same records" if MEASURE[name].outcome else _recorded(result, name, seen)
        rows.append(f"<tr><td>{_label(name)}</td><td>{_reached(true)}</td><td>{recorded}</td><td>{_pct(true.mde_from_se)}</td></tr>")
    return (
        f"<h3>The smallest harm detected {ev.analysis.power:.0%} of the time</h3>"
        "<table><tr><th>measure</th><th>from what truly happened</th><th>from GP records, where reported</th>"
        "<th>from the standard error</th></tr>" + "".join(rows) + "</table>"
        "<p class='note'>Relative changes: a rise in admissions or deaths, a fall in the share controlled. Admissions and "
        "deaths come from hospital and death records, which do not depend on GP recording. The last column is the "
        "approximation (t<sub>1-&alpha;/2</sub> + t<sub>power</sub>) &times; standard error, from evaluations where nothing changed.</p>"
    )


def _recorded(result: Evaluated, name: str, row: pd.Series | None) -> str:
    """The records' minimum detectable harm, unless the records cannot see the scheme's practices or are biased."""
    seen = result.seen[(result.seen.measure == name) & (result.seen.arm != PLACEBO)]
    if seen.power_observed.isna().all():
        return "not reported"
    bias = seen.bias_observed.abs().max()
    if row is not None and np.isfinite(row.mde_from_se) and bias > row.mde_from_se / 2:
        return f"biased (off by up to {_pct(bias)}: below)"
    return _reached(row)


def _reached(row: pd.Series | None) -> str:
    """The minimum detectable harm, or why there is none."""
    if row is None or not np.isfinite(row.mde_from_se):
        return "not reported"
    if np.isfinite(row.mde):
        return _pct(row.mde)
    if not np.isfinite(row.largest_simulated) or row.largest_simulated <= 0:
        return "no harm simulated"
    return f"over {_pct(row.largest_simulated)}"


def _false_positive_block(result: Evaluated) -> str:
    placebo = result.power[(result.power.arm == PLACEBO) & (result.power.data == "true")]
    if placebo.empty:
        return ""
    cells = ", ".join(
        f"{_label(r.measure)} {_pct(r.power)} ({_pct(r.power_low)} to {_pct(r.power_high)})" for r in placebo.itertuples()
    )
    return (f"<p>Where nothing changed (each switching practice given its own run without the switch), evaluations found a "
            f"significant change this often: {cells}. A valid analysis finds one about "
            f"{result.loaded.scenario.evaluation.analysis.alpha:.0%} of the time.</p>")  # type: ignore[union-attr]


def _seen_block(result: Evaluated) -> str:
    seen = result.seen[result.seen.arm != PLACEBO]
    seen = seen[seen.measure.map(lambda m: MEASURE[m].from_records)]
    if seen.empty:
        return ""
    rows = []
    for r in seen.sort_values(["measure", "injected"]).itertuples():
        rows.append(
            f"<tr><td>{_label(r.measure)}</td><td>{_pct(r.injected)}</td><td>{_pct(r.true_effect, True)}</td>"
            f"<td>{_pct(r.mean_estimate_true, True)}</td><td>{_pct(r.mean_estimate_observed, True)}</td>"
            f"<td>{_pct(r.finds_harm_true)}</td><td>{_pct(r.finds_harm_observed)}</td></tr>"
        )
    return (
        "<p>Under the scheme, most indicators are no longer reported, and what is recorded is recorded at the practice's "
        "discretion. A patient whose value was not recorded in the indicator's window counts as not controlled, so missing "
        "records can make care look worse than it was; an indicator that is no longer reported hides any real change.</p>"
        "<table><tr><th>measure</th><th>injected harm</th><th>true harm</th><th>estimated from true levels</th>"
        "<th>estimated from records</th><th>evaluations finding harm (true)</th><th>(records)</th></tr>"
        + "".join(rows) + "</table><p class='note'>Harm as a positive number: a fall in the share controlled. "
        "A dash: the records hold no data for switching practices after the switch.</p>"
    )


def _method_block(result: Evaluated) -> str:
    sc = result.loaded.scenario
    ev = sc.evaluation
    assert ev is not None
    info = result.info
    pool = ev.pool_practices or sc.practices.count
    sampling = (
        f"each evaluation draws its {sc.practices.count} practices with replacement from a pool of {pool}"
        if ev.sampling == "resample" else f"each evaluation takes {sc.practices.count} fresh practices from a pool of {pool}"
    )
    return (
        "<h3>How this was done</h3><ul>"
        f"<li>Every practice of the pool ({info['pools']} replication(s)) was simulated staying on QOF and, separately, switching "
        "with each injected harm, with common random numbers, so a practice's runs are the same until the switch. "
        f"{escape(sampling)}; switchers take their switching run, controls their QOF run.</li>"
        "<li>Injected harms: the hazard of every ambulatory-care-sensitive admission and of death (and the case fatality of "
        "events) rises by the harm; for control, that share of patients (fixed per person) is held above the target, so the "
        "share controlled falls by it. Everything downstream follows in the model: held patients have more events, "
        "reviews measure them and treat them.</li>"
        "<li>In a switching arm all practices of a federation switch, so federation staff are shared by all of them.</li>"
        f"<li>Only harms are injected (benefits are not); the power of a two-sided test to detect a benefit of the same size "
        f"is similar but not identical.</li>"
        f"<li>{info['patient_years']:,.0f} patient-years simulated in {info['simulation_seconds']:.0f} s "
        f"(or reused from the cache); {info['total_seconds']:.0f} s with the analysis.</li></ul>"
    )


def mde_summary(mde: pd.DataFrame) -> str:
    """One line per measure: the minimum detectable harm from true data (for the command's closing note)."""
    rows = mde[mde.data == "true"]
    return "; ".join(f"{SHORT.get(r.measure, r.measure)} {_pct(r.mde)}" for r in rows.itertuples())
