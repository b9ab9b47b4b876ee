"""The compiled kernels against the NumPy formulas they replaced.

:mod:`sim.model.clinical.compiled` does in one pass what the health step did in a dozen
array passes; the snapshot tallies of :mod:`sim.measures.snapshots` count monitoring gaps in one
pass. Here the array formulas are written out again, as a reader would check them against the
docstrings, and both are run on random patients, including the edges (ages either side of
a register's minimum, every register held, none held, incidence of 0 and of 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from sim.engine import hashing
from sim.engine.clock import DAYS_PER_MONTH, NEVER
from sim.engine.streams import Streams
from sim.model.clinical import compiled
from sim.measures.snapshots import GAP_MONTHS, _register_tallies

N, K = 2_000, 6


def _patients(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "ids": np.sort(rng.choice(N + 50, N, replace=False)),
        "age": rng.uniform(0, 100, N),
        "latent": rng.standard_normal(N + 50),
        "intercepts": rng.normal(-3, 2, (N + 50, K)),
        "has": rng.random((N + 50, K)) < 0.3,
        "end": np.where(rng.random(N) < 0.1, rng.random(N), np.inf),
    }


def _incidence_in_numpy(p: dict, columns, slope, min_age, trend, years, u):
    """The step's new diagnoses as the array code computed them (``u`` is ``random((n, K))``)."""
    ids, age = p["ids"], p["age"][:, None]
    logit = p["intercepts"][np.ix_(ids, columns)] + 0.8 * p["latent"][ids, None]
    before = special.expit(logit + slope * (age - 50) / 10) * (age >= min_age)
    after = special.expit(logit + slope * (age + years - 50) / 10) * (age + years >= min_age)
    prob = np.clip((after - before + trend * years * after) / np.maximum(1 - before, 1e-9), 0, 1)
    draws = u[:, columns]
    hit = (draws < prob) & ~p["has"][np.ix_(ids, columns)]
    with np.errstate(divide="ignore", invalid="ignore"):
        when = np.log1p(-draws) / np.log1p(-prob)
    return hit & (when <= p["end"][:, None])


@pytest.mark.parametrize("seed", range(4))
def test_new_diagnoses_are_the_array_formula(seed):
    p = _patients(seed)
    rng = np.random.default_rng(100 + seed)
    columns = np.array([0, 2, 3, 5])
    slope = rng.uniform(0, 3, 4)
    min_age = np.array([0.0, 17.0, 40.0, 99.0])
    trend = np.array([0.0, 0.01, 0.05, 0.0])
    years = 91 / 365.25
    if seed == 3:  # extremes: certain incidence in one register, none in another
        p["intercepts"][:, 0], p["intercepts"][:, 2] = 40.0, -40.0
        trend[0] = 50.0
    draws = Streams(seed, 0, 0).for_people("incidence", p["ids"].astype(np.int64), 91)
    people, slots = draws.words(K)
    u = np.array([[hashing.uniform(b, s) for s in slots] for b in people])
    got = compiled.new_diagnoses(
        p["ids"], p["age"], p["latent"], p["intercepts"], p["has"], p["end"], columns, 0.8, slope, min_age, trend, years, people, slots
    )
    want = _incidence_in_numpy(p, columns, slope, min_age, trend, years, u)
    np.testing.assert_array_equal(got, want)
    assert want.any() and not want.all()
    assert not (got & p["has"][np.ix_(p["ids"], columns)]).any(), "no one is diagnosed with a register they hold"


@pytest.mark.parametrize("seed", range(3))
def test_hazards_are_the_array_formula(seed):
    p = _patients(seed)
    rng = np.random.default_rng(200 + seed)
    e, f = 5, 3
    ids, has = p["ids"], p["has"]
    age, male, overdue = p["age"], rng.random(N + 50) < 0.5, rng.random(N) < 0.2
    levels = np.where(rng.random((N, f)) < 0.2, np.nan, rng.normal(5, 2, (N, f)))
    reference, unit = np.array([4.0, 5.0, 6.0]), np.array([1.0, 10.0, 1.0])
    coefficients = rng.normal(0, 0.3, (3 + f + K, e))
    base = rng.uniform(0.001, 0.05, e)
    tendency = rng.gamma(2.0, 0.5, (N + 50, e))
    partial = (np.array([1, 4]), np.array([0, 2]), np.array([0.3, 0.6]), np.log([1.2, 0.9]))
    review_effect = np.array([0.0, 0.1, 0.2, 0.0, 0.5])
    adherence = rng.uniform(0, 1, N)
    eligible = rng.random((K, e)) < 0.3
    any_eligible = np.array([True, False, False, True, False])

    z = (levels - reference) / unit
    z[np.isnan(z)] = 0.0
    covariates = np.column_stack([(age - 65.0) / 10.0, ~male[ids], overdue, z, has[ids]]).astype(float)
    want = base * np.exp(covariates @ coefficients) * tendency[ids]
    for j, factor, share, log_hr in zip(*partial):
        want[:, j] *= 1.0 - share + share * np.exp(log_hr * z[:, factor])
    want *= 1.0 - review_effect * adherence[:, None]
    want *= any_eligible | (has[ids].astype(float) @ eligible > 0)

    got = compiled.hazards(
        ids, age, male, overdue, levels, reference, unit, has, tendency, adherence, coefficients, base, *partial,
        review_effect, eligible, any_eligible,
    )
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)  # the same bits here; BLAS products may differ in the last place elsewhere
    assert (got == 0).any() and (got > 0).any()


