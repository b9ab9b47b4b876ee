"""Clinical layer: direction of effects, dead patients stay dead, hazards reproduce published RRs."""

from __future__ import annotations

import numpy as np
import pytest

import sim.model.clinical.health as health
from sim.vocabulary import CONDITIONS, PRACTICE_ROLES
from sim.config import load_scenario
from sim.config.clinical import EVENTS, FACTORS
from sim.model.county import build_federation
from sim.model.group import PracticeGroup
from sim.model.practice import Practice
from sim.experiment.runner import run_scenario
from sim.measures.summary import headline

from conftest import QOF

MEDIUM = {"years": 5, "practices.list_size_mean": 6000}
NO_LTC_STAFF = {
    "staffing.fte_per_1000.nurse": 0,
    "staffing.fte_per_1000.hca": 0,
    "regime.params.review_role": {c: "nurse" for c in CONDITIONS},
    "regime.params.opportunistic_probability": 0,
}


def _means(overrides: dict) -> dict[str, float]:
    result = run_scenario(load_scenario(QOF, {**MEDIUM, **overrides}), (0, 1), workers=1, progress=False)
    return headline(result.tables).mean(numeric_only=True).to_dict()


@pytest.fixture(scope="module")
def qof() -> dict[str, float]:
    return _means({})


def test_no_reviews_worsens_control_and_raises_events(qof):
    """With no long-term-condition reviews at all, control worsens and admissions and deaths rise."""
    none = _means(NO_LTC_STAFF)
    assert none["reviews_delivered_per_1000_register"] == 0
    assert none["bp_controlled_true_pct"] < qof["bp_controlled_true_pct"] - 5
    assert none["hba1c_controlled_true_pct"] < qof["hba1c_controlled_true_pct"]
    assert none["emergency_admissions_per_1000"] > qof["emergency_admissions_per_1000"]
    events = ["mi_per_1000", "stroke_per_1000", "hf_admission_per_1000", "acsc_admissions_per_1000"]
    assert sum(none[e] for e in events) > sum(qof[e] for e in events)


def test_perfect_monitoring_without_inertia_improves_control(qof):
    """Quarterly reviews that always intensify poor control, with room to treat, beat QOF-era control."""
    perfect = _means(
        {
            "regime.params.recall_interval_months": 3,
            "staffing.minutes_per_fte_day.gp": 10_000,
            "staffing.minutes_per_fte_day.nurse": 10_000,
            "staffing.minutes_per_fte_day.hca": 10_000,
            "population.attendance.mean": 0.999,
            "population.response.never_share": 0.0,
            "clinical.factors.sbp.intensify_probability": 1.0,
            "clinical.factors.hba1c.intensify_probability": 1.0,
            "clinical.factors.chol.intensify_probability": 1.0,
            "clinical.factors.sbp.max_steps": 8,
            "clinical.factors.hba1c.max_steps": 8,
        }
    )
    assert perfect["bp_controlled_true_pct"] > qof["bp_controlled_true_pct"] + 10
    assert perfect["hba1c_controlled_true_pct"] > qof["hba1c_controlled_true_pct"] + 10


def test_dead_patients_have_no_further_reviews_or_events(monkeypatch):
    """Once a patient dies or leaves, no review is delivered to them and no event befalls them."""
    gone: set[int] = set()  # person ids: unique in the county
    checked = {"reviews": 0, "events": 0}
    remove, deliver, apply = Practice.remove, PracticeGroup.deliver, health.HealthModel._apply_events

    def spy_remove(self, ids):
        gone.update(int(p) for p in self.pop.pid[ids])
        remove(self, ids)

    def spy_deliver(self, ids, cover, day, roles):  # every review: booked, opportunistic, any practice of the group
        assert not any(int(p) in gone for p in self.pop.pid[ids])
        assert self.pop.active[ids].all()
        checked["reviews"] += len(ids)
        deliver(self, ids, cover, day, roles)

    def spy_apply(model, pop, keeper, ids, happened, *rest):
        hit = ids[happened.any(axis=1)]
        assert not any(int(p) in gone for p in pop.pid[hit])
        checked["events"] += len(hit)
        apply(model, pop, keeper, ids, happened, *rest)

    monkeypatch.setattr(Practice, "remove", spy_remove)
    monkeypatch.setattr(PracticeGroup, "deliver", spy_deliver)
    monkeypatch.setattr(health.HealthModel, "_apply_events", spy_apply)
    run_scenario(load_scenario(QOF, {"years": 3, "practices.list_size_mean": 3000}), workers=1, progress=False)
    assert len(gone) > 100 and checked["reviews"] > 1000 and checked["events"] > 50


# ------------------------------------------------------------------ hazards
@pytest.fixture(scope="module")
def cohort() -> Practice:
    """A large practice with high event rates, so relative risks are estimated precisely."""
    overrides = {"practices.list_size_mean": 60_000, "years": 1, "population.conditions.diabetes.prevalence": 0.3}
    for event in ("mi", "stroke", "hf_admission", "amputation", "microvascular"):
        overrides[f"clinical.events.{event}.base_per_1000"] = 150
    loaded = load_scenario(QOF, overrides)
    fed = build_federation(loaded, 0, 0)
    return fed.practices[0]


