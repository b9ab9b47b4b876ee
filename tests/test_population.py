"""Synthetic population: registers match configured prevalence, multimorbidity rises
with age, frailty follows its configured shares, patient traits follow their spec."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import BASE
from sim.vocabulary import CONDITIONS, FRAILTY
from sim.config import load_scenario
from sim.model.population import condition_intercepts, generate
from sim.engine.streams import Streams

N = 200_000


@pytest.fixture(scope="module")
def spec():
    return load_scenario(BASE).scenario.population


@pytest.fixture(scope="module")
def pop(spec):
    rng = Streams(20140401, 0, 0)["population"]
    return generate(spec, N, rng, condition_intercepts(spec))


def _tolerance(p: float, n: int) -> float:
    """Four binomial standard errors plus 2% relative (the intercepts use a discretised age grid)."""
    return 4 * np.sqrt(p * (1 - p) / n) + 0.02 * p


@pytest.mark.parametrize("condition", CONDITIONS)
def test_register_prevalence_matches_config(spec, pop, condition):
    """Share on each register, of the whole list or of those old enough for it, is close to the configured prevalence."""
    k = CONDITIONS.index(condition)
    cond = spec.conditions[condition]
    of = pop.age >= cond.min_age if cond.prevalence_of == "eligible" else np.ones(N, dtype=bool)
    assert abs(pop.has[of, k].mean() - cond.prevalence) < _tolerance(cond.prevalence, of.sum())


def test_diabetes_prevalence_is_of_patients_aged_17_and_over(spec, pop):
    """QOF's 6.4% diabetes prevalence is of patients aged 17+: the whole list has fewer (children have none)."""
    k = CONDITIONS.index("diabetes")
    cond = spec.conditions["diabetes"]
    adults = pop.age >= 17
    assert cond.min_age == 17
    assert abs(pop.has[adults, k].mean() - cond.prevalence) < _tolerance(cond.prevalence, adults.sum())
    whole = pop.has[:, k].mean()
    assert abs(whole - cond.prevalence * adults.mean()) < _tolerance(cond.prevalence, N)
    assert whole < 0.85 * cond.prevalence


def test_prevalence_follows_a_changed_config(spec):
    """Doubling one register's prevalence doubles its share (the intercept is re-solved)."""
    doubled = spec.model_copy(
        update={"conditions": {**spec.conditions, "af": spec.conditions["af"].model_copy(update={"prevalence": 0.032})}}
    )
    pop = generate(doubled, N, Streams(1, 0, 0)["population"], condition_intercepts(doubled))
    k = CONDITIONS.index("af")
    assert abs(pop.has[:, k].mean() - 0.032) < _tolerance(0.032, N)


@pytest.mark.parametrize("condition", CONDITIONS)
def test_no_one_under_min_age_is_on_a_register(spec, pop, condition):
    """Registers only hold patients at or above the condition's minimum age."""
    k = CONDITIONS.index(condition)
    assert not (pop.has[:, k] & (pop.age < spec.conditions[condition].min_age)).any()


def test_multimorbidity_rises_with_age(spec, pop):
    """Share of patients with two or more conditions rises from each age band to the next (20+)."""
    multi = pop.n_conditions >= 2
    shares = []
    for band in spec.age_bands:
        inside = (pop.age >= band.lower) & (pop.age < band.upper)
        assert inside.sum() > 1000
        shares.append((band.lower, multi[inside].mean()))
    adult = [s for lower, s in shares if lower >= 20]
    assert all(b > a for a, b in zip(adult, adult[1:])), shares
    assert all(b >= a for (_, a), (_, b) in zip(shares, shares[1:])), shares
    assert adult[-1] > 10 * adult[0]


def _overdispersion(spec, sd: float) -> float:
    """Variance of the condition count over the sum of register variances, ages 70-79."""
    s = spec.model_copy(update={"multimorbidity_sd": sd})
    pop = generate(s, N, Streams(1, 0, 0)["population"], condition_intercepts(s))
    band = (pop.age >= 70) & (pop.age < 80)
    has = pop.has[band]
    p = has.mean(axis=0)
    return float(has.sum(axis=1).var() / (p * (1 - p)).sum())


def test_conditions_cluster_through_the_shared_latent_risk(spec):
    """With multimorbidity_sd > 0 conditions co-occur more than independently (within an age band); with 0 they do not."""
    assert _overdispersion(spec, 1.0) > 1.3
    assert abs(_overdispersion(spec, 0.0) - 1.0) < 0.1


def test_frailty_shares_among_older_patients_match_config(spec, pop):
    """Among patients aged frailty.min_age+, frailty categories follow the configured shares."""
    older = pop.age >= spec.frailty.min_age
    observed = np.bincount(pop.frailty[older], minlength=len(FRAILTY)) / older.sum()
    expected = np.array([spec.frailty.shares[f] for f in FRAILTY])
    np.testing.assert_allclose(observed, expected, atol=0.005)


def test_patients_under_frailty_min_age_are_fit(spec, pop):
    """Everyone younger than frailty.min_age is ``fit``."""
    young = pop.age < spec.frailty.min_age
    assert young.sum() > N / 2
    assert (pop.frailty[young] == FRAILTY.index("fit")).all()


def test_frailty_tracks_multimorbidity(spec, pop):
    """Among older patients, the severely frail have more conditions than the fit."""
    older = pop.age >= spec.frailty.min_age
    n = pop.n_conditions[older]
    f = pop.frailty[older]
    assert n[f == FRAILTY.index("severe")].mean() > n[f == FRAILTY.index("fit")].mean() + 1


def test_patient_traits_follow_spec(spec, pop):
    """Never-responders, informed dissent, attendance and sex shares match their parameters."""
    tol = lambda p: _tolerance(p, N)  # noqa: E731
    assert abs((pop.p_respond == 0).mean() - spec.response.never_share) < tol(spec.response.never_share)
    assert abs(pop.dissent.mean() - spec.informed_dissent_share) < tol(spec.informed_dissent_share)
    assert abs(pop.male.mean() - spec.male_share) < tol(spec.male_share)
    assert abs(pop.p_attend.mean() - spec.attendance.mean) < 0.005
    responders = pop.p_respond > 0
    assert abs(pop.p_respond[responders].mean() - spec.response.mean) < 0.005
    assert ((pop.p_attend > 0) & (pop.p_attend < 1)).all()
    assert pop.active.all()


def test_age_bands_follow_spec(spec, pop):
    """Ages fall in the configured bands with the configured shares."""
    for band in spec.age_bands:
        share = ((pop.age >= band.lower) & (pop.age < band.upper)).mean()
        assert abs(share - band.share) < _tolerance(band.share, N)
    assert pop.age.min() >= spec.age_bands[0].lower
    assert pop.age.max() < spec.age_bands[-1].upper


def test_same_stream_same_population(spec):
    """Generating twice from equally seeded streams gives the same patients."""
    a = generate(spec, 1000, Streams(5, 1, 3)["population"], condition_intercepts(spec))
    b = generate(spec, 1000, Streams(5, 1, 3)["population"], condition_intercepts(spec))
    c = generate(spec, 1000, Streams(5, 1, 4)["population"], condition_intercepts(spec))
    for name in ("age", "has", "frailty", "p_respond", "p_attend", "dissent"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.age, c.age)
