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
from sim.model.qof.indicators import Indicators
from sim.model.qof.achievement import NEW_PATIENT_DAYS, achievement, points
from sim.engine.clock import DAYS_PER_MONTH, NEVER, year_end


def spec(lower: float = 50, upper: float = 90, pts: float = 10, window: int = 15) -> IndicatorSpec:
    return IndicatorSpec(id="T", condition="diabetes", item="lab", window_months=window, lower=lower, upper=upper, points=pts)


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
def blank_record(n: int, n_indicators: int) -> SimpleNamespace:
    k, f = len(CONDITIONS), len(FACTORS)
    return SimpleNamespace(
        last_recorded=np.full((n, n_indicators), NEVER, dtype=np.int32),
        recorded_value=np.full((n, n_indicators), np.nan),
        last_delivered=np.full((n, k), NEVER, dtype=np.int32),
        measured_day=np.full((n, f), NEVER, dtype=np.int32),
        measured_value=np.full((n, f), np.nan),
        excepted_fy=np.full((n, k), -1, dtype=np.int16),
        diagnosed=np.full((n, k), NEVER, dtype=np.int32),
        registered=np.full(n, NEVER, dtype=np.int32),
    )


def stub_practice(has: np.ndarray, active: np.ndarray, care, indicators: list[IndicatorSpec]) -> SimpleNamespace:
    return SimpleNamespace(
        care=care,
        pop=SimpleNamespace(has=has, active=active),
        indicators=Indicators(indicators),
    )


DM = CONDITIONS.index("diabetes")
ON_DAY = year_end(1)  # 31 March of the second year
WINDOW = int(round(15 * DAYS_PER_MONTH))


def tiny_practice():
    """Eleven patients, one diabetes process indicator (15-month window), set up so each count is known."""
    n = 11
    has = np.zeros((n, len(CONDITIONS)), dtype=bool)
    has[:9, DM] = True  # patients 0-8 on the register
    active = np.ones(n, dtype=bool)
    active[7] = False  # patient 7 has left: not on the register any more
    care = blank_record(n, 1)
    # 0: recorded inside the window; 1: recorded on its first day; 2: one day too early;
    # 3: delivered in the window but not recorded; 4: excepted this year (recorded, but excluded);
    # 5: excepted last year only (still in the denominator, never reviewed); 6: never reviewed; 7: left;
    # 8: diagnosed a month ago (new: excluded, though recorded)
    for i, when in ((0, ON_DAY - 30), (1, ON_DAY - WINDOW), (2, ON_DAY - WINDOW - 1), (4, ON_DAY - 10), (7, ON_DAY - 5), (8, ON_DAY - 3)):
        care.last_recorded[i, 0] = when
        care.last_delivered[i, DM] = when
    care.last_delivered[3, DM] = ON_DAY - 100
    care.excepted_fy[4, DM] = 1
    care.excepted_fy[5, DM] = 0
    care.diagnosed[8, DM] = ON_DAY - 30
    return stub_practice(has, active, care, [spec(lower=20, upper=60, pts=10)]), ON_DAY


def test_achievement_counts_by_hand():
    """Register, exceptions, new-patient exclusions, denominator and numerators follow the contract's rules."""
    practice, day = tiny_practice()
    (row,) = achievement(practice, day)
    assert row["register"] == 8  # patients 0-6 and 8 (7 has left)
    assert row["exceptions"] == 1  # patient 4 this year; 5's exception was last year
    assert row["excluded_new"] == 1  # patient 8, diagnosed a month ago
    assert row["denominator"] == 6
    assert row["numerator_recorded"] == 2  # 0 and 1 (1 on the window's first day); not 2, not 4 (excepted), not 8 (new)
    assert row["numerator_delivered"] == 3  # 0, 1 and 3 (delivered, not recorded)
    assert row["achievement_recorded"] == pytest.approx(100 * 2 / 6)
    assert row["achievement_delivered"] == pytest.approx(100 * 3 / 6)
    assert row["points_recorded"] == pytest.approx(10 * (100 * 2 / 6 - 20) / 40)
    assert row["points_delivered"] == pytest.approx(10 * (50 - 20) / 40)
    assert row["points_available"] == 10


def test_new_registrant_is_excluded_from_every_indicator():
    """A patient registered within the new-patient period is outside the denominator; one registered before it is inside."""
    practice, day = tiny_practice()
    practice.care.registered[0] = day - NEW_PATIENT_DAYS + 1
    practice.care.registered[1] = day - NEW_PATIENT_DAYS
    (row,) = achievement(practice, day)
    assert row["excluded_new"] == 2
    assert row["denominator"] == 5
    assert row["numerator_recorded"] == 1


def test_outcome_indicator_counts_by_hand():
    """Outcome indicators count the last coded value at or below target (recorded) and the last measured value (delivered)."""
    sbp = FACTORS.index("sbp")
    ind = IndicatorSpec(id="BP_CTRL", condition="diabetes", item="measurement", factor="sbp", target=140,
                        window_months=15, lower=40, upper=80, points=8)
    n = 6
    has = np.zeros((n, len(CONDITIONS)), dtype=bool)
    has[:, DM] = True
    care = blank_record(n, 1)
    # (coded day, coded value, measured day, measured value)
    cases = [
        (ON_DAY - 20, 135.0, ON_DAY - 20, 135.0),  # 0: coded and measured at target -> both
        (ON_DAY - 20, 140.0, ON_DAY - 20, 140.0),  # 1: exactly at target -> both
        (ON_DAY - 20, 150.0, ON_DAY - 20, 150.0),  # 2: above target -> neither
        (NEVER, np.nan, ON_DAY - 20, 130.0),  # 3: measured at target but not coded -> delivered only
        (ON_DAY - WINDOW - 5, 120.0, ON_DAY - WINDOW - 5, 120.0),  # 4: controlled but out of window -> neither
        (ON_DAY - 200, 130.0, ON_DAY - 20, 160.0),  # 5: coded good value earlier, later uncoded bad reading -> recorded only
    ]
    for i, (cday, cval, mday, mval) in enumerate(cases):
        care.last_recorded[i, 0], care.recorded_value[i, 0] = cday, cval
        care.measured_day[i, sbp], care.measured_value[i, sbp] = mday, mval
    (row,) = achievement(stub_practice(has, np.ones(n, dtype=bool), care, [ind]), ON_DAY)
    assert row["kind"] == "outcome"
    assert row["denominator"] == 6
    assert row["numerator_recorded"] == 3  # 0, 1, 5
    assert row["numerator_delivered"] == 3  # 0, 1, 3


def test_achievement_empty_denominator_earns_nothing():
    """An indicator whose whole register is excepted earns no points (and achievement is undefined)."""
    practice, day = tiny_practice()
    practice.care.excepted_fy[:, DM] = 1
    (row,) = achievement(practice, day)
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
    assert (qof["denominator"] == qof["register"] - qof["exceptions"] - qof["excluded_new"]).all()
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
