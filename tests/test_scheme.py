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
from sim.model.population import generate
from sim.engine.streams import Streams
from sim.model.population import condition_intercepts
from sim.vocabulary import CONDITIONS

SOMERSET = SCENARIOS / "somerset_county.yaml"
RUN = {"years": 2, "practices.list_size_mean": 2500, "measures.warmup_years": 1}
DM = CONDITIONS.index("diabetes")


# ------------------------------------------------------------------ dissent
def test_opt_out_leaves_dissenters_alone():
    """Patients who dissent from recall get no invitation letters under the scheme either."""
    p = cached_federation(OPTOUT, {"years": 2, "practices.list_size_mean": 3000, "population.informed_dissent_share": 0.2}).practices[0]
    dissent = p.pop.dissent & p.pop.has.any(axis=1)
    assert dissent.sum() > 50
    assert (p.recall.letters_total[dissent] == 0).all()
    assert (p.recall.letters_total[~p.pop.dissent & p.pop.has.any(axis=1)] > 0).mean() > 0.5


# ------------------------------------------------------------------ mixed county
MIXED = {"years": 1, "practices.count": 10, "practices.federation_size": 5, "practices.list_size_mean": 700}


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
