"""Functional tests at the extremes, and the direction of each regime's effects.

Extremes: capacity is never exceeded when it is tight; with unlimited capacity and
(near-)certain response and attendance nobody falls overdue under QOF; with no
clinicians nobody is reviewed. Direction: opt-out reviews stable low-risk patients
less often and complex patients more often than QOF; only QOF exception-reports;
discretionary recording records less of the care delivered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import OPTOUT, QOF, SMALL, cached_federation, cached_run, small
from sim.vocabulary import CONDITIONS, FRAILTY
from sim.config import load_scenario
from sim.model.county import build_federation, list_sizes
from sim.measures.summary import headline
from sim.engine.clock import DAYS_PER_YEAR, NEVER, is_working_day

ROLES = ("gp", "nurse", "hca")


def activity_of(fed) -> pd.DataFrame:
    return pd.DataFrame(fed.result.activity)


def measure(act: pd.DataFrame, name: str, by: list[str]) -> pd.Series:
    """Sum of one activity measure by ``by``; absent combinations are 0."""
    return act[act.measure == name].groupby(by)["value"].sum()


# ------------------------------------------------------------------ tight capacity
TIGHT = {
    **SMALL,
    "practices.count": 2,
    "practices.federation_size": 2,
    "practices.list_size_mean": 1500,
    # half the clinicians: the nurse and HCA become part-time and every book runs saturated
    "staffing.fte_per_1000.gp": 0.33,
    "staffing.fte_per_1000.nurse": 0.135,
    "staffing.fte_per_1000.hca": 0.08,
}


@pytest.mark.parametrize("path", [QOF, OPTOUT], ids=["qof", "optout"])
def test_books_never_exceed_supply_under_tight_capacity(path):
    """With half the clinicians, no appointment book ever uses more minutes than its sessions supplied."""
    fed = cached_federation(path, TIGHT)
    books = {id(b): b for p in fed.practices for b in p.books.values()}
    assert len(books) == 2 * 3 + len(fed.shared)
    for b in books.values():
        assert b.total_supplied > 0
        assert b.total_used <= b.total_supplied + 1e-6


@pytest.mark.parametrize("path", [QOF, OPTOUT], ids=["qof", "optout"])
def test_activity_minutes_within_available(path):
    """In the activity table, LTC + other minutes <= minutes available per practice-year-role (and per federation for shared staff)."""
    act = activity_of(cached_federation(path, TIGHT))
    keys = ["year", "role"]
    used = measure(act, "minutes_ltc", keys).add(measure(act, "minutes_other", keys), fill_value=0)
    available = measure(act, "minutes_available", keys)
    assert set(used.index) <= set(available.index)
    assert (used <= available.reindex(used.index) + 1e-6).all()
    practice_keys = ["practice", "year", "role"]
    p_act = act[act.role.isin(ROLES)]
    p_used = measure(p_act, "minutes_ltc", practice_keys).add(measure(p_act, "minutes_other", practice_keys), fill_value=0)
    p_avail = measure(p_act, "minutes_available", practice_keys)
    assert (p_used <= p_avail.reindex(p_used.index) + 1e-6).all()
    # the scenario really is tight: GP and nurse books run over 90% full
    for role in ("gp", "nurse"):
        mine = act[act.role == role]
        busy = measure(mine, "minutes_ltc", ["year"]).sum() + measure(mine, "minutes_other", ["year"]).sum()
        assert busy > 0.9 * measure(mine, "minutes_available", ["year"]).sum(), role
    assert measure(act, "same_day_unmet", ["year"]).sum() > 0


def test_no_routine_request_waits_beyond_max_wait_under_tight_capacity():
    """Routine acute requests are seen within demand.max_wait_days or lapse (requests for the next
    free appointment, so the wait from asking is the wait in the queue)."""
    fed = cached_federation(QOF, {**TIGHT, "demand.routine_lead_days": 0})
    waits = pd.DataFrame(fed.result.waits)
    other = waits[waits.kind == "other"]
    assert other.wait_days.max() <= fed.scenario.demand.max_wait_days


def test_year_end_push_adds_the_configured_sessions():
    """GP minutes available per year equal fte x minutes per working day, plus the push's extra share from its start day."""
    fed = cached_federation(QOF, SMALL)
    sc = fed.scenario
    push = fed.practices[0].policy.params.year_end_push
    fte = sc.staffing.fte_per_1000["gp"] * sc.practices.list_size_mean / 1000
    assert fte >= 1  # whole-time: every working day supplies fte x minutes
    act = activity_of(fed)
    available = measure(act[act.role == "gp"], "minutes_available", ["year"])
    for fy, value in available.items():
        days = [d for d in range(fy * DAYS_PER_YEAR, (fy + 1) * DAYS_PER_YEAR) if is_working_day(d)]
        late = [d for d in days if d - fy * DAYS_PER_YEAR >= push.start_day]
        expected = fte * sc.staffing.minutes_per_fte_day["gp"] * (len(days) + push.extra_sessions * len(late))
        assert value == pytest.approx(expected, rel=1e-9)


