"""QOF indicator achievement, counted the way the 2014/15 contract counts it.

For each indicator and financial year: the indicator's population (register,
age, sex, sub-population); the numerator (item coded within the look-back window,
last coded value at or below target, on treatment by the record, vaccinated in the
flu season); then exceptions, *numerator first*: a patient who meets the indicator
counts even if an exception is coded or they are new. Exceptions are the codes
entered during the year (register level A, B, G; indicator level D to I and flu
declined) and criterion C, patients diagnosed or registered within 3 months
(measurements) or 9 months (clinical standards) of the year end. Points scale
linearly between the thresholds; registers earn their points for being kept. The
same count on *delivered* care shows what the record misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.clock import DAYS_PER_YEAR, NEVER, financial_year, months
from sim.model.qof.exceptions import GROUP, GROUPS, Reason
from sim.model.qof.income import payment_factors
from sim.model.qof.indicators import OUTCOME, PROCESS, REGISTER, TREATMENT

if TYPE_CHECKING:
    from sim.config.contract import IndicatorSpec
    from sim.model.view import PracticeView

KIND_NAMES = {REGISTER: "register", PROCESS: "process", OUTCOME: "outcome", TREATMENT: "treatment"}

_GROUP_OF = np.array([GROUPS.index(GROUP[r]) if r in GROUP else len(GROUPS) for r in Reason])
"""Index in :data:`GROUPS` of each exception reason's group (past the end for reasons in none)."""


def points(achievement_pct: float, spec: IndicatorSpec) -> float:
    """Points earned for an achievement (percent) between the payment thresholds."""
    if spec.upper == spec.lower:
        return spec.points * float(achievement_pct >= spec.upper)
    share = (achievement_pct - spec.lower) / (spec.upper - spec.lower)
    return spec.points * float(np.clip(share, 0.0, 1.0))


@dataclass
class Masks:
    """One indicator's counts on one day, per patient of its population (``rows``, the eligible)."""

    rows: np.ndarray
    """The indicator's population: rows (of the practice, or group) of the eligible patients."""
    recorded: np.ndarray
    """Meets the indicator on the record (numerator, before exceptions)."""
    delivered: np.ndarray
    excepted: np.ndarray
    """Exception-reported and not in the numerator."""
    new: np.ndarray
    """Criterion C, not in the numerator and not otherwise excepted."""
    reason: np.ndarray

    @property
    def denominator(self) -> np.ndarray:
        return ~self.excepted & ~self.new


def window_start(practice: PracticeView, i: int, on_day: int, rows: np.ndarray) -> np.ndarray | int:
    """First day a coded item counts for indicator ``i`` at ``on_day`` (per patient of ``rows`` for ``since_diagnosis``)."""
    spec = practice.indicators.specs[i]
    if spec.window == "flu_season":
        return practice.qof_care.season_opened(on_day)
    if spec.window == "since_diagnosis":
        diagnosed = practice.care.diagnosed[rows, practice.indicators.condition[i]]
        return np.where(diagnosed == NEVER, NEVER, diagnosed - months(spec.diagnosis_lead_months))
    if spec.window == "none" or spec.window_months is None:
        return NEVER
    return on_day - int(practice.indicators.window_days[i])


