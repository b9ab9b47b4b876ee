"""Reproducibility: a seed fixes every table; serial and process-pool runs agree bit
for bit; regimes share patients and history (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import OPTOUT, QOF, SCENARIOS, SMALL, cached_federation, cached_run, small
from sim.model.county import build_federation, federation_plan, list_sizes
from sim.config import load_scenario
from sim.experiment.runner import run_scenario, simulate_batch, simulate_federation

TABLES = ("practices", "snapshots", "activity", "waits", "qof", "patients", "patient_conditions", "gaps")

MULTI = {**SMALL, "practices.count": 4, "practices.federation_size": 2, "practices.list_size_mean": 1200}


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert set(a) == set(b) >= set(TABLES)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def test_same_seed_gives_identical_tables():
    """Two runs of one scenario with the same seed give identical tables."""
    first = run_scenario(small(QOF), workers=1, progress=False)
    second = cached_run(QOF, SMALL)
    assert_same_tables(first.tables, second.tables)


def test_different_seed_gives_different_results():
    """Changing the seed changes the patients and the outcomes."""
    base = cached_run(QOF, SMALL).tables
    other = run_scenario(small(QOF, seed=7), workers=1, progress=False).tables
    assert not base["patients"]["age"].equals(other["patients"]["age"])
    assert not base["snapshots"]["value"].equals(other["snapshots"]["value"])
    assert not base["activity"]["value"].equals(other["activity"]["value"])


def test_replications_differ_and_are_reproducible():
    """Replications of one scenario draw different patients; a replication alone equals itself in a batch."""
    loaded = small(QOF, years=1, practices__list_size_mean=800)
    both = run_scenario(loaded, replications=(0, 1), workers=1, progress=False).tables
    alone = run_scenario(loaded, replications=(1,), workers=1, progress=False).tables
    p = both["patients"]
    assert not p[p.replication == 0]["age"].reset_index(drop=True).equals(p[p.replication == 1]["age"].reset_index(drop=True))
    for name in ("patients", "snapshots", "activity"):
        t = both[name]
        pd.testing.assert_frame_equal(t[t.replication == 1].reset_index(drop=True), alone[name], check_exact=True, obj=name)


def test_serial_equals_process_pool():
    """A multi-federation scenario gives identical tables serially and on a two-process pool."""
    loaded = small(QOF, **{k.replace(".", "__"): v for k, v in MULTI.items()})
    assert len(federation_plan(loaded)) == 2
    serial = run_scenario(loaded, workers=1, progress=False)
    pooled = run_scenario(loaded, workers=2, progress=False)
    assert_same_tables(serial.tables, pooled.tables)
    assert serial.tables["practices"]["practice"].tolist() == [0, 1, 2, 3]


def test_population_does_not_depend_on_federation_grouping():
    """Practice p has the same patients whether federations hold 1, 2 or 4 practices."""
    pops = []
    for size in (1, 2, 4):
        loaded = small(QOF, practices__count=4, practices__federation_size=size, practices__list_size_mean=600)
        plan = federation_plan(loaded)
        fed_of = next(i for i, group in enumerate(plan) if 2 in group)
        fed = build_federation(loaded, 0, fed_of)
        pops.append(next(p for p in fed.practices if p.index == 2).pop)
    for other in pops[1:]:
        np.testing.assert_array_equal(pops[0].age, other.age)
        np.testing.assert_array_equal(pops[0].has, other.has)
        np.testing.assert_array_equal(pops[0].p_respond, other.p_respond)


def test_federation_plan_partitions_practices():
    """Every practice is in exactly one federation of at most federation_size practices."""
    loaded = small(QOF, practices__count=23, practices__federation_size=7)
    plan = federation_plan(loaded)
    assert sorted(i for group in plan for i in group) == list(range(23))
    assert all(1 <= len(group) <= 7 for group in plan)
    assert len(plan) == 4


def test_list_sizes_follow_mean_and_are_seeded():
    """Practice list sizes average list_size_mean and depend only on the seed."""
    loaded = small(QOF, practices__count=3000, practices__list_size_mean=7000)
    sizes = list_sizes(loaded)
    cv = loaded.scenario.practices.list_size_cv
    assert abs(sizes.mean() - 7000) < 4 * cv * 7000 / np.sqrt(3000)
    assert abs(sizes.std() / sizes.mean() - cv) < 0.05
    np.testing.assert_array_equal(sizes, list_sizes(loaded))
    assert not np.array_equal(sizes, list_sizes(small(QOF, practices__count=3000, practices__list_size_mean=7000, seed=1)))


# ------------------------------------------------------------------ common random numbers
def test_regimes_share_population_history_and_clinical_state():
    """Before the run, patients, their care history and their clinical state are identical under both regimes."""
    feds = []
    for path in (QOF, OPTOUT):
        loaded = small(path)
        feds.append(build_federation(loaded, 0, 0).practices[0])
    q, o = feds
    for name in ("age", "male", "latent", "has", "frailty", "p_respond", "p_attend", "dissent", "pid"):
        np.testing.assert_array_equal(getattr(q.pop, name), getattr(o.pop, name), err_msg=name)
    for name in ("last_delivered", "last_recorded", "measured_day", "measured_value", "recorded_value"):
        np.testing.assert_array_equal(getattr(q.care, name), getattr(o.care, name), err_msg=name)
    for name in ("u0", "drift", "steps", "peak", "tendency"):
        np.testing.assert_array_equal(getattr(q.clinical, name), getattr(o.clinical, name), err_msg=name)


def test_regimes_share_registers_until_care_can_differ():
    """Snapshot registers are identical under QOF and opt-out until the first health step (deaths, diagnoses, moves)."""
    step = small(QOF).scenario.clinical.step_days
    keys = ["day", "condition"]
    regs = []
    for path in (QOF, OPTOUT):
        snaps = cached_run(path, SMALL).tables["snapshots"]
        early = snaps[(snaps.measure == "register") & (snaps.day < step)]
        regs.append(early.set_index(keys)["value"])
    assert len(regs[0]) > 0 and regs[0].sum() > 0
    pd.testing.assert_series_equal(regs[0], regs[1])
    sizes = [cached_run(path, SMALL).tables["practices"]["list_size"].tolist() for path in (QOF, OPTOUT)]
    assert sizes[0] == sizes[1]


def test_moves_and_events_are_common_random_numbers():
    """Under QOF and opt-out, every patient of the starting list whom neither regime could review (never on a
    register) dies, leaves or stays identically: no row differs except through care."""
    over = {"years": 4, "practices.list_size_mean": 3000}
    q, o = (cached_federation(path, over).practices[0] for path in (QOF, OPTOUT))
    rows = np.arange(q.pop.size)
    changed = [~((p.pop.pid == rows) & p.pop.active) for p in (q, o)]
    assert changed[0].mean() > 0.1  # turnover happened
    ever = set(q.pop.pid[q.pop.has.any(axis=1)]) | set(o.pop.pid[o.pop.has.any(axis=1)])
    free = np.array([p for p in rows if p not in ever])
    assert len(free) > 0.5 * len(rows)
    alive = [np.isin(free, p.pop.pid[p.pop.active]) for p in (q, o)]
    assert (~alive[0]).sum() > 50  # deaths and moves among them happened
    np.testing.assert_array_equal(alive[0], alive[1])


def test_without_events_moves_are_common_random_numbers():
    """With no deaths or events, the same patients leave the list under both regimes."""
    from sim.config.clinical import EVENTS

    over = {"years": 4, "practices.list_size_mean": 3000, **{f"clinical.events.{e}.base_per_1000": 0 for e in EVENTS}}
    pids = [cached_federation(path, over).practices[0].pop.pid for path in (QOF, OPTOUT)]
    assert (pids[0] != np.arange(len(pids[0]))).mean() > 0.1
    np.testing.assert_array_equal(pids[0], pids[1])


def test_history_is_within_the_past_year():
    """Before the run each register condition was last reviewed within the past year; others never."""
    from sim.engine.clock import DAYS_PER_YEAR, NEVER

    loaded = small(QOF)
    p = build_federation(loaded, 0, 0).practices[0]
    last = p.care.last_delivered
    on = p.pop.has
    assert ((last[on] < 0) & (last[on] >= -DAYS_PER_YEAR)).all()
    assert (last[~on] == NEVER).all()




def test_a_practice_lives_the_same_whichever_practices_share_its_group(monkeypatch):
    """Grouping practices is a way of batching work, not part of the model: a federation run with every
    practice in a group of its own gives every practice exactly the same tables as one group of all of them."""
    import sim.model.county as county

    loaded = load_scenario(SCENARIOS / "somerset_county.yaml", {"years": 1, "measures.warmup_years": 1, "practices.count": 4,
                                                               "practices.list_size_mean": 1500})
    together = run_scenario(loaded, (0,), workers=1, progress=False)
    monkeypatch.setattr(county, "group_plan", lambda profiles: [[i] for i in range(len(profiles))])
    apart = run_scenario(loaded, (0,), workers=1, progress=False)
    assert together.tables["practices"].regime.nunique() == 2, "the county mixes regimes, so groups differ in regime too"
    for name, table in together.tables.items():
        if name == "gaps":  # summed over practices per regime: the same, whatever the order of addition
            pd.testing.assert_frame_equal(table, apart.tables[name], obj=name)
            continue
        keys = [c for c in ("practice", "year", "day", "measure", "role", "condition", "purpose", "indicator", "kind", "wait_days", "patient") if c in table]
        left = table.sort_values(keys).reset_index(drop=True) if keys else table
        right = apart.tables[name].sort_values(keys).reset_index(drop=True) if keys else apart.tables[name]
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


def test_federations_give_the_same_results_alone_or_in_a_batch():
    """Batching federations on one clock only shares the work: each federation's tables are those it
    gives when run alone (groups then span federations, and federation staff stay their own)."""
    loaded = load_scenario(SCENARIOS / "somerset_county.yaml", {"years": 1, "measures.warmup_years": 1, "practices.count": 7,
                                                               "practices.federation_size": 3, "practices.list_size_mean": 1200})
    assert len(federation_plan(loaded)) == 3
    alone = [simulate_federation(loaded, 0, f) for f in range(3)]
    batch = simulate_batch(loaded, 0, [0, 1, 2])
    assert all(len(b.model.groups) == 2 for b in batch) and max(len(g.practices) for g in batch[0].model.groups) > 3, "groups span the batch"
    assert all(a.model.shared and a.model.shared.keys() == b.model.shared.keys() for a, b in zip(alone, batch))
    for a, b in zip(alone, batch, strict=True):
        x, y = a.result.compact(), b.result.compact()
        for name in ("practices", "snapshots", "control", "activity", "outcomes", "quarterly_outcomes", "waits", "qof"):
            pd.testing.assert_frame_equal(getattr(x, name), getattr(y, name), check_exact=True, obj=name)
        for name in ("patients", "patient_conditions"):
            for column, values in getattr(x, name).items():
                np.testing.assert_array_equal(values, getattr(y, name)[column], err_msg=f"{name}.{column}")
        assert x.patient_years == y.patient_years and x.gap_days == y.gap_days
        for gap, other in zip(x.gaps, y.gaps, strict=True):
            assert gap.keys() == other.keys() and all(np.array_equal(gap[r], other[r]) for r in gap)
