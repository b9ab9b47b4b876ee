"""QOF arithmetic: points between thresholds, and achievement counted the way the
contract counts it (register, exceptions, denominator, numerator within the window)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import OPTOUT, QOF, SMALL, cached_run
from sim.vocabulary import CONDITIONS
from sim.config import load_scenario
from sim.config.clinical import FACTORS
from sim.config.schema import IndicatorSpec
from sim.model.qof.achievement import achievement, points
from sim.model.qof.care import QofCare
from sim.model.qof.exceptions import Reason
from sim.model.qof.indicators import Indicators
from sim.model.record import CareRecord
from sim.engine.clock import DAYS_PER_MONTH, NEVER, months, year_end
from sim.engine.streams import Streams

SCENARIO = load_scenario(QOF).scenario


def spec(lower: float = 50, upper: float = 90, pts: float = 10, window: int = 15, **kw) -> IndicatorSpec:
    fields = {"id": "T", "condition": "diabetes", "item": "lab", "window_months": window, "lower": lower, "upper": upper, "points": pts}
    return IndicatorSpec(**{**fields, **kw})


# ------------------------------------------------------------------ points
@pytest.mark.parametrize("pct", [0.0, 20.0, 49.999])
def test_points_zero_below_lower_threshold(pct):
    """Achievement below the lower threshold earns nothing."""
    assert points(pct, spec()) == 0.0


@pytest.mark.parametrize("pct", [90.0, 95.0, 100.0])
def test_points_full_at_or_above_upper_threshold(pct):
    """Achievement at or above the upper threshold earns all the points."""
    assert points(pct, spec(pts=17)) == 17.0


@pytest.mark.parametrize("pct, share", [(50.0, 0.0), (60.0, 0.25), (70.0, 0.5), (80.0, 0.75)])
def test_points_linear_between_thresholds(pct, share):
    """Between thresholds points scale linearly from 0 at lower to all at upper."""
    assert points(pct, spec(pts=12)) == pytest.approx(12 * share)


def test_points_equal_thresholds_is_a_step():
    """With lower == upper, points are all or nothing at the threshold."""
    s = spec(lower=70, upper=70, pts=5)
    assert points(69.9, s) == 0.0
    assert points(70.0, s) == 5.0


@given(a=st.floats(0, 100), b=st.floats(0, 100), lower=st.floats(0, 100), width=st.floats(0.1, 100))
def test_points_monotone_and_bounded(a, b, lower, width):
    """Points never decrease with achievement and stay within [0, available]."""
    s = spec(lower=lower, upper=min(lower + width, 100.0), pts=8)
    lo, hi = sorted((a, b))
    assert 0.0 <= points(lo, s) <= points(hi, s) <= 8.0


# ------------------------------------------------------------ achievement by hand
DM = CONDITIONS.index("diabetes")
FY = 1
ON_DAY = year_end(FY)  # 31 March of the second year
WINDOW = months(12)


def hand_practice(n: int, specs: list[IndicatorSpec], age: float = 60.0) -> SimpleNamespace:
    """A practice of ``n`` patients, all on the diabetes register, with a blank record."""
    has = np.zeros((n, len(CONDITIONS)), dtype=bool)
    has[:, DM] = True
    pop = SimpleNamespace(
        has=has, active=np.ones(n, dtype=bool), age=np.full(n, age), male=np.zeros(n, dtype=bool),
        frailty=np.zeros(n, dtype=np.int8), size=n,
    )
    ind = Indicators(specs)
    care = CareRecord(n, len(ind), len(FACTORS))
    streams = Streams(1, 0, 0)
    qc = QofCare(SCENARIO, ind, pop, streams["qof_care"], streams)
    qc.statin_steps = np.zeros(n)
    qc.contraindicated[:] = False
    qc.contra[:] = False
    qc.on[:] = False
    qc.rx_recorded[:] = False
    return SimpleNamespace(care=care, pop=pop, indicators=ind, qof_care=qc, scenario=SCENARIO)


def record(practice: SimpleNamespace, who: int, day: int, i: int = 0) -> None:
    practice.care.last_recorded[who, i] = day
    practice.care.item_delivered[who, i] = day


def test_achievement_counts_by_hand():
    """Population, exceptions (numerator first), new patients, denominator and numerators follow the contract."""
    practice = hand_practice(11, [spec(lower=20, upper=60, pts=10, window=12)])
    care = practice.care
    # 0: recorded in the window; 1: on its first day; 2: one day too early; 3: done, not recorded;
    # 4: excepted this year (A), not recorded; 5: excepted last year only; 6: never reviewed; 7: left;
    # 8: diagnosed a month ago, not recorded (criterion C); 9: excepted this year but recorded;
    # 10: diagnosed a month ago and recorded
    for who, day in ((0, ON_DAY - 30), (1, ON_DAY - WINDOW), (2, ON_DAY - WINDOW - 1), (7, ON_DAY - 5), (9, ON_DAY - 40), (10, ON_DAY - 3)):
        record(practice, who, day)
    care.item_delivered[3, 0] = ON_DAY - 100
    care.excepted_fy[[4, 9], DM] = FY
    care.excepted_reason[[4, 9], DM] = Reason.A
    care.excepted_fy[5, DM] = FY - 1
    care.diagnosed[[8, 10], DM] = ON_DAY - 30
    practice.pop.active[7] = False
    (row,) = achievement(practice, ON_DAY)
    assert row["register"] == 10
    assert row["exceptions"] == 1  # 4 only: 9 meets the indicator, so counts (numerator first)
    assert row["exceptions_logistical"] == 2  # A and C
    assert row["excluded_new"] == 1  # 8; 10 was recorded
    assert row["denominator"] == 8
    assert row["numerator_recorded"] == 4  # 0, 1, 9, 10
    assert row["numerator_delivered"] == 5  # and 3 (done, not coded)
    assert row["achievement_recorded"] == pytest.approx(50.0)
    assert row["points_recorded"] == pytest.approx(10 * (50 - 20) / 40)
    assert row["points_available"] == 10


@pytest.mark.parametrize("via", ["diagnosed", "registered"])
def test_new_patient_rules_are_3_months_for_measurements_and_9_for_standards(via):
    """Criterion C: within 3 months for a process indicator, 9 months for an outcome or treatment."""
    specs = [
        spec(window=12, id="P"),
        spec(window=12, id="O", kind="outcome", factor="hba1c", target=7.5),
        IndicatorSpec(id="T", condition="diabetes", kind="treatment", treatments=["acei_arb"], lower=40, upper=80, points=3),
    ]
    practice = hand_practice(6, specs)
    joined = [ON_DAY - months(3) + 1, ON_DAY - months(3), ON_DAY - months(6), ON_DAY - months(9) + 1, ON_DAY - months(9), ON_DAY - 400]
    for who, day in enumerate(joined):
        if via == "diagnosed":
            practice.care.diagnosed[who, DM] = day
        else:
            practice.care.registered[who] = day
    process, outcome, treatment = achievement(practice, ON_DAY)
    assert process["excluded_new"] == 1  # joined less than 3 months ago
    assert outcome["excluded_new"] == 4  # less than 9 months ago
    assert treatment["excluded_new"] == 4


def test_numerator_first_for_clinical_exceptions():
    """A patient at target counts even with an exception coded; one above target with the code is excepted."""
    o = spec(window=12, kind="outcome", item="lab", factor="hba1c", target=7.5)
    practice = hand_practice(4, [o])
    care = practice.care
    for who, value in enumerate((7.0, 8.5, 7.2, 9.0)):
        record(practice, who, ON_DAY - 20)
        care.recorded_value[who, 0] = value
    care.ind_excepted_fy[[0, 1], 0] = FY
    care.ind_excepted_reason[[0, 1], 0] = Reason.D
    (row,) = achievement(practice, ON_DAY)
    assert row["exceptions"] == 1 and row["exceptions_clinical"] == 1  # patient 1
    assert row["denominator"] == 3
    assert row["numerator_recorded"] == 2  # 0 (coded D but at target) and 2


def test_outcome_indicator_counts_by_hand():
    """Outcome indicators count the last coded value at or below target (recorded) and the last measured value (delivered)."""
    sbp = FACTORS.index("sbp")
    ind = spec(window=12, kind="outcome", item="measurement", factor="sbp", target=140, lower=40, upper=80, pts=8)
    practice = hand_practice(6, [ind])
    care = practice.care
    cases = [
        (ON_DAY - 20, 135.0, ON_DAY - 20, 135.0),  # 0: coded and measured at target -> both
        (ON_DAY - 20, 140.0, ON_DAY - 20, 140.0),  # 1: exactly at target -> both
        (ON_DAY - 20, 150.0, ON_DAY - 20, 150.0),  # 2: above target -> neither
        (NEVER, np.nan, ON_DAY - 20, 130.0),  # 3: measured at target but not coded -> delivered only
        (ON_DAY - WINDOW - 5, 120.0, ON_DAY - WINDOW - 5, 120.0),  # 4: out of the 12-month window -> neither
        (ON_DAY - 200, 130.0, ON_DAY - 20, 160.0),  # 5: coded good value earlier, later uncoded bad reading -> recorded only
    ]
    for i, (cday, cval, mday, mval) in enumerate(cases):
        care.last_recorded[i, 0], care.recorded_value[i, 0] = cday, cval
        care.measured_day[i, sbp], care.measured_value[i, sbp] = mday, mval
    (row,) = achievement(practice, ON_DAY)
    assert row["kind"] == "outcome"
    assert row["denominator"] == 6
    assert row["numerator_recorded"] == 3  # 0, 1, 5
    assert row["numerator_delivered"] == 3  # 0, 1, 3


def test_treatment_indicator_counts_care_recorded_and_delivered():
    """On treatment and on the record counts; on it but unrecorded is care delivered only; any-of alternatives."""
    specs = [
        IndicatorSpec(id="ACE", condition="diabetes", kind="treatment", treatments=["acei_arb"], lower=40, upper=80, points=3),
        IndicatorSpec(id="ANY", condition="diabetes", kind="treatment", treatments=["antiplatelet", "anticoagulant"],
                      any_treatment=True, lower=40, upper=80, points=3),
    ]
    practice = hand_practice(4, specs)
    qc = practice.qof_care
    t = {name: qc.treatments.index(name) for name in ("acei_arb", "antiplatelet", "anticoagulant")}
    qc.on[:] = False
    qc.rx_recorded[:] = False
    qc.on[[0, 1], t["acei_arb"]] = True
    qc.rx_recorded[0, t["acei_arb"]] = True
    qc.on[2, t["anticoagulant"]] = qc.rx_recorded[2, t["anticoagulant"]] = True
    qc.on[3, t["antiplatelet"]] = True
    ace, any_ = achievement(practice, ON_DAY)
    assert (ace["numerator_recorded"], ace["numerator_delivered"]) == (1, 2)
    assert (any_["numerator_recorded"], any_["numerator_delivered"]) == (1, 2)


def test_flu_indicator_counts_vaccinations_in_the_season():
    """Flu vaccination counts from 1 August to 31 March: a July jab does not; recorded versus given."""
    practice = hand_practice(4, [IndicatorSpec(id="FLU", condition="diabetes", window="flu_season", lower=55, upper=95, points=3)])
    qc = practice.qof_care
    opened = ON_DAY - 364 + SCENARIO.contract.flu_season_start_day
    qc.vaccinated[:] = [opened, opened - 1, opened + 60, NEVER]
    qc.vaccine_recorded[:] = [opened, opened - 1, NEVER, NEVER]
    (row,) = achievement(practice, ON_DAY)
    assert (row["numerator_recorded"], row["numerator_delivered"]) == (1, 2)


def test_register_indicator_earns_its_points():
    practice = hand_practice(3, [IndicatorSpec(id="REG", condition="diabetes", kind="register", points=6)])
    (row,) = achievement(practice, ON_DAY)
    assert row["points_recorded"] == 6 and row["denominator"] == 3


def test_achievement_empty_denominator_earns_nothing():
    """An indicator whose whole population is excepted earns no points (and achievement is undefined)."""
    practice = hand_practice(3, [spec(window=12)])
    practice.care.excepted_fy[:, DM] = FY
    (row,) = achievement(practice, ON_DAY)
    assert row["denominator"] == 0
    assert np.isnan(row["achievement_recorded"])
    assert row["points_recorded"] == 0.0


# ------------------------------------------------------------- identities in runs
@pytest.mark.parametrize("path", [QOF, OPTOUT], ids=["qof", "optout"])
def test_qof_table_identities(path):
    """denominator = register - exceptions - new patients; numerators <= denominator; process: recorded <= delivered."""
    tables = cached_run(path, SMALL).tables
    qof = tables["qof"]
    n_ind = len(load_scenario(path).scenario.indicators)
    assert len(qof) == len(tables["practices"]) * SMALL["years"] * n_ind
    assert (qof["denominator"] == qof["eligible"] - qof["exceptions"] - qof["excluded_new"]).all()
    assert (qof["eligible"] <= qof["register"]).all()
    for basis in ("recorded", "delivered"):
        assert (qof[f"numerator_{basis}"] <= qof["denominator"]).all()
        assert (qof[f"points_{basis}"] <= qof["points_available"]).all()
    process = qof[qof.kind == "process"]
    assert len(process) > 0 and (qof.kind == "outcome").any()
    # a process item can only be coded at a review that delivered it
    assert (process["numerator_recorded"] <= process["numerator_delivered"]).all()
    assert (process["points_recorded"] <= process["points_delivered"] + 1e-9).all()
    assert qof["numerator_recorded"].sum() > 0


def test_qof_register_matches_snapshot_register():
    """The QOF register of each condition equals the snapshot register at year end."""
    tables = cached_run(QOF, SMALL).tables
    qof, snaps = tables["qof"], tables["snapshots"]
    last_snap = snaps[(snaps.measure == "register")].sort_values("day").groupby(["year", "condition"]).last()["value"]
    per_condition = qof.groupby(["year", "condition"])["register"].first()
    for key, value in per_condition.items():
        assert value == last_snap[key]