# ------------------------------------------------------------- unlimited capacity
UNLIMITED = {
    **SMALL,
    "years": 3,
    "staffing.minutes_per_fte_day.gp": 1e6,
    "staffing.minutes_per_fte_day.nurse": 1e6,
    "staffing.minutes_per_fte_day.hca": 1e6,
    # Beta(mean * c, (1 - mean) * c): the schema needs mean < 1, so "certain" is mean 1 - 1e-6 with a huge
    # concentration (every patient's probability is within ~1e-7 of 1 - 1e-6); over a few thousand letters
    # and appointments the chance of even one miss is well under 1%.
    "population.attendance.mean": 0.999999,
    "population.attendance.concentration": 1e9,
    "population.response.mean": 0.999999,
    "population.response.concentration": 1e9,
    "population.response.never_share": 0.0,
    "population.informed_dissent_share": 0.0,
    **{f"care.item_completeness.{item}": 1.0 for item in ("lab", "measurement", "review", "advice", "care_plan")},
    "care.unsuitable_share": 0.0,
    "regime.params.clinical_exception_coding": 0.0,
    "regime.params.flu_declined_coding": 0.0,
}
"""Nothing in the way: unlimited minutes, certain response and attendance, every item done at a review,
nobody unsuitable for review, and no clinical or flu exception coded."""


def test_unlimited_capacity_full_attendance_nobody_overdue_under_qof():
    """Unlimited minutes and (near-)certain response and attendance: under QOF no register patient is ever overdue."""
    snaps = cached_run(QOF, UNLIMITED).tables["snapshots"]
    assert snaps[snaps.measure == "register"]["value"].sum() > 0
    assert snaps.year.nunique() == 3
    overdue = snaps[snaps.measure.isin(["overdue", "lost_to_follow_up"])]
    assert (overdue["value"] == 0).all(), overdue[overdue.value > 0]


def test_unlimited_capacity_only_new_diagnoses_await_review():
    """With nothing in the way, only never-reviewed new diagnoses or registrants (awaiting the next recall) can be overdue."""
    snaps = cached_run(QOF, UNLIMITED).tables["snapshots"]
    wide = snaps.pivot_table(index=["day", "condition"], columns="measure", values="value", aggfunc="sum")
    assert (wide["overdue"] <= wide["never_reviewed"]).all()
    fed = cached_federation(QOF, UNLIMITED)
    p = fed.practices[0]
    day = fed.horizon - 1
    waiting = p.pop.has & p.pop.active[:, None] & (p.care.last_delivered == NEVER)
    rows, k = np.nonzero(waiting)
    joined = np.maximum(p.care.diagnosed[rows, k], p.care.registered[rows])
    assert (joined > NEVER).all()
    recall = p.policy.params.recall_every_days + p.policy.params.invite_lead_days
    assert (day - joined <= recall).all(), day - joined


def test_unlimited_capacity_full_attendance_full_qof_achievement():
    """With everyone answering and attending, QOF exception-reports nobody and delivers every process indicator
    done at every review to nearly its whole denominator (flu vaccination is given at clinics and in season, not at
    every review; retired indicators are not chased; an item with its own completeness below 1, such as MH008's
    cervical screen done at about three reviews in ten, is not done at every review)."""
    tables = cached_run(QOF, UNLIMITED).tables
    qof = tables["qof"]
    assert qof["exceptions"].sum() == 0
    specs = load_scenario(QOF).scenario.indicators
    partial = [i.id for i in specs if i.window == "flu_season" or i.points == 0 or (i.completeness or 1.0) < 1.0]
    process = qof[(qof.kind == "process") & ~qof.indicator.isin(partial)]
    # an annual recall against a 12-month window: a review a few days late falls just outside it
    missing = process["denominator"] - process["numerator_delivered"]
    assert (missing <= np.maximum(2, 0.05 * process["denominator"])).all()
    assert process["numerator_delivered"].sum() >= 0.98 * process["denominator"].sum()
    assert process["denominator"].sum() > 0
    act = tables["activity"]
    assert act[act.measure == "dna"]["value"].sum() == 0


