"""Gaps measured fairly: against each regime's own plan and against fixed clinical thresholds,
over the whole measured period, after a warm-up that covers the longest review cycle."""

from __future__ import annotations

import pytest

from conftest import OPTOUT, QOF, SCENARIOS, SMALL, cached_run, small
from sim.cli import main
from sim.config import ScenarioError, load_scenario
from sim.engine.clock import months
from sim.experiment.warmup import check_warmup, longest_cycle_days
from sim.measures.summary import CLINICAL_THRESHOLDS, HEADLINES, headline

PLENTY = {
    **SMALL,
    "years": 2,
    "measures.warmup_years": 3,
    "staffing.minutes_per_fte_day.gp": 1e6,
    "staffing.minutes_per_fte_day.nurse": 1e6,
    "staffing.minutes_per_fte_day.hca": 1e6,
    "federation.staff.specialist_nurse.minutes_per_fte_day": 1e6,
    "federation.staff.care_coordinator.minutes_per_fte_day": 1e6,
    "population.attendance.mean": 0.999999,
    "population.attendance.concentration": 1e9,
    "population.response.mean": 0.999999,
    "population.response.concentration": 1e9,
    "population.response.never_share": 0.0,
    "population.informed_dissent_share": 0.0,
}
"""Unlimited minutes and (near-)certain response and attendance: every plan can be kept."""

EVERYONE_24 = {
    **PLENTY,
    "regime.params.interval_months": {"low": 24, "medium": 24, "high": 24},
    "regime.params.goals.more_support.share": 0.0,
    "regime.params.goals.fewer_reviews.share": 0.0,
    "regime.params.goals.self_management.share": 0.0,
}
"""Opt-out planning a 24-month interval for every patient outside its retained core (yearly)."""

SELF_MANAGING = {**PLENTY, "regime.params.goals.self_management.share": 0.5}
"""Half of opt-out's patients agree to self-manage conditions outside the retained core."""


def _gap_headlines(path, overrides) -> dict[str, float]:
    return headline(cached_run(path, overrides).tables).iloc[0].to_dict()


def test_planned_24_month_interval_is_no_headline_gap():
    """A regime that keeps its own 24-month plan has no headline gap; the fixed 15-month
    threshold (reported as the second view, not a headline) still counts those patients."""
    h = _gap_headlines(OPTOUT, EVERYONE_24)
    assert h["missed_plan_pct"] < 1.0 and h["missed_plan_final_year_pct"] < 1.0
    assert h["no_review_15m_pct"] > 20.0 and h["no_review_12m_pct"] > h["no_review_15m_pct"]
    assert not any(m.startswith("no_review_") for m in HEADLINES)
    assert all("fixed clinical threshold" in text for text in CLINICAL_THRESHOLDS.values())


def test_agreed_self_management_is_no_missed_plan():
    """Conditions a patient agreed to manage themselves are not reviewed, by plan: not a missed plan."""
    h = _gap_headlines(OPTOUT, SELF_MANAGING)
    assert h["missed_plan_pct"] < 1.0
    assert h["no_review_24m_pct"] > 5.0


def test_qof_own_plan_matches_its_15_month_window():
    """QOF plans 12 months; with 3 months' grace its own-plan view is (nearly) the 15-month threshold.
    Opt-out's longer planned intervals make the threshold view far exceed its own-plan view."""
    qof, opt = (_gap_headlines(p, SMALL) for p in (QOF, OPTOUT))
    assert qof["missed_plan_pct"] == pytest.approx(qof["no_review_15m_pct"], abs=1.5)
    assert opt["no_review_15m_pct"] > opt["missed_plan_pct"] + 5.0


def test_deferring_a_non_responder_does_not_hide_a_missed_plan():
    """Opt-out re-plans non-responders a full interval later (``due`` moves); nobody answers a
    letter and nothing else brings them in, so once the first plan has passed everyone has missed it."""
    silent = {
        **SMALL, "years": 4, "population.response.never_share": 1.0, "regime.params.coordinator.success": 0.0,
        "regime.params.opportunistic_probability": 0.0, "regime.params.shared_record_opportunistic_probability": 0.0,
    }
    h = _gap_headlines(OPTOUT, silent)
    assert h["missed_plan_final_year_pct"] > 85.0  # counting against `due` instead gives under 1%


def test_gap_shares_average_the_whole_measured_period():
    """Opt-out started in step oscillates without a warm-up: the whole-period average is the
    mean of the yearly shares, and the final year alone differs from it."""
    tables = cached_run(OPTOUT, {**SMALL, "years": 3}).tables
    snaps = tables["snapshots"]
    h = headline(tables).iloc[0]
    yearly = snaps.groupby(["year", "measure"])["value"].sum().unstack()
    shares = 100 * yearly["no_review_24m"] / yearly["register"]
    assert h["no_review_24m_final_year_pct"] == pytest.approx(shares.iloc[-1])
    assert min(shares) <= h["no_review_24m_pct"] <= max(shares)
    assert h["no_review_24m_pct"] != pytest.approx(h["no_review_24m_final_year_pct"], abs=0.5)


# ------------------------------------------------------------------ warm-up
def test_regimes_state_their_longest_cycle():
    """QOF's cycle is its recall interval; opt-out's is its longest tier interval, stretched for
    patients whose goal is fewer reviews; a county whose practices join a scheme has the scheme's."""
    assert longest_cycle_days(small(QOF)) == months(12)
    opt = small(OPTOUT)
    factor = opt.policy_params.goals["fewer_reviews"].interval_factor
    assert longest_cycle_days(opt) == int(months(max(opt.policy_params.interval_months.values())) * factor)
    assert longest_cycle_days(small(OPTOUT, regime__params__goals__fewer_reviews__interval_factor=1.0)) == months(24)
    county = load_scenario(SCENARIOS / "somerset_county.yaml")
    assert longest_cycle_days(county) == longest_cycle_days(load_scenario(OPTOUT)) > months(12)


def test_short_warmup_is_refused_naming_the_cycle():
    with pytest.raises(ScenarioError, match=r"optout_practice's 36 months \(1095 days\).*--warmup-years 3"):
        check_warmup([small(QOF, measures__warmup_years=2), small(OPTOUT, measures__warmup_years=2)])
    with pytest.raises(ScenarioError, match="differ"):
        check_warmup([small(QOF, measures__warmup_years=3), small(OPTOUT, measures__warmup_years=4)])
    check_warmup([small(QOF, measures__warmup_years=3), small(OPTOUT, measures__warmup_years=3)])
    check_warmup([small(QOF, measures__warmup_years=1)])


def test_cli_refuses_short_warmup_with_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "results"
    code = main(["compare", str(QOF), str(OPTOUT), "--warmup-years", "1", "--out", str(out), "--name", "x", "-q"])
    assert code == 2
    assert "longest review cycle" in capsys.readouterr().err
    assert not out.exists()
