"""The Somerset scheme as practised, a mixed county, and deprivation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import OPTOUT, QOF, SCENARIOS, cached_federation, cached_run, small
from sim.config import load_scenario
from sim.measures.groups import headline_by
from sim.measures.summary import headline
from sim.model.county import build_federation, practice_profiles, practice_scenario
from sim.model.policies.careplan import NO_GOAL
from sim.model.population import generate
from sim.engine.streams import Streams
from sim.model.population import condition_intercepts
from sim.vocabulary import CONDITIONS

SOMERSET = SCENARIOS / "somerset_county.yaml"
RUN = {"years": 2, "practices.list_size_mean": 2500, "measures.warmup_years": 1}
DM = CONDITIONS.index("diabetes")


# ------------------------------------------------------------------ retained core
def _diabetes_record(core: list[str]) -> tuple[float, float]:
    """Recorded share of the diabetes indicators' denominators, and diabetes patients overdue, %."""
    run = cached_run(OPTOUT, {**RUN, "regime.params.retained_core.conditions": core})
    qof = run.tables["qof"]
    dm = qof[qof.condition == "diabetes"]
    recorded = dm.numerator_recorded.sum() / dm.denominator.sum()
    snaps = run.tables["snapshots"]
    last = snaps[(snaps.condition == "diabetes") & (snaps.year == snaps.year.max())]
    overdue = last[last.measure == "overdue"].value.sum() / last[last.measure == "register"].value.sum()
    return recorded, 100 * overdue


def test_retained_core_keeps_diabetes_recalled_and_recorded():
    """With diabetes in the retained core, more of its indicators are recorded and fewer patients are overdue."""
    kept_recorded, kept_overdue = _diabetes_record(["diabetes", "smi"])
    lost_recorded, lost_overdue = _diabetes_record(["smi"])
    assert kept_recorded > lost_recorded + 0.05
    assert kept_overdue < lost_overdue


def test_core_patients_are_planned_at_least_yearly():
    fed = build_federation(small(OPTOUT), 0, 0)
    p = fed.practices[0]
    policy = p.policy
    policy.start(p, np.arange(p.pop.size), 0)
    ids = np.flatnonzero(p.pop.has[:, DM])
    assert (policy.interval(p, ids, 0) <= 366).all()


# ------------------------------------------------------------------ goals
def test_goals_shorten_and_lengthen_intervals():
    """A patient's agreed goal scales their need tier's interval, in both directions."""
    fed = build_federation(small(OPTOUT, regime__params__retained_core__conditions=[]), 0, 0)
    p = fed.practices[0]
    policy = p.policy
    policy.start(p, np.arange(p.pop.size), 0)
    ids = np.flatnonzero(p.pop.has.any(axis=1))
    names = list(policy.params.goals)
    policy._goal[ids] = NO_GOAL
    plain = policy.interval(p, ids, 0).astype(float)
    for name in ("more_support", "fewer_reviews"):
        policy._goal[ids] = names.index(name)
        factor = policy.params.goals[name].interval_factor
        np.testing.assert_allclose(policy.interval(p, ids, 0), np.floor(plain * factor), atol=1)
    assert policy.params.goals["more_support"].interval_factor < 1 < policy.params.goals["fewer_reviews"].interval_factor


def test_goals_change_how_often_patients_are_reviewed():
    """Everyone wanting closer support gets more reviews than everyone wanting fewer."""
    none = {"regime.params.goals.more_support.share": 0.0, "regime.params.goals.fewer_reviews.share": 0.0,
            "regime.params.goals.self_management.share": 0.0}
    more = headline(cached_run(OPTOUT, {**RUN, **none, "regime.params.goals.more_support.share": 1.0}).tables).iloc[0]
    fewer = headline(cached_run(OPTOUT, {**RUN, **none, "regime.params.goals.fewer_reviews.share": 1.0}).tables).iloc[0]
    assert more["reviews_delivered_per_1000_register"] > 1.2 * fewer["reviews_delivered_per_1000_register"]


def test_self_management_plan_covers_only_the_core():
    fed = build_federation(small(OPTOUT), 0, 0)
    p = fed.practices[0]
    policy = p.policy
    policy.start(p, np.arange(p.pop.size), 0)
    both = np.flatnonzero(p.pop.has[:, DM] & p.pop.has[:, CONDITIONS.index("hypertension")])
    policy._goal[both] = list(policy.params.goals).index("self_management")
    cover = policy.plan_covers(p, both)
    assert cover[:, DM].all() and not cover[:, CONDITIONS.index("hypertension")].any()


def test_goals_cannot_exceed_everyone():
    from sim.config import ScenarioError

    with pytest.raises(ScenarioError, match="goal shares"):
        small(OPTOUT, regime__params__goals__fewer_reviews__share=0.9, regime__params__goals__more_support__share=0.5)


# ------------------------------------------------------------------ dissent
def test_opt_out_leaves_dissenters_alone():
    """Patients who dissent from recall get no invitation letters under the scheme either."""
    p = cached_federation(OPTOUT, {"years": 2, "practices.list_size_mean": 3000, "population.informed_dissent_share": 0.2}).practices[0]
    dissent = p.pop.dissent & p.pop.has.any(axis=1)
    assert dissent.sum() > 50
    assert (p.recall.letters_total[dissent] == 0).all()
    assert (p.recall.letters_total[~p.pop.dissent & p.pop.has.any(axis=1)] > 0).mean() > 0.5


