"""The health step's per-patient arithmetic, compiled (Numba).

Every quarter each registered patient's new diagnoses are drawn from the prevalence
curve: two logistic evaluations, a probability and a uniform per register. In NumPy
that is a dozen passes over ``[patients, registers]`` arrays, each with its
temporary; here it is one pass, each patient's numbers in registers. The formulas
and their order of operations are those of the NumPy they replace (documented in
:mod:`sim.model.clinical.health`), and the uniforms are the same bits as
:meth:`~sim.engine.streams.PersonDraws.random`'s, so results do not change.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.engine.hashing import uniform


@numba.njit(cache=True, inline="always")
def _expit(x: float) -> float:  # pragma: no cover - compiled
    return 1.0 / (1.0 + math.exp(-x))  # as scipy.special.expit


@numba.njit(cache=True, inline="always")
def _incidence_bound(slope: float, trend: float, years: float, before: float) -> float:  # pragma: no cover - compiled
    """An upper bound of the step's incidence for a patient over the register's minimum age all step.

    The logistic's slope is at most 1/4, so ``after - before <= |slope| * years / 10 / 4``; and
    ``trend * years * after <= max(trend, 0) * years``. Most draws are above the bound, and the
    second logistic is then not needed; ``1e-10`` is far above the rounding of either side, so a
    draw ruled out here is one the exact incidence rules out.
    """
    return (abs(slope) * years / 40.0 + max(trend, 0.0) * years + 1e-10) / max(1.0 - before, 1e-9)


@numba.njit(cache=True, error_model="numpy")
def new_diagnoses(
    ids: np.ndarray, age: np.ndarray, latent: np.ndarray, intercepts: np.ndarray, has: np.ndarray, end: np.ndarray,
    columns: np.ndarray, sd: float, slope: np.ndarray, min_age: np.ndarray, trend: np.ndarray, years: float,
    people: np.ndarray, slots: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Which of patients ``ids`` are diagnosed with each register of ``columns`` in the step.

    ``age`` is each patient's age at the start of the step (by position in ``ids``); ``latent``,
    ``intercepts`` and ``has`` are rows of the whole block; ``slope``, ``min_age`` and ``trend``
    follow ``columns``. A patient not yet on a register joins it when the uniform of
    ``(people[i], slots[register])`` falls below the step's incidence, and the time in the
    step it implies comes no later than their death or move (``end``, a share of the step).
    Returns ``[patients, columns]``.
    """
    n, c = ids.shape[0], columns.shape[0]
    out = np.zeros((n, c), dtype=np.bool_)
    for i in range(n):
        r = ids[i]
        start = age[i]
        later = start + years
        risk = sd * latent[r]
        for j in range(c):
            k = columns[j]
            if has[r, k]:
                continue
            if later < min_age[j]:
                continue  # too young for the register all step: no chance
            logit = intercepts[r, k] + risk
            u = uniform(people[i], slots[k])
            before = 0.0
            if start >= min_age[j]:
                before = _expit(logit + slope[j] * (start - 50.0) / 10.0)
                if u >= _incidence_bound(slope[j], trend[j], years, before):
                    continue
            after = _expit(logit + slope[j] * (later - 50.0) / 10.0)
            p = (after - before + trend[j] * years * after) / max(1.0 - before, 1e-9)
            p = min(max(p, 0.0), 1.0)
            if u < p and math.log1p(-u) / math.log1p(-p) <= end[i]:  # share of the step, as for events
                out[i, j] = True
    return out


