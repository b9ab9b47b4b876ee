"""The QOF arm is the 2014/15 contract: the indicator table, the 2013/14 variant, criterion A
through the year-end push, and the push chasing where the money is."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import QOF, SCENARIOS, SMALL, small
from sim.config import load_scenario
from sim.config.schema import IndicatorSpec
from sim.engine.clock import NEVER, year_end, year_start
from sim.experiment.runner import simulate_federation
from sim.model.desk import RecallDesk
from sim.model.policies.qof import QofRecall
from sim.model.qof.exceptions import A_INVITATIONS, Reason
from sim.model.qof.push import at_stake, most_valuable
from sim.model.recall import RecallState, Status
from test_qof import DM, ON_DAY, hand_practice, record, spec

# The 2014/15 indicators of the ten modelled registers as EVIDENCE.md Part 2 §1 reads them (with the
# §1c corrections): kind, look-back (months, the flu season, or months after diagnosis), thresholds, points.
CONTRACT_2014_15 = {
    "DM001": ("register", None, 0, 0, 6), "DM002": ("outcome", 12, 53, 93, 8), "DM003": ("outcome", 12, 38, 78, 10),
    "DM004": ("outcome", 12, 40, 75, 6), "DM005": ("process", 12, 45, 80, 3), "DM006": ("treatment", None, 57, 97, 3),
    "DM007": ("outcome", 12, 35, 75, 17), "DM008": ("outcome", 12, 43, 83, 8), "DM009": ("outcome", 12, 52, 92, 10),
    "DM010": ("process", "flu_season", 55, 95, 3), "DM012": ("process", 12, 50, 90, 4),
    "DM014": ("process", ("since_diagnosis", 9), 40, 90, 11),
    "HYP001": ("register", None, 0, 0, 6), "HYP006": ("outcome", 12, 40, 80, 20),
    "CHD001": ("register", None, 0, 0, 4), "CHD002": ("outcome", 12, 53, 93, 17), "CHD005": ("treatment", None, 56, 96, 7),
    "CHD006": ("treatment", None, 60, 100, 10), "CHD007": ("process", "flu_season", 56, 96, 7),
    "STIA001": ("register", None, 0, 0, 2), "STIA003": ("outcome", 12, 40, 80, 5), "STIA007": ("treatment", None, 57, 97, 4),
    "STIA010": ("process", "flu_season", 55, 95, 2),
    "COPD001": ("register", None, 0, 0, 5), "COPD002": ("process", ("since_diagnosis", 12), 45, 80, 5),
    "COPD003": ("process", 12, 50, 90, 9), "COPD004": ("process", 12, 40, 90, 7), "COPD005": ("process", 12, 40, 90, 5),
    "COPD007": ("process", "flu_season", 57, 97, 6),
    "AST001": ("register", None, 0, 0, 4), "AST002": ("process", ("since_diagnosis", 3), 45, 80, 15),
    "AST003": ("process", 12, 45, 70, 20), "AST004": ("process", 12, 45, 80, 6),
    "CKD001": ("register", None, 0, 0, 6), "CKD002": ("outcome", 12, 41, 81, 11), "CKD003": ("treatment", None, 45, 80, 9),
    "CKD004": ("process", 12, 45, 80, 6),
    "HF001": ("register", None, 0, 0, 4), "HF002": ("process", ("since_diagnosis", 3), 50, 90, 6),
    "HF003": ("treatment", None, 60, 100, 10), "HF004": ("treatment", None, 40, 65, 9),
    "AF001": ("register", None, 0, 0, 5), "AF003": ("process", 12, 40, 90, 10), "AF004": ("treatment", None, 40, 70, 6),
    "AF005": ("treatment", None, 50, 90, 6),
    "MH001": ("register", None, 0, 0, 4), "MH002": ("process", 12, 40, 90, 6), "MH003": ("process", 12, 50, 90, 4),
    "MH006": ("process", 12, 50, 90, 4), "MH007": ("process", 12, 50, 90, 4), "MH008": ("process", 60, 45, 80, 5),
}
RETIRED_APRIL_2014 = {"HYP005", "CHD003"}


def _window(s: IndicatorSpec) -> object:
    if s.window == "months":
        return s.window_months
    if s.window == "since_diagnosis":
        return ("since_diagnosis", s.window_months)
    return None if s.window == "none" else s.window


def test_2014_15_indicator_table_matches_the_scenario_file():
    """Official IDs, kinds, windows, thresholds and points of the baseline equal the 2014/15 contract."""
    indicators = load_scenario(SCENARIOS / "base.yaml").scenario.indicators
    paid = {s.id: (s.kind, _window(s), s.lower, s.upper, s.points) for s in indicators if s.id not in RETIRED_APRIL_2014}
    assert paid == CONTRACT_2014_15
    assert all(re.fullmatch(r"[A-Z]+\d{3}", s.id) for s in indicators)
    assert sum(s.points for s in indicators) == 370  # of 559; the rest are in areas the model has no register for
    assert {s.id for s in indicators if s.points == 0} == RETIRED_APRIL_2014


def test_qof2013_variant_pays_the_retired_indicators_and_changes_nothing_else():
    base = {s.id: s for s in load_scenario(SCENARIOS / "base.yaml").scenario.indicators}
    variant = {s.id: s for s in load_scenario(SCENARIOS / "qof2013_practice.yaml").scenario.indicators}
    assert base.keys() == variant.keys()
    for ident, s in variant.items():
        if ident in RETIRED_APRIL_2014:
            assert s.points > 0 and base[ident].points == 0
        else:
            assert s == base[ident], ident


def test_qof_table_indicator_column_carries_official_ids():
    from conftest import cached_run

    qof = cached_run(QOF, SMALL).tables["qof"]
    assert set(qof["indicator"]) == set(CONTRACT_2014_15) | RETIRED_APRIL_2014


# ------------------------------------------------------------ criterion A
def _non_response(invited_days: list[int], day: int, priority: bool, letters: int) -> SimpleNamespace:
    sc = load_scenario(QOF)
    policy = QofRecall(sc.policy_params, sc.scenario)
    recall = RecallState(1)
    recall.status[:] = Status.INVITED
    recall.priority[:] = priority
    recall.letters[:] = letters
    recall.cover[0, DM] = True
    recall.due[0, DM] = day
    recall.invited_days[0, : len(invited_days)] = invited_days
    practice = SimpleNamespace(recall=recall)
    return policy.after_no_response(practice, np.array([0]), day)


def test_push_does_not_except_without_three_invitations_in_twelve_months():
    """A push patient with only two invitations in 12 months is written to again, not excepted."""
    day = year_start(1) + 280
    out = _non_response([day - 14, day - 28], day, priority=True, letters=2)
    assert out.letter[0]
    assert not out.excepted[0].any()


def test_push_excepts_with_three_invitations_counting_earlier_cycles():
    """Earlier in-year letters count: two push letters after a cycle's letters months ago make criterion A."""
    day = year_start(1) + 300
    out = _non_response([day - 14, day - 28, day - 200], day, priority=True, letters=2)
    assert not out.letter[0]
    assert out.excepted[0, DM]