def test_unlimited_capacity_reviews_are_annual_under_qof():
    """With nothing in the way, QOF reviews each condition of a patient there all along about once a year."""
    tables = cached_run(QOF, UNLIMITED).tables
    pc = tables["patient_conditions"]
    original = pc[pc["pid"] < tables["practices"]["list_size"].iloc[0]]  # registered from the start
    assert len(original) > 0.5 * len(pc)
    per_year = original["reviews"].mean() / UNLIMITED["years"]
    assert 0.9 < per_year < 1.15


# ------------------------------------------------------------------- no clinicians
def no_clinicians(path) -> dict:
    over = {**SMALL, "staffing.fte_per_1000.gp": 0, "staffing.fte_per_1000.nurse": 0, "staffing.fte_per_1000.hca": 0}
    if path == OPTOUT:
        over |= {"federation.staff.specialist_nurse.fte_per_10000": 0, "federation.staff.care_coordinator.fte_per_10000": 0}
    return over


@pytest.mark.parametrize("path", [QOF, OPTOUT], ids=["qof", "optout"])
def test_no_clinicians_nobody_reviewed(path):
    """With no clinicians the run completes and no review, consultation or delivered indicator happens."""
    tables = cached_run(path, no_clinicians(path)).tables
    act = tables["activity"]
    for name in ("reviews_delivered", "minutes_ltc", "minutes_other", "minutes_available"):
        assert act[act.measure == name]["value"].sum() == 0, name
    assert (tables["patient_conditions"]["reviews"] == 0).all()


@pytest.mark.parametrize("path", [QOF, OPTOUT], ids=["qof", "optout"])
def test_no_clinicians_everyone_overdue_at_the_end(path):
    """With no clinicians, at the final snapshot every condition held since the start by a patient registered since the start is overdue."""
    fed = cached_federation(path, no_clinicians(path))
    day = fed.horizon - 1
    p = fed.practices[0]
    assert (p.care.reviews == 0).all()
    original = p.pop.active & (p.care.registered == NEVER)
    on = p.pop.has & original[:, None] & (p.care.diagnosed == NEVER)  # conditions held since the start
    assert on.sum() > 500
    gap = day - p.care.last_delivered[on]
    assert (gap > fed.scenario.measures.overdue_months * DAYS_PER_YEAR / 12).all()
    snaps = pd.DataFrame(fed.result.snapshots)
    last = snaps[snaps.day == day].pivot_table(index="condition", columns="measure", values="value", aggfunc="sum")
    assert sorted(last.index) == sorted(CONDITIONS)
    assert (last["overdue"] >= pd.Series(on.sum(axis=0), index=CONDITIONS).reindex(last.index)).all()
    assert (last["overdue"] <= last["register"]).all()


# ------------------------------------------------------------- direction of effects
TIER_RUN = {"years": 4, "practices.list_size_mean": 3000, "measures.warmup_years": 0}


def _tiers_and_reviews():
    """Need tier at the start (opt-out's own rule) and reviews per condition-year under each regime.

    Counts cover the conditions each patient had at the start, among patients registered
    throughout the run (deaths and moves hand some rows to new registrants).
    """
    loaded = small(OPTOUT, **{k.replace(".", "__"): v for k, v in TIER_RUN.items()})
    start = build_federation(loaded, 0, 0).practices[0]
    tier = start.policy.tier(start, np.arange(start.pop.size), 0)
    years = TIER_RUN["years"]
    out: dict[str, list[float]] = {"low": [], "medium": [], "high": []}
    for path in (QOF, OPTOUT):
        p = cached_federation(path, TIER_RUN).practices[0]
        stayed = (p.pop.pid == start.pop.pid) & p.pop.active
        for t, name in enumerate(out):
            on = ((tier == t) & stayed)[:, None] & start.pop.has
            assert on.sum() > 100, (path.stem, name)
            out[name].append(p.care.reviews[on].sum() / on.sum() / years)
    return out


