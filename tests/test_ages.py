"""Ages move with the clock: demand follows each patient's current age, and ages reported
at the end count every simulated year, warm-up included."""

from __future__ import annotations

import numpy as np

from conftest import QOF, small
from sim.config.clinical import EVENTS
from sim.engine.clock import DAYS_PER_YEAR
from sim.experiment.runner import simulate_federation
from sim.model.county import build_federation

FROZEN_LIST = {
    **{f"clinical.events.{e}.base_per_1000": 0 for e in EVENTS},
    "clinical.leave_rate": 0.0,
    "clinical.incidence_trend": {},
}


def test_acute_demand_follows_current_age():
    """Fifteen years on, each patient's consultation rate is set by the age band they are in now."""
    loaded = small(QOF, **{k.replace(".", "__"): v for k, v in FROZEN_LIST.items()})
    federation = build_federation(loaded, 0, 0)
    practice, group = federation.practices[0], federation.groups[0]
    spec, pop = loaded.scenario.demand, practice.pop
    day = 15 * DAYS_PER_YEAR
    group.health(day, loaded.scenario.clinical.step_days)
    assert pop.active.all()
    age_now = pop.age + day / DAYS_PER_YEAR
    band_rate = np.ones(pop.size)
    for band in spec.age_relative_rate:
        band_rate[(age_now >= band.lower) & (age_now < band.upper)] = band.rate
    per_band = practice.acute.rate / (1 + spec.per_condition_relative * pop.n_conditions) / band_rate
    np.testing.assert_allclose(per_band, per_band[0], rtol=1e-12)  # one scale for everyone: only the band differs
    crossed = (pop.age >= 55) & (pop.age < 60)  # 70-75 now: relative rate 1.4 against 1.0 at the start
    assert crossed.sum() > 20
    assert np.all(band_rate[crossed] == 1.4)


def test_acute_demand_rises_as_the_list_ages():
    """With no one leaving or dying, an ageing list consults more than at the start."""
    loaded = small(QOF, **{k.replace(".", "__"): v for k, v in FROZEN_LIST.items()})
    federation = build_federation(loaded, 0, 0)
    practice, group = federation.practices[0], federation.groups[0]
    start = practice.acute.mean_counts.sum()
    assert abs(practice.acute.rate.mean() - loaded.scenario.demand.consultations_per_person_year) < 1e-9
    group.health(10 * DAYS_PER_YEAR, loaded.scenario.clinical.step_days)
    assert practice.acute.mean_counts.sum() > 1.05 * start


def test_patient_age_at_the_end_counts_the_warm_up():
    """The patients table gives age at the end of the run: starting age plus warm-up plus measured years."""
    loaded = small(QOF, years=1, measures__warmup_years=2, practices__list_size_mean=800)
    fed = simulate_federation(loaded, 0, 0)
    pop, table = fed.practices[0].pop, fed.result.patients
    rows = table["patient"]
    assert (pop.pid[rows] == table["pid"]).all()
    expected = pop.age[rows] + fed.horizon / DAYS_PER_YEAR
    np.testing.assert_allclose(table["age"], np.round(expected, 1), atol=0.051)
