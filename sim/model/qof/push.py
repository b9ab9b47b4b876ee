"""The year-end push: whom a practice chasing its QOF points invites in the last quarter.

In January a practice looks at where each indicator will stand on 31 March and
chases the patients who would move an indicator still below its upper threshold:
items missing or out of date, outcome values still above target (a re-measurement,
perhaps after a treatment change, may bring them under it), treatments not on the
record, flu vaccinations not given. It chases where the most money is at stake:
each patient is worth the pounds their missing indicators would earn, and the
practice invites the most valuable first, as many as it has room for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.qof.achievement import masks
from sim.model.qof.income import marginal_value

if TYPE_CHECKING:
    from sim.model.view import PracticeView


def at_stake(practice: PracticeView, on_day: int) -> tuple[np.ndarray, np.ndarray]:
    """Pounds at stake per patient ``[n]``, and the conditions to review for them ``[n, conditions]``."""
    ind, pop = practice.indicators, practice.pop
    all_masks = [masks(practice, i, on_day) for i in range(len(ind))]
    den = np.array([m.denominator.sum() for m in all_masks], dtype=float)
    num = np.array([m.recorded.sum() for m in all_masks], dtype=float)
    pct = np.divide(100.0 * num, den, out=np.zeros_like(den), where=den > 0)
    value_of = marginal_value(practice, den, pct, on_day)
    value = np.zeros(pop.size)
    cover = np.zeros_like(pop.has)
    for i in np.flatnonzero(value_of > 0):
        m = all_masks[i]
        need = m.denominator & ~m.recorded
        value[m.rows] += need * value_of[i]
        cover[m.rows, ind.condition[i]] |= need
    return value, cover


def most_valuable(value: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """Up to ``limit`` candidate patients with something at stake, most pounds first (ties by row)."""
    ids = np.flatnonzero(candidates & (value > 0))
    order = np.argsort(-value[ids], kind="stable")
    return np.sort(ids[order[:limit]])