def test_optout_reviews_low_need_patients_less_often():
    """Stable low-risk patients get fewer reviews per condition-year under opt-out than under QOF."""
    qof, opt = _tiers_and_reviews()["low"]
    assert opt < 0.75 * qof


def test_optout_reviews_high_need_patients_more_often():
    """Complex or frail patients get more reviews per condition-year under opt-out than under QOF."""
    qof, opt = _tiers_and_reviews()["high"]
    assert opt > 1.25 * qof


def test_careplan_tier_rule_matches_patient_table():
    """tier(): high = 3+ conditions or moderate/severe frailty; low = one condition, fit, under 75; else medium."""
    fed = cached_federation(OPTOUT, TIER_RUN)
    o = fed.practices[0]
    pt = pd.DataFrame(fed.result.patients)
    ids = pt["patient"].to_numpy()
    day = fed.horizon - 1
    age_now = o.pop.age[ids] + day / DAYS_PER_YEAR
    np.testing.assert_allclose(pt["age"], o.pop.age[ids] + TIER_RUN["years"], atol=0.051)
    frail = pt["frailty"].map(FRAILTY.index).to_numpy()
    n = pt["n_conditions"].to_numpy()
    high = (n >= 3) | (frail >= FRAILTY.index("moderate"))
    low = (n == 1) & (frail == FRAILTY.index("fit")) & (age_now < 75)
    expected = np.where(high, 2, np.where(low, 0, 1))
    np.testing.assert_array_equal(o.policy.tier(o, ids, day), expected)
    assert set(np.unique(expected)) == {0, 1, 2}


def test_only_qof_exception_reports():
    """QOF exception-reports non-responders and dissenters; opt-out never exception-reports."""
    q = cached_run(QOF, SMALL).tables
    o = cached_run(OPTOUT, SMALL).tables
    assert q["qof"]["exceptions"].sum() > 0
    assert q["activity"].query("measure == 'exceptions'")["value"].sum() > 0
    assert q["patients"]["exceptions"].sum() > 0
    assert o["qof"]["exceptions"].sum() == 0
    assert o["activity"].query("measure == 'exceptions'")["value"].sum() == 0
    assert o["patients"]["exceptions"].sum() == 0


def test_no_exceptions_without_non_responders_or_dissent():
    """Logistical exceptions come only from non-response, missed appointments and dissent: none of those, and no
    clinical grounds coded or patients unsuitable, none reported."""
    over = {**SMALL, "population.response.never_share": 0.0, "population.informed_dissent_share": 0.0,
            "population.response.mean": 0.999999, "population.response.concentration": 1e9,
            "population.attendance.mean": 0.999999, "population.attendance.concentration": 1e9,
            "care.unsuitable_share": 0.0, "regime.params.clinical_exception_coding": 0.0,
            "regime.params.flu_declined_coding": 0.0}
    assert cached_run(QOF, over).tables["qof"]["exceptions"].sum() == 0


def test_discretionary_recording_records_less_of_what_is_delivered():
    """QOF points on recorded care are higher under QOF; opt-out's gap between delivered and recorded is wider."""
    q, o = (headline(cached_run(p, SMALL).tables).iloc[0] for p in (QOF, OPTOUT))
    assert q.qof_points_recorded_pct > o.qof_points_recorded_pct
    assert (o.qof_points_delivered_pct - o.qof_points_recorded_pct) > (q.qof_points_delivered_pct - q.qof_points_recorded_pct) + 5


def test_shared_staff_record_only_with_a_shared_record():
    """Federation staff's reviews are coded in the practice record only when the federation shares its record."""
    over = {**SMALL, "practices.list_size_mean": 3000}
    shared = cached_run(OPTOUT, over).tables["activity"]
    apart = cached_run(OPTOUT, {**over, "federation.shared_record": False}).tables["activity"]
    for act, recorded in ((shared, True), (apart, False)):
        sn = act[act.role == "specialist_nurse"]
        assert measure(sn, "reviews_delivered", ["year"]).sum() > 0
        assert (measure(sn, "reviews_recorded", ["year"]).sum() > 0) == recorded
