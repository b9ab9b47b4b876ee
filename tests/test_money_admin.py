"""QOF money: income follows points x £/point x CPI x APDF; opt-out practices keep their pre-scheme income;
federation staff carry a funding source and cost; headline.csv carries income and admin hours."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import OPTOUT, QOF, SMALL, cached_run
from sim.measures.summary import headline
from sim.model.qof.achievement import achievement
from sim.model.qof.income import payment_factors, protected_income
from test_qof import DM, ON_DAY, SCENARIO, hand_practice, record, spec


def income_practice():
    """1,000 patients (200 children), 100 on the diabetes register; one 10-point indicator half achieved (5 points)."""
    specs = [spec(id="ADJ", window=12, lower=0, upper=100, pts=10), spec(id="FLAT", window=12, lower=0, upper=100, pts=10, prevalence_adjusted=False)]
    practice = hand_practice(1000, specs)
    practice.pop.has[100:, DM] = False
    practice.pop.age[800:] = 8.0  # below the diabetes register's 17: outside the prevalence base
    for who in range(50):
        record(practice, who, ON_DAY - 10, 0)
        record(practice, who, ON_DAY - 10, 1)
    return practice


def test_income_follows_the_formula_on_a_hand_computed_practice():
    practice = income_practice()
    adj, flat = achievement(practice, ON_DAY)
    assert adj["points_recorded"] == pytest.approx(5.0)
    pound, national_list = 156.92, 7052
    cpi = 1000 / national_list
    assert SCENARIO.population.conditions["diabetes"].prevalence_of == "eligible"  # 6.4% is of patients aged 17+
    apdf = (100 / 800) / SCENARIO.contract.national_prevalence["diabetes"]
    assert SCENARIO.contract.pound_per_point == pound and SCENARIO.contract.national_list_size == national_list
    assert adj["income_gbp"] == pytest.approx(5 * pound * cpi * apdf)
    assert flat["income_gbp"] == pytest.approx(5 * pound * cpi)


def test_income_scales_with_register_prevalence():
    """Twice the register (and the same achievement) earns twice the prevalence-adjusted pounds per point."""
    practice = income_practice()
    before = payment_factors(practice, ON_DAY)
    practice.pop.has[100:200, DM] = True  # adults (ages 60)
    after = payment_factors(practice, ON_DAY)
    assert after[0] == pytest.approx(2 * before[0])
    assert after[1] == pytest.approx(before[1])


def test_protected_income_is_pre_scheme_achievement_of_available_points():
    """A practice that leaves QOF keeps its pre-scheme share of the available points, whatever it achieves now."""
    practice = income_practice()
    practice.qof_care.protected = protected_income(practice, 0)
    share = SCENARIO.contract.pre_scheme_achievement
    expected = share * 10 * payment_factors(practice, 0)
    rows = achievement(practice, ON_DAY)
    assert [r["income_gbp"] for r in rows] == pytest.approx(list(expected))
    assert rows[0]["income_on_achievement_gbp"] < rows[0]["income_gbp"]


def test_every_run_carries_income_and_admin_hours_by_role():
    for path in (QOF, OPTOUT):
        h = headline(cached_run(path, SMALL).tables)
        assert [c for c in h.columns if "income" in c]
        admin = [c for c in h.columns if "admin" in c]
        assert {"admin_hours_gp_per_1000_patients", "admin_hours_nonclinical_per_1000_patients"} <= set(admin)
        assert (h["qof_income_gbp_per_1000_patients"] > 0).all()
        assert (h["admin_hours_per_1000_patients"] > 0).all()


def test_opt_out_keeps_the_same_money_every_year_and_qof_is_paid_on_achievement():
    opt = cached_run(OPTOUT, SMALL).tables["qof"].groupby("year")["income_gbp"].sum()
    assert opt.nunique() == 1 and opt.iloc[0] > 0
    q = cached_run(QOF, SMALL).tables["qof"]
    assert np.allclose(q["income_gbp"], q["income_on_achievement_gbp"])


def test_federation_staff_carry_funding_and_cost():
    from conftest import OPTOUT as path
    from sim.config import load_scenario

    staff = load_scenario(path).scenario.federation.staff
    assert staff and all(s.cost_gbp_per_fte_year > 0 and s.funded_by for s in staff.values())
    h = headline(cached_run(OPTOUT, SMALL).tables).iloc[0]
    fte_cost = sum(s.fte_per_10000 / 10 * s.cost_gbp_per_fte_year for s in staff.values())
    assert h["federation_staff_cost_gbp_per_1000_patients"] == pytest.approx(fte_cost, rel=0.05)
    assert h["practice_income_net_gbp_per_1000_patients"] == pytest.approx(
        h["qof_income_gbp_per_1000_patients"] - h["federation_staff_cost_gbp_per_1000_patients"]
    )


def test_a_practice_joining_the_scheme_keeps_its_last_qof_years_income():
    """A member switching to the scheme in year 1 is paid, every year after, what QOF paid it in year 0."""
    from conftest import SCENARIOS

    over = {"practices.count": 4, "practices.federation_size": 4, "practices.list_size_mean": 1500, "practices.list_size_cv": 0.0,
            "years": 3, "measures.warmup_years": 0, "scheme.share": 0.5, "scheme.start_year": 1}
    run = cached_run(SCENARIOS / "somerset_county.yaml", over)
    qof = run.tables["qof"]
    members = set(run.tables["practices"].query("regime == 'careplan'").practice)
    assert members
    for practice in members:
        mine = qof[qof.practice == practice]
        earned = mine[mine.year == 0]["income_on_achievement_gbp"].sum()
        paid = mine.groupby("year")["income_gbp"].sum()
        assert paid[0] == pytest.approx(earned)
        assert paid[1] == pytest.approx(earned) and paid[2] == pytest.approx(earned)
