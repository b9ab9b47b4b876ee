"""What a review codes: each indicator item of the covered conditions, with the regime's probability.

An outcome indicator's item is its risk-factor measurement: it can be coded only
if that factor was measured, and it codes the measured value. Indicators that
share a code (one blood-pressure reading serves every BP indicator) share one draw.
Items no indicator pays for (points 0, e.g. indicators retired in April 2014) are
coded with the regime's unincentivised probabilities. Treatment and vaccination
indicators are not coded here: prescriptions and vaccinations are recorded as care
(:mod:`sim.model.qof.care`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.clock import NEVER

if TYPE_CHECKING:
    from sim.model.policies.base import Policy
    from sim.model.view import PracticeView


def code_items(
    practice: PracticeView, policy: Policy, ids: np.ndarray, cover: np.ndarray, day: int, roles: np.ndarray,
    measured: np.ndarray, values: np.ndarray,
) -> np.ndarray:
    """Code items at reviews of ``ids``; returns which indicators were coded ``[n, indicators]``."""
    ind, care, qof_care = practice.indicators, practice.care, practice.qof_care
    p = np.where(cover[:, ind.condition] & ind.coded_at_review, policy.recording(roles, ind), 0.0)
    restricted = ind.restricted_coded_ids
    p[:, restricted] *= qof_care.member.take(ids, 0)[:, restricted]
    since = ind.since_diagnosis_ids
    if len(since):
        diagnosed = care.diagnosed.take(ids, 0)[:, ind.since_diagnosis_condition]
        within = (diagnosed != NEVER) & (day <= diagnosed + ind.window_days[since])
        p[:, since] *= within
    done = p > 0
    done[:, ind.outcome_ids] &= measured[:, ind.outcome_factor]  # an outcome's item is its factor's measurement
    process = ind.process_coded_ids
    pids, visits = practice.pop.pid[ids], care.visits[ids]  # draws at the patient's n-th review
    delivery = practice.streams.for_people("item_delivery", pids, visits).random((len(ids), ind.n_groups))
    done[:, process] &= delivery[:, ind.group[process]] < qof_care.completeness[process]
    rows, cols = done.nonzero()
    care.item_delivered[ids[rows], cols] = day
    draw = practice.streams.for_people("recording", pids, visits).random((len(ids), ind.n_groups))
    coded = done & (draw[:, ind.group] < p)
    rows, cols = coded.nonzero()
    who = ids[rows]
    care.last_recorded[who, cols] = day
    factor_of = ind.factor[cols]
    has_value = factor_of >= 0
    care.recorded_value[who[has_value], cols[has_value]] = values[rows[has_value], factor_of[has_value]]
    return coded


def seed_items(practice: PracticeView, rows: np.ndarray) -> None:
    """History before the run: each process item was done (and coded) at the last review with
    the same completeness, so the record starts with the gaps reviews leave."""
    ind, care = practice.indicators, practice.care
    care.item_delivered[rows] = care.last_recorded[rows]
    process = np.flatnonzero(~ind.outcome & ind.coded_at_review)
    draw = practice.streams["history_items"].random((len(rows), ind.n_groups))[:, ind.group[process]]
    missed = draw >= practice.qof_care.completeness[process]
    sub = np.ix_(rows, process)
    care.item_delivered[sub] = np.where(missed, NEVER, care.item_delivered[sub])
    care.last_recorded[sub] = np.where(missed, NEVER, care.last_recorded[sub])