def masks(practice: PracticeView, i: int, on_day: int) -> Masks:
    """Who is in indicator ``i``'s population, numerators and exceptions at ``on_day``.

    Everything after eligibility is read for the eligible rows only: a register is a
    small share of the list, and a year end counts every indicator of every practice."""
    care, ind, qc = practice.care, practice.indicators, practice.qof_care
    spec, k, kind = ind.specs[i], ind.condition[i], ind.kind[i]
    fy = financial_year(on_day)
    rows = np.flatnonzero(qc.eligible(i, on_day))
    if spec.new_in_year:
        rows = rows[financial_year_of(care.diagnosed[rows, k]) == fy]
    since = window_start(practice, i, on_day, rows)
    if kind == REGISTER:
        recorded = np.ones(len(rows), dtype=bool)
        delivered = recorded.copy()
    elif kind == TREATMENT:
        recorded, delivered = qc.treated(i, recorded=True, rows=rows), qc.treated(i, recorded=False, rows=rows)
    elif spec.flu:
        recorded, delivered = qc.vaccine_recorded[rows] >= since, qc.vaccinated[rows] >= since
    else:
        recorded = care.last_recorded[rows, i] >= since
        j = ind.factor[i]
        if j >= 0:
            recorded &= care.recorded_value[rows, i] <= spec.target
            delivered = (care.measured_day[rows, j] >= since) & (care.measured_value[rows, j] <= spec.target)
        else:
            delivered = care.item_delivered[rows, i] >= since
    if spec.window == "since_diagnosis":  # "never" must not count as done before a diagnosis dated "never"
        recorded &= care.last_recorded[rows, i] > NEVER
        delivered &= care.item_delivered[rows, i] > NEVER
    ind_coded = care.ind_excepted_fy[rows, i] == fy
    reg_coded = care.excepted_fy[rows, k] == fy
    reason = np.where(ind_coded, care.ind_excepted_reason[rows, i], np.where(reg_coded, care.excepted_reason[rows, k], 0))
    excepted = (ind_coded | reg_coded) & ~recorded
    rules = practice.scenario.contract.new_patients
    c_months = rules.measurement_months if kind == PROCESS else rules.standard_months
    joined = np.maximum(care.diagnosed[rows, k], care.registered[rows])
    new = (joined > on_day - months(c_months)) & ~recorded & ~excepted
    if kind == REGISTER:
        new[:] = False
    return Masks(rows, recorded, delivered, excepted, new, reason)


def financial_year_of(days: np.ndarray) -> np.ndarray:
    return np.where(days == NEVER, -1, np.floor_divide(days, DAYS_PER_YEAR))


def achievement(practice: PracticeView, on_day: int) -> list[dict[str, float | str]]:
    """Indicator rows: counts, achievement (percent) and points, recorded and delivered, and income."""
    factors = payment_factors(practice, on_day)
    protected = practice.qof_care.protected
    rows = []
    for i, spec in enumerate(practice.indicators.specs):
        m = masks(practice, i, on_day)
        den = m.denominator
        row: dict[str, float | str] = {
            "indicator": spec.id,
            "condition": spec.condition,
            "kind": KIND_NAMES[int(practice.indicators.kind[i])],
            "register": float((practice.pop.has[:, practice.indicators.condition[i]] & practice.pop.active).sum()),
            "eligible": float(len(m.rows)),
            "exceptions": float(m.excepted.sum()),
            "excluded_new": float(m.new.sum()),
            "denominator": float(den.sum()),
            "numerator_recorded": float(m.recorded.sum()),
            "numerator_delivered": float((m.delivered & den).sum()),
        }
        by_group = np.bincount(_GROUP_OF[m.reason[m.excepted]], minlength=len(GROUPS) + 1)
        for g, group in enumerate(GROUPS):
            row[f"exceptions_{group}"] = float(by_group[g])
        row["exceptions_logistical"] = float(row["exceptions_logistical"]) + float(m.new.sum())
        for basis in ("recorded", "delivered"):
            d = float(row["denominator"])
            pct = 100.0 * float(row[f"numerator_{basis}"]) / d if d else float("nan")
            row[f"achievement_{basis}"] = pct
            row[f"points_{basis}"] = points(pct, spec) if d else 0.0
        row["points_available"] = spec.points
        earned = float(row["points_recorded"]) * factors[i]
        row["income_gbp"] = earned if protected is None else float(protected[i])
        row["income_on_achievement_gbp"] = earned
        rows.append(row)
    return rows


def pre_scheme_income(practice: PracticeView, day: int) -> np.ndarray:
    """Income per indicator the practice earned in the financial year before ``day`` (its last QOF year)."""
    return np.array([float(row["income_on_achievement_gbp"]) for row in achievement(practice, day - 1)])


EXCEPTION_REASONS = {r.name: r for r in Reason if r not in (Reason.NONE, Reason.C)}
