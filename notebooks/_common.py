"""Shared settings for the notebooks: the size switch and where plots go.

Set QOFSIM_FULL=1 in the environment (or edit FULL below in a notebook) for full-size runs.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
QOF = SCENARIOS / "qof_practice.yaml"
OPTOUT = SCENARIOS / "optout_practice.yaml"
FULL = os.environ.get("QOFSIM_FULL", "0") == "1"

SMALL_RUN = {"years": 2, "practices.list_size_mean": 1000}
"""Small: a 1,000-patient practice for 2 years (seconds per run)."""
FULL_RUN = {"years": 10, "practices.list_size_mean": 7100}
"""Full: a typical 7,100-patient practice for 10 years after the scenarios' warm-up (3 years: a sweep, like a
comparison, refuses one shorter than the longest review cycle compared)."""


KEY_PARAMETERS = [
    "population.attendance.mean",
    "population.response.mean",
    "clinical.factors.sbp.intensify_probability",
    "clinical.factors.hba1c.intensify_probability",
    "regime.params.review_minutes.nurse",
    "regime.params.review_adherence_boost",
    "staffing.minutes_per_fte_day.nurse",
    "clinical.factors.sbp.drift_mean",
    "clinical.adherence.waning_days",
]
"""Registry paths the one-way and global analyses vary: attendance, response, inertia, review
length, the care-planning adherence effect, capacity, drift and waning adherence."""


def run_overrides() -> dict:
    return FULL_RUN if FULL else SMALL_RUN


def output(name: str) -> Path:
    folder = Path(__file__).resolve().parent / "output" / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
