"""QOF money: what a practice is paid for its points (2014/15 rules; EVIDENCE.md Part 2 §3).

payment = points x £ per point x CPI x APDF, where the contractor population index
CPI = practice list / national average list and, for prevalence-adjusted
indicators, the adjusted prevalence factor APDF = practice register prevalence /
national prevalence of that register (``contract.national_prevalence``).

A practice that leaves QOF under the Somerset scheme keeps its QOF money ("the
amount of money available is the same"): its protected income is its QOF income in
the last year before it joined (:func:`sim.model.qof.achievement.pre_scheme_income`). A practice outside QOF
from the first day of the run has no such year in the model; it keeps the stated
equivalent ``contract.pre_scheme_achievement`` of the points available, paid with
its list and registers on that day (:func:`protected_income`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.clock import DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.model.view import PracticeView


def payment_factors(practice: PracticeView, day: int) -> np.ndarray:
    """Pounds per point of each indicator at ``day``: £ per point x CPI x APDF (or 1)."""
    contract, pop, ind = practice.scenario.contract, practice.pop, practice.indicators
    list_size = float(pop.active.sum())
    if list_size == 0:
        return np.zeros(len(ind))
    cpi = list_size / contract.national_list_size
    prevalence = register_prevalence(practice, day)
    national = np.array([contract.national_prevalence[c] for c in _conditions(ind)])
    apdf = prevalence[ind.condition] / national
    adjusted = np.array([s.prevalence_adjusted for s in ind.specs])
    return contract.pound_per_point * cpi * np.where(adjusted, apdf, 1.0)


def register_prevalence(practice: PracticeView, day: int) -> np.ndarray:
    """Each register's prevalence in the practice, on the basis the national figure uses
    (``population.conditions.*.prevalence_of``: the whole list, or patients old enough for it)."""
    pop = practice.pop
    active = pop.active
    register = (pop.has & active[:, None]).sum(axis=0)
    age = pop.age + day / DAYS_PER_YEAR
    base = []
    for spec in practice.scenario.population.conditions.values():
        eligible = spec.prevalence_of == "eligible"
        base.append(float((active & (age >= spec.min_age)).sum()) if eligible else float(active.sum()))
    return register / np.maximum(np.array(base), 1.0)


def _conditions(ind: object) -> list[str]:
    return [s.condition for s in ind.specs]  # type: ignore[attr-defined]


def protected_income(practice: PracticeView, day: int) -> np.ndarray:
    """Income per indicator a practice keeps when it leaves QOF at ``day``."""
    share = practice.scenario.contract.pre_scheme_achievement
    return share * practice.indicators.points * payment_factors(practice, day)


def marginal_value(practice: PracticeView, denominator: np.ndarray, achieved_pct: np.ndarray, day: int) -> np.ndarray:
    """Pounds one more patient in each indicator's numerator would earn (0 at or above the upper threshold).

    What a practice chasing its points weighs in the last quarter: points per
    percentage point between the thresholds, times 100 / denominator, times the
    pounds a point is worth to this practice.
    """
    factors = payment_factors(practice, day)
    value = np.zeros(len(denominator))
    for i, spec in enumerate(practice.indicators.specs):
        if denominator[i] == 0 or spec.kind == "register" or achieved_pct[i] >= spec.upper:
            continue
        width = max(spec.upper - spec.lower, 1.0)
        value[i] = spec.points / width * 100.0 / denominator[i] * factors[i]
    return value
