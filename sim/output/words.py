"""How the output names things and writes numbers for a reader: conditions, roles,
regimes, events and risk factors in words, and numbers with sensible precision."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

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


FACTOR_LABELS: dict[str, str] = {"sbp": "systolic BP", "hba1c": "HbA1c", "chol": "cholesterol"}


def condition_label(name: str) -> str:
    return CONDITION_LABELS.get(name, name.replace("_", " ").capitalize())


def role_label(name: str, federation_roles: Iterable[str] = ()) -> str:
    text = ROLE_LABELS.get(name, name.replace("_", " ").capitalize())
    return f"{text} (federation)" if name in set(federation_roles) else text


ROUNDING_NOISE = 1e-4
"""Below what the tables keep (four decimals): a value this small reads as zero."""


def negligible(*values: float) -> bool:
    """Every value is finite and below :data:`ROUNDING_NOISE` in size."""
    return all(np.isfinite(v) and abs(v) < ROUNDING_NOISE for v in values)


def fmt(x: float, signed: bool = False) -> str:
    """A number for a reader: no decimals from 100 up, one below, two significant figures
    under 1; a real minus sign."""
    if x is None or not np.isfinite(x):
        return "–"
    a = abs(x)
    if a < ROUNDING_NOISE:
        a = 0.0
    text = f"{a:,.0f}" if a >= 100 else f"{a:.1f}" if a >= 1 or a == 0 else f"{a:.2g}"
    shown = bool(text.strip("0.,"))
    sign = "−" if x < 0 and shown else ("+" if signed and x > 0 and shown else "")
    return sign + text


def lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym (COPD stays COPD)."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]