def test_accrual_adds_each_patients_exposure_to_their_own_row():
    exposure = np.arange(12.0).reshape(6, 2)
    compiled.accrue(exposure, np.array([1, 4]), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, 2.0]))
    np.testing.assert_array_equal(exposure, [[0, 1], [2.5, 4], [4, 5], [6, 7], [14, 17], [10, 11]])


def _fates_in_numpy(exposure, case_fatality, death, leave_hazard, u_events, u_fatal, u_moves):
    """Events, deaths and moves of a step as the array code computed them, from the same uniforms."""
    first = -np.log(u_events)
    with np.errstate(divide="ignore", invalid="ignore"):
        when = np.where(first < exposure, first / exposure, np.inf)
        leave = -np.log(u_moves)
        leave_at = np.where(leave < leave_hazard, leave / leave_hazard, np.inf)
    fatal = np.isfinite(when).any(axis=1)[:, None] & (u_fatal < case_fatality)
    death_at = np.minimum(when[:, death], np.where(fatal, when, np.inf).min(axis=1))
    end = np.minimum(death_at, leave_at)
    happened = np.isfinite(when) & (when <= end[:, None])
    return happened, fatal & happened, np.isfinite(death_at) & (death_at <= leave_at), leave_at < death_at, end


@pytest.mark.parametrize("leave_hazard", [0.0, 0.02, np.inf])
def test_fates_are_the_array_formula(leave_hazard):
    rng = np.random.default_rng(7)
    n, e = 3_000, 5
    exposure = np.where(rng.random((n + 10, e)) < 0.2, 0.0, rng.gamma(0.5, 0.05, (n + 10, e)))
    exposure[:50] = 30.0  # some certain events
    ids = np.sort(rng.choice(n + 10, n, replace=False))
    case_fatality = np.array([1.0, 0.0, 0.3, 0.1, 0.0])  # event 0 is death itself
    pids = ids.astype(np.int64)
    draws = {name: Streams(5, 0, 0).for_people(name, pids, 91) for name in ("events", "fatality", "moves")}
    words = {name: d.words(1 if name == "moves" else e) for name, d in draws.items()}
    u = {name: np.array([[hashing.uniform(b, s) for s in slots] for b in people]) for name, (people, slots) in words.items()}

    got = compiled.fates(exposure, ids, case_fatality, 0, leave_hazard, words["events"], words["fatality"], words["moves"])
    want = _fates_in_numpy(exposure[ids], case_fatality, 0, leave_hazard, u["events"], u["fatality"], u["moves"][:, 0])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    happened, fatal, dies, leaves, end = got
    assert not (dies & leaves).any(), "a patient dies or leaves, not both"
    if leave_hazard == np.inf:  # everyone moves away at the start of the step, before anything happens
        assert leaves.all() and not happened.any() and (end == 0).all()
        return
    assert fatal.any() and dies.any() and (happened & ~fatal).any()
    assert leaves.any() == (leave_hazard > 0)


def test_register_tallies_are_the_array_counts():
    """The snapshot's one-pass tallies equal the per-register array counts they replaced."""
    rng = np.random.default_rng(3)
    n, k, day = 4_000, 12, 2_000
    has, active = rng.random((n, k)) < 0.2, rng.random(n) < 0.95
    last = np.where(rng.random((n, k)) < 0.2, NEVER, rng.integers(0, day, (n, k))).astype(np.int32)
    diagnosed = np.where(rng.random((n, k)) < 0.5, NEVER, rng.integers(-3000, day, (n, k))).astype(np.int32)
    registered = rng.integers(-5000, day, n).astype(np.int32)
    planned = rng.integers(0, 3000, (n, k)).astype(np.int32)
    months = np.array([12, 15, 24, 36])

    tally, hist = _register_tallies(has, active, last, diagnosed, registered, planned, day, months * DAYS_PER_MONTH, 3 * DAYS_PER_MONTH)
    since = day - np.where(last == NEVER, np.maximum(diagnosed, registered[:, None]), last)
    for c in range(k):
        members = has[:, c] & active
        gap = since[members, c]
        assert tally[c, 0] == members.sum()
        np.testing.assert_array_equal(tally[c, 1:5], [(gap > m * DAYS_PER_MONTH).sum() for m in months])
        assert tally[c, 5] == (day - planned[members, c] > 3 * DAYS_PER_MONTH).sum()
        assert tally[c, 6] == (last[members, c] == NEVER).sum()
        assert tally[c, 7] / tally[c, 0] == np.mean(np.minimum(gap, 3650))
        months_since = np.minimum((gap / DAYS_PER_MONTH).astype(np.int64), GAP_MONTHS - 1)
        np.testing.assert_array_equal(hist[c], np.bincount(months_since, minlength=GAP_MONTHS))


def test_an_event_ruled_out_without_its_logarithm_is_one_the_logarithm_rules_out():
    """Draws either side of the shortcut's bound give the answer ``-log(u)`` gives, to the bit."""
    for hazard in (0.0, 1e-12, 1e-6, 0.003, 0.2, 0.999999999, 1.0, 5.0, np.inf):
        bound = 1.0 - hazard - 1e-9
        for u in (1e-300, 0.5, bound - 1e-15, bound, bound + 1e-15, np.nextafter(1.0, 0), 1.0 - 1e-12):
            if not 0.0 < u < 1.0:
                continue
            first = -np.log(u)
            want = first / hazard if first < hazard else np.inf
            assert compiled._happens_at(u, hazard) == want, (hazard, u)