# ------------------------------------------------------------------ mixed county
MIXED = {"years": 1, "practices.count": 10, "practices.federation_size": 5, "practices.list_size_mean": 700, "measures.warmup_years": 0}


def test_mixed_county_holds_both_regimes_in_one_run():
    run = cached_run(SOMERSET, MIXED)
    practices = run.tables["practices"]
    regimes = practices.set_index("practice")["regime"]
    assert (regimes == "careplan").sum() == 8 and (regimes == "qof").sum() == 2
    for name in ("snapshots", "control", "activity", "outcomes", "waits", "qof", "patients", "patient_conditions"):
        table = run.tables[name]
        own = table[table.practice >= 0]
        assert "regime" in table.columns, name
        pd.testing.assert_series_equal(own.regime.reset_index(drop=True), own.practice.map(regimes).reset_index(drop=True), check_names=False)


def test_scheme_membership_is_drawn_from_the_seed_and_selectable():
    loaded = load_scenario(SOMERSET, {"practices.count": 20})
    members = [p.scheme for p in practice_profiles(loaded)]
    assert members == [p.scheme for p in practice_profiles(loaded)] and sum(members) == 16
    other = [p.scheme for p in practice_profiles(load_scenario(SOMERSET, {"practices.count": 20, "seed": 5}))]
    assert other != members
    largest = practice_profiles(load_scenario(SOMERSET, {"practices.count": 20, "scheme.selection": "largest", "scheme.share": 0.25}))
    sizes = sorted((p.list_size for p in largest), reverse=True)
    assert sorted((p.list_size for p in largest if p.scheme), reverse=True) == sizes[:5]


def test_headline_splits_by_regime_and_quintile():
    run = cached_run(SOMERSET, MIXED)
    by_regime = headline_by(run.tables, "regime")
    assert set(by_regime.regime) == {"qof", "careplan"}
    qof, careplan = (by_regime[by_regime.regime == r].iloc[0] for r in ("qof", "careplan"))
    assert qof["exceptions_pct"] > 0 and careplan["exceptions_pct"] == 0
    by_quintile = headline_by(run.tables, "deprivation_quintile")
    assert sorted(by_quintile.deprivation_quintile) == [1, 2, 3, 4, 5]


def test_practices_can_switch_to_the_scheme_mid_run():
    """Members follow QOF before ``start_year`` and the scheme from it."""
    run = cached_run(SOMERSET, {**MIXED, "years": 2, "scheme.start_year": 1})
    act = run.tables["activity"]
    member = run.tables["practices"].query("regime == 'careplan'").practice
    rows = act[act.practice.isin(member)]
    assert set(rows[rows.year == 0].regime) == {"qof"} and set(rows[rows.year == 1].regime) == {"careplan"}
    excepted = rows[rows.measure == "exceptions"].groupby("year").value.sum()
    assert excepted.get(0, 0) > 0 and excepted.get(1, 0) == 0


# ------------------------------------------------------------------ deprivation
def test_deprivation_moves_prevalence_response_and_dissent():
    loaded = small(QOF)
    least, most = practice_scenario(loaded, 1).population, practice_scenario(loaded, 5).population
    assert most.conditions["diabetes"].prevalence > least.conditions["diabetes"].prevalence
    assert most.conditions["chd"].prevalence > least.conditions["chd"].prevalence
    assert most.response.mean < least.response.mean
    assert most.informed_dissent_share > least.informed_dissent_share
    pops = [generate(s, 20_000, Streams(1, 0, 0)["population"], condition_intercepts(s)) for s in (least, most)]
    assert pops[1].has[:, DM].mean() > pops[0].has[:, DM].mean() * 1.15
    assert pops[1].p_respond.mean() < pops[0].p_respond.mean()


def test_more_deprived_practices_except_more_patients():
    rows = [headline(cached_run(QOF, {**RUN, "deprivation.quintile": q}).tables).iloc[0] for q in (1, 5)]
    assert rows[1]["exceptions_pct"] > rows[0]["exceptions_pct"]


# ------------------------------------------------------------------ admin time of the scheme
def _admin(path, overrides: dict) -> pd.DataFrame:
    act = cached_run(path, {**RUN, **overrides}).tables["activity"]
    return act[act.measure == "admin_minutes"].groupby(["year", "purpose", "role"]).value.sum()


def test_quarterly_reporting_is_counted_as_administrative_time():
    scheme, qof = _admin(OPTOUT, {}), _admin(QOF, {})
    report = scheme.xs("quarterly_report", level="purpose")
    assert report.xs("manager", level="role").tolist() == [4 * 240.0] * 2, "four returns a year, each 240 manager minutes"
    assert "quarterly_report" not in qof.index.get_level_values("purpose")
    assert {"federation_meeting", "mdt_meeting"} <= set(scheme.index.get_level_values("purpose"))
    scheduled = load_scenario(OPTOUT).policy_params.admin.model_dump(mode="json")["scheduled"]
    scheduled[0]["minutes"]["manager"] = 480
    doubled = _admin(OPTOUT, {"regime.params.admin.scheduled": scheduled})
    assert doubled.xs("quarterly_report", level="purpose").xs("manager", level="role").tolist() == [4 * 480.0] * 2
