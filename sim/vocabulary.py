"""Long-term-condition registers and clinical roles: the fixed vocabulary of the model."""

from __future__ import annotations

from typing import Literal

CONDITIONS: tuple[str, ...] = (
    "hypertension",
    "diabetes",
    "chd",
    "stroke",
    "copd",
    "asthma",
    "ckd",
    "heart_failure",
    "af",
    "smi",
)
"""QOF registers modelled; order fixes column positions in patient arrays."""

Condition = Literal[
    "hypertension", "diabetes", "chd", "stroke", "copd", "asthma", "ckd", "heart_failure", "af", "smi"
]

PRACTICE_ROLES: tuple[str, ...] = ("gp", "nurse", "hca")
"""Roles every practice employs; federations may add shared roles by name."""

PracticeRole = Literal["gp", "nurse", "hca"]

FRAILTY: tuple[str, ...] = ("fit", "mild", "moderate", "severe")
"""Electronic-frailty-index style categories (applied from ``frailty.min_age``)."""

ITEMS: tuple[str, ...] = ("lab", "measurement", "review", "advice", "care_plan")
"""Kinds of indicator item, which differ in how reliably they are recorded (Minchin 2018)."""

Item = Literal["lab", "measurement", "review", "advice", "care_plan"]

COND_INDEX: dict[str, int] = {c: i for i, c in enumerate(CONDITIONS)}