@numba.njit(cache=True, fastmath={"contract"})
def _linear(covariates: np.ndarray, coefficients: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """``out[:] = covariates @ coefficients``: each event's multiply-adds fused in covariate order, as
    OpenBLAS's matrix product does (zero covariates skipped: they add exactly nothing). Only this
    function may fuse them."""
    out[:] = 0.0
    for c in range(covariates.shape[0]):
        x = covariates[c]
        if x != 0.0:
            for j in range(out.shape[0]):
                out[j] += x * coefficients[c, j]


@numba.njit(cache=True)
def hazards(
    ids: np.ndarray, age: np.ndarray, male: np.ndarray, overdue: np.ndarray, levels: np.ndarray, reference: np.ndarray,
    unit: np.ndarray, has: np.ndarray, tendency: np.ndarray, adherence: np.ndarray, coefficients: np.ndarray, base: np.ndarray,
    partial_event: np.ndarray, partial_factor: np.ndarray, partial_share: np.ndarray, partial_log_hr: np.ndarray,
    review_effect: np.ndarray, eligible: np.ndarray, any_eligible: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Hazards ``[patients, events]`` of patients ``ids`` (the formula of :mod:`sim.model.clinical.health`).

    Covariates, in the order of ``coefficients``' rows: ``(age - 65) / 10``, female, overdue, each
    factor's ``(level - reference) / unit`` (0 where the factor is absent, NaN), each register held.
    Then ``base * exp(linear) * tendency``; ratios that act on a share of an event's hazard only;
    reviews' protection ``1 - review_effect * adherence``; zero for events a patient is not at risk
    of (no register of theirs is eligible). ``male``, ``has`` and ``tendency`` are rows of the block;
    ``age``, ``overdue``, ``levels`` and ``adherence`` follow ``ids``.
    """
    n, e = ids.shape[0], base.shape[0]
    f, k = levels.shape[1], has.shape[1]
    out = np.empty((n, e))
    covariates = np.zeros(3 + f + k)
    at_risk = np.empty(e, dtype=np.bool_)
    linear = np.empty(e)
    for i in range(n):
        r = ids[i]
        covariates[0] = (age[i] - 65.0) / 10.0
        covariates[1] = 0.0 if male[r] else 1.0
        covariates[2] = 1.0 if overdue[i] else 0.0
        for q in range(f):
            z = (levels[i, q] - reference[q]) / unit[q]
            covariates[3 + q] = 0.0 if np.isnan(z) else z
        at_risk[:] = any_eligible
        for c in range(k):
            held = has[r, c]
            covariates[3 + f + c] = 1.0 if held else 0.0
            if held:
                for j in range(e):
                    at_risk[j] = at_risk[j] or eligible[c, j]
        _linear(covariates, coefficients, linear)
        for j in range(e):
            out[i, j] = base[j] * math.exp(linear[j]) * tendency[r, j]
        for q in range(partial_event.shape[0]):
            j = partial_event[q]
            share = partial_share[q]
            out[i, j] *= 1.0 - share + share * math.exp(partial_log_hr[q] * covariates[3 + partial_factor[q]])
        for j in range(e):
            h = out[i, j] * (1.0 - review_effect[j] * adherence[i])
            out[i, j] = h if at_risk[j] else h * 0.0
    return out


@numba.njit(cache=True)
def accrue(exposure: np.ndarray, ids: np.ndarray, rates: np.ndarray, years: np.ndarray) -> None:  # pragma: no cover - compiled
    """Add ``rates * years`` (per patient of ``ids``) to their rows of ``exposure``, in place."""
    for i in range(ids.shape[0]):
        r = ids[i]
        for j in range(rates.shape[1]):
            exposure[r, j] = exposure[r, j] + rates[i, j] * years[i]


@numba.njit(cache=True, inline="always", error_model="numpy")
def _happens_at(u: float, hazard: float) -> float:  # pragma: no cover - compiled
    """When, as a share of the step, an event of cumulative ``hazard`` over it happens, from its uniform
    ``u`` (inf if not in the step): its exponential draw ``-log(u)`` over the hazard.

    Most hazards are small and most draws miss, so a draw is ruled out without the logarithm when
    ``u < 1 - hazard - 1e-9``: then ``-log(u) >= 1 - u > hazard + 1e-9``, a margin far above the
    logarithm's rounding, so the answer is exactly the one the logarithm gives.
    """
    if u < 1.0 - hazard - 1e-9:
        return np.inf
    first = -math.log(u)
    return first / hazard if first < hazard else np.inf


@numba.njit(cache=True, error_model="numpy")
def fates(
    exposure: np.ndarray, ids: np.ndarray, case_fatality: np.ndarray, death: int, leave_hazard: float,
    events: tuple[np.ndarray, np.ndarray], fatality: tuple[np.ndarray, np.ndarray], moves: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """When in the step each event, death and move of patients ``ids`` happens, and what comes first.

    An event happens at ``E / exposure`` (a share of the step) when its exponential draw ``E``
    is below the step's cumulative hazard (rows of ``exposure``, the block's); a patient with
    any event draws whether each is fatal (below ``case_fatality``); a move happens at
    ``E / leave_hazard`` likewise. ``events``, ``fatality`` and ``moves`` are each stream's
    ``(people's words, slot words)``. Returns ``(happened, fatal and happened, dies, leaves,
    end)``: an event happened if it came no later than the patient's death or move, which
    ends the step for them at ``end`` (inf if neither).
    """
    n, e = ids.shape[0], exposure.shape[1]
    happened = np.zeros((n, e), dtype=np.bool_)
    fatal_happened = np.zeros((n, e), dtype=np.bool_)
    dies = np.zeros(n, dtype=np.bool_)
    leaves = np.zeros(n, dtype=np.bool_)
    end = np.empty(n)
    when = np.empty(e)
    fatal = np.zeros(e, dtype=np.bool_)
    for i in range(n):
        r = ids[i]
        some = False
        for j in range(e):
            when[j] = _happens_at(uniform(events[0][i], events[1][j]), exposure[r, j])
            some = some or when[j] < np.inf
        death_at = when[death]
        for j in range(e):
            fatal[j] = some and uniform(fatality[0][i], fatality[1][j]) < case_fatality[j]
            if fatal[j] and when[j] < death_at:
                death_at = when[j]
        leave_at = _happens_at(uniform(moves[0][i], moves[1][0]), leave_hazard)
        stop = min(death_at, leave_at)
        for j in range(e):
            happened[i, j] = when[j] < np.inf and when[j] <= stop
            fatal_happened[i, j] = fatal[j] and happened[i, j]
        dies[i] = death_at < np.inf and death_at <= leave_at
        leaves[i] = leave_at < death_at
        end[i] = stop
    return happened, fatal_happened, dies, leaves, end