def test_invitations_older_than_twelve_months_do_not_count():
    day = year_start(1) + 363
    out = _non_response([day - 3, day - 17, day - 366], day, priority=True, letters=2)
    assert not out.excepted[0].any()
    assert not out.letter[0]  # too late for an answer to count this year: deferred, not excepted


def test_three_invitation_rule_holds_through_the_push(monkeypatch):
    """In a run with a year-end push and poor response, every criterion-A exception had three invitations in 12 months."""
    calls: list[tuple[int, int]] = []
    original = RecallDesk.except_

    def spy(self, ids, conditions, day, reason=Reason.A):
        if reason == Reason.A and len(ids):
            got = self.state.invitations_in_year(ids, day)
            assert (got >= A_INVITATIONS).all(), (day, got)
            calls.append((day, len(ids)))
        return original(self, ids, conditions, day, reason)

    monkeypatch.setattr(RecallDesk, "except_", spy)
    loaded = small(QOF, years=1, population__response__mean=0.35, population__response__never_share=0.1)
    simulate_federation(loaded, 0, 0)
    push_start = loaded.policy_params.year_end_push.start_day
    assert sum(n for d, n in calls) > 0
    assert any(d - year_start(0) >= push_start for d, _ in calls), "no exception during the push"


# ------------------------------------------------------------ the push
def test_push_ranks_patients_by_pounds_at_stake():
    value = np.array([5.0, 0.0, 20.0, 1.0, 20.0])
    candidates = np.array([True, True, True, True, False])
    assert list(most_valuable(value, candidates, 2)) == [0, 2]
    assert list(most_valuable(value, candidates, 10)) == [0, 2, 3]


def test_push_chases_missing_items_and_outcomes_above_target_by_money():
    """A patient above target on a heavily paid outcome indicator outranks one missing a lightly paid process item;
    patients already meeting both are not chased; indicators at their upper threshold are not chased."""
    specs = [
        spec(id="P", window=12, lower=0, upper=100, pts=2),
        spec(id="O", window=12, kind="outcome", item="lab", factor="hba1c", target=7.5, lower=0, upper=100, pts=20),
    ]
    practice = hand_practice(4, specs)
    care = practice.care
    for who in range(4):
        record(practice, who, ON_DAY - 20, 0)
        record(practice, who, ON_DAY - 20, 1)
        care.recorded_value[who, 1] = 7.0
    care.last_recorded[1, 0] = care.item_delivered[1, 0] = NEVER  # 1 misses the process item
    care.recorded_value[2, 1] = 8.4  # 2 is above target
    value, cover = at_stake(practice, ON_DAY)
    assert value[0] == 0 and value[3] == 0
    assert value[2] > value[1] > 0
    assert cover[1, DM] and cover[2, DM] and not cover[0].any()
    practice.care.recorded_value[2, 1] = 7.0  # now the outcome indicator is at 100%: nothing at stake there
    value, _ = at_stake(practice, ON_DAY)
    assert value[2] == 0 and value[1] > 0


def test_push_day_is_in_the_last_quarter():
    push = load_scenario(QOF).policy_params.year_end_push
    assert year_start(0) + push.start_day < year_end(0)
    assert push.invitations_per_1000 > 0