PUBLISHED = [
    ("mi", "sbp", 10.0, 1 / 0.83),  # Ettehad 2016, CHD per 10 mmHg
    ("stroke", "sbp", 10.0, 1 / 0.73),  # Ettehad 2016
    ("hf_admission", "sbp", 10.0, 1 / 0.72),  # Ettehad 2016
    ("microvascular", "hba1c", 1.0, 1 / 0.63),  # UKPDS 35, per 1% HbA1c
    ("amputation", "hba1c", 1.0, 1 / 0.57),  # UKPDS 35
    ("mi", "hba1c", 1.0, 1 / 0.86),  # UKPDS 35
]


@pytest.mark.parametrize(("event", "factor", "shift", "rr"), PUBLISHED)
def test_hazards_reproduce_published_relative_risks(cohort, event, factor, shift, rr):
    """Raising a risk factor by the published amount multiplies simulated events by the published RR."""
    practice = cohort
    j, e = FACTORS.index(factor), EVENTS.index(event)
    ids = np.flatnonzero(practice.pop.active & practice.clinical.has_factor[:, j])
    rng = np.random.default_rng(7)
    u0 = practice.clinical.u0.copy()
    counts = []
    for delta in (0.0, shift):
        practice.clinical.u0[:, j] = u0[:, j] + delta
        # two years of weekly draws: probabilities stay far from saturation, so counts scale with hazards
        p = -np.expm1(-practice.health_model.hazards.rates(practice.pop, practice.clinical, np.zeros(len(ids), bool), ids, 0.0)[:, e] / 52)
        counts.append(sum(int((rng.random(len(p)) < p).sum()) for _ in range(104)))
    practice.clinical.u0[:] = u0
    base, raised = counts
    log_rr, se = np.log(raised / base), np.sqrt(1 / raised + 1 / base)
    assert 3 * se < np.log(rr) / 2, "cohort too small: an RR of 1 could pass"
    assert abs(log_rr - np.log(rr)) < 3 * se, f"simulated RR {np.exp(log_rr):.3f} vs published {rr:.3f}"


# ------------------------------------------------------------------ rates and shares
def test_leave_rate_is_an_annual_share():
    """With no deaths, a year of steps removes ``leave_rate`` of the list (a share, not a rate)."""
    over = {"practices.list_size_mean": 6000, **{f"clinical.events.{e}.base_per_1000": 0 for e in EVENTS}}
    over["clinical.leave_rate"] = 0.5  # a share of 0.5 is a rate of 0.69: the two readings differ by 11 points
    loaded = load_scenario(QOF, over)
    federation = build_federation(loaded, 0, 0)
    practice, group = federation.practices[0], federation.groups[0]
    group.health(365, 365)
    n = practice.pop.size
    left = practice.ledger.outcomes[("left_list", "", "")] / n
    assert abs(left - 0.5) < 4 * np.sqrt(0.25 / n), left


# ------------------------------------------------------------------ prevalence and incidence
def _diagnosed_in_one_step(trend: float) -> tuple[np.ndarray, np.ndarray, Practice]:
    """Who joins the diabetes register in one quarter (no events, deaths or moves), and their ages."""
    over = {"practices.list_size_mean": 20_000, "clinical.leave_rate": 0.0, "clinical.incidence_trend": {"diabetes": trend}}
    over.update({f"clinical.events.{e}.base_per_1000": 0 for e in EVENTS})
    federation = build_federation(load_scenario(QOF, over), 0, 0)
    practice, group = federation.practices[0], federation.groups[0]
    k = CONDITIONS.index("diabetes")
    had = practice.pop.has[:, k].copy()
    group.health(91, 91)
    new = practice.pop.has[:, k] & ~had
    return new, practice.pop.age + 91 / 365, practice


def test_incidence_trend_spares_children_and_adds_its_share_of_the_register():
    """A secular trend in diabetes adds ``trend`` of the register a year, and never diagnoses anyone under 17."""
    base, age, practice = _diagnosed_in_one_step(0.0)
    trended, _, _ = _diagnosed_in_one_step(2.0)
    assert not (trended & (age < 17)).any()
    assert (base <= trended).all()  # keyed draws: the trend only adds diagnoses
    register = practice.pop.has[:, CONDITIONS.index("diabetes")].sum() - base.sum()
    extra, expected = trended.sum() - base.sum(), 2.0 * 91 / 365 * register
    assert abs(extra - expected) < 4 * np.sqrt(expected) + 0.05 * expected, (extra, expected)


# ------------------------------------------------------------------ effects
def test_ukpds_death_ratio_acts_on_diabetes_related_deaths_only():
    """1% more HbA1c multiplies a diabetic's death hazard by (1 - s) + s / 0.79, s being the diabetes-related
    share of deaths: UKPDS 35's ratio is for diabetes-related death, not all-cause death."""
    loaded = load_scenario(QOF, {"practices.list_size_mean": 3000})
    practice = build_federation(loaded, 0, 0).practices[0]
    death = loaded.scenario.clinical.events["death"]
    j, e = FACTORS.index("hba1c"), EVENTS.index("death")
    ids = np.flatnonzero(practice.clinical.has_factor[:, j])
    reference = loaded.scenario.clinical.factors["hba1c"].reference
    practice.clinical.u0[ids, j] += reference - practice.clinical.levels(ids, 0.0)[:, j]  # everyone at the reference
    rates = []
    for shift in (0.0, 1.0):
        practice.clinical.u0[:, j] += shift
        rates.append(practice.health_model.hazards.rates(practice.pop, practice.clinical, np.zeros(len(ids), bool), ids, 0.0)[:, e])
    ratio, hr = rates[1] / rates[0], death.factor_hr["hba1c"]
    assert hr == pytest.approx(1 / 0.79, rel=1e-3)
    assert (ratio < hr - 0.05).all(), "the diabetes-related-death ratio acts on all-cause death"
    share = death.factor_share["hba1c"]
    np.testing.assert_allclose(ratio, 1 - share + share * hr, rtol=1e-9)


def test_hba1c_intensification_matches_khunti_at_the_target_the_model_acts_at():
    """Reviewed once a year with HbA1c well above 7.5%, half of patients are intensified within 1.9 years
    (Khunti 2013's median at >= 7.5%): after two reviews (1 - p)^2 = 0.5^(2 / 1.9) are not yet."""
    loaded = load_scenario(QOF, {"practices.list_size_mean": 20_000, "population.conditions.diabetes.prevalence": 0.3})
    spec = loaded.scenario.clinical.factors["hba1c"]
    assert spec.target == 7.5
    practice = build_federation(loaded, 0, 0).practices[0]
    clinical, j = practice.clinical, FACTORS.index("hba1c")
    ids = np.flatnonzero(clinical.has_factor[:, j])
    clinical.steps[ids, j] = 0
    cover = np.zeros((len(ids), len(CONDITIONS)), dtype=bool)
    cover[:, CONDITIONS.index("diabetes")] = True
    for review in range(2):
        day = 365 * review
        clinical.u0[ids, j] += spec.target + 2.0 - clinical.levels(ids, day)[:, j]  # 9.5%: above target however measured
        clinical.review(ids, cover, day, practice.streams.for_people("test_review", practice.pop.pid[ids], review))
    waiting = (clinical.steps[ids, j] == 0).mean()
    assert len(ids) > 3000
    assert abs(waiting - 0.5 ** (2 / 1.9)) < 0.03, waiting


# ------------------------------------------------------------------ timing within the step
def _admissions_after_reviews(review_day: int | None) -> float:
    """COPD-type admissions in one 91-day step when register patients are reviewed on ``review_day``."""
    over = {"practices.list_size_mean": 8000, "clinical.leave_rate": 0.0, "clinical.incidence_trend": {}}
    over.update({f"clinical.events.{e}.base_per_1000": 0 for e in EVENTS if e != "copd_admission"})
    over.update({
        "clinical.events.copd_admission.eligible": [],  # everyone at risk, so the cohort is large
        "clinical.events.copd_admission.base_per_1000": 3000,
        "clinical.events.copd_admission.review_effect": 0.9,
    })
    federation = build_federation(load_scenario(QOF, over), 0, 0)
    practice, group = federation.practices[0], federation.groups[0]
    practice.clinical.reinforced[:] = -3 * 365  # adherence has waned to its floor
    if review_day is not None:
        ids = np.flatnonzero(practice.pop.has.any(axis=1))
        group.deliver(ids, practice.pop.has[ids], review_day, np.full(len(ids), PRACTICE_ROLES.index("nurse")))  # one practice: its rows are the group's
    group.health(91, 91)
    return practice.ledger.outcomes[("event_copd_admission", "", "")]


def test_a_review_protects_from_its_day_not_the_whole_step():
    """A review on day 1 of a quarter prevents more admissions than one on day 90, which prevents almost none."""
    early, late, none = (_admissions_after_reviews(d) for d in (1, 90, None))
    assert early < late < none or early < late == none
    assert none - late < 0.1 * (none - early), (early, late, none)


def test_patients_who_die_early_in_a_step_accumulate_nothing_after():
    """If everyone dies at the very start of a step, the step has no other events, costs, diagnoses or life-years."""
    over = {"practices.list_size_mean": 3000, "clinical.incidence_trend": {"diabetes": 2.0}}
    over.update({
        "clinical.events.death.base_per_1000": 1e9,
        "clinical.events.acsc_admission.eligible": [],
        "clinical.events.acsc_admission.base_per_1000": 2000,
    })
    federation = build_federation(load_scenario(QOF, over), 0, 0)
    practice, group = federation.practices[0], federation.groups[0]
    n = practice.pop.size
    group.health(91, 91)
    got = practice.ledger.outcomes
    assert got[("deaths", "", "")] == n
    assert got[("event_acsc_admission", "", "")] <= 0.002 * n
    assert got[("cost_events", "", "")] <= 0.002 * n * 1800
    assert got.get(("new_diagnoses", "", "diabetes"), 0) <= 0.001 * n
    assert got[("life_years", "", "")] <= 0.001 * n * 91 / 365
