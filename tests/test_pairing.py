"""Pairing that holds: a patient whose care did not change lives the same life in both arms.

Draws about a person are keyed to the person, never consumed in amounts that
depend on who else died, was diagnosed or was reviewed; the k-th new registrant is
the same person under every regime.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sim.model.clinical.health as health
from conftest import OPTOUT, QOF
from sim.config import load_scenario
from sim.config.clinical import EVENTS, FACTORS
from sim.engine import hashing
from sim.engine.streams import PersonDraws, Streams
from sim.experiment.runner import simulate_federation
from sim.model.county import build_federation
from sim.model.practice import Practice
from sim.vocabulary import CONDITIONS

PAIRED = {"years": 3, "practices.list_size_mean": 2500}
AMPLE = {
    **PAIRED,
    # minutes to spare, so one patient's care never takes another's appointment
    "staffing.minutes_per_fte_day.gp": 1e6,
    "staffing.minutes_per_fte_day.nurse": 1e6,
    "staffing.minutes_per_fte_day.hca": 1e6,
    "regime.params.year_end_push": None,
}
DIABETES = CONDITIONS.index("diabetes")


def _run(path, overrides: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[int, list]]:
    """Simulate one practice and log every event and diagnosis as ``pid -> [(day, what), ...]``."""
    log: dict[int, list[tuple[int, str]]] = defaultdict(list)
    apply, diagnose = health.HealthModel._apply_events, Practice.diagnose

    def spy_events(model, pop, keeper, ids, happened, *rest):
        day = next(r for r in rest if isinstance(r, (int, np.integer)))
        for row, j in zip(*np.nonzero(happened)):
            log[int(pop.pid[ids[row]])].append((day, EVENTS[j]))
        return apply(model, pop, keeper, ids, happened, *rest)

    def spy_diagnose(practice, ids, k, day):
        for pid in practice.pop.pid[ids]:
            log[int(pid)].append((day, f"diagnosed {CONDITIONS[k]}"))
        return diagnose(practice, ids, k, day)

    with monkeypatch.context() as m:
        m.setattr(health.HealthModel, "_apply_events", spy_events)
        m.setattr(Practice, "diagnose", spy_diagnose)
        fed = simulate_federation(load_scenario(path, overrides), 0, 0)
    return fed, log


def _clinical(fed) -> dict[str, pd.DataFrame]:
    """Everything clinical a run reports: outcomes, true control, the patients' registers."""
    p = fed.practices[0]
    out = {"outcomes": pd.DataFrame(fed.result.outcomes)}
    out["control"] = pd.DataFrame(fed.result.control).drop(columns=["controlled_recorded"])
    out["alive"] = pd.DataFrame({"pid": p.pop.pid, "active": p.pop.active, **{c: p.pop.has[:, k] for k, c in enumerate(CONDITIONS)}})
    return out


@pytest.mark.parametrize(("path", "regime_overrides"), [(OPTOUT, {}), (QOF, {"regime.params.year_end_push": None})])
def test_recording_only_change_leaves_clinical_outcomes_identical(path, regime_overrides, monkeypatch):
    """Halving what is coded, in a regime with no push, changes no event, death, diagnosis or level."""
    base = {**PAIRED, **regime_overrides}
    recording = load_scenario(path, base).scenario.regime.params["recording"]
    halved = {**base, "regime.params.recording": {k: v / 2 for k, v in recording.items()}}
    (a, log_a), (b, log_b) = _run(path, base, monkeypatch), _run(path, halved, monkeypatch)
    assert sum(len(v) for v in log_a.values()) > 50
    assert log_a == log_b
    for name, table in _clinical(a).items():
        pd.testing.assert_frame_equal(table, _clinical(b)[name], check_exact=True, obj=name)
    qa, qb = pd.DataFrame(a.result.qof), pd.DataFrame(b.result.qof)
    assert qb["points_recorded"].sum() < qa["points_recorded"].sum()  # the change did change the record


def test_one_register_care_change_leaves_other_patients_events_identical(monkeypatch):
    """Treating diabetes differently changes no event of a patient who never had diabetes."""
    changed = {**AMPLE, "clinical.factors.hba1c.intensify_probability": 0.9}
    # ever diabetic: at the start, on joining or diagnosed later (a dead patient's row is refilled,
    # so the end-of-run registers miss those who died)
    start = build_federation(load_scenario(QOF, AMPLE), 0, 0).practices[0].pop
    ever_diabetic = set(start.pid[start.has[:, DIABETES]])
    register_new = Practice.register_new

    def spy_joining(practice, rows, day):
        register_new(practice, rows, day)
        ever_diabetic.update(practice.pop.pid[rows][practice.pop.has[rows, DIABETES]].tolist())

    monkeypatch.setattr(Practice, "register_new", spy_joining)
    (a, log_a), (b, log_b) = _run(QOF, AMPLE, monkeypatch), _run(QOF, changed, monkeypatch)
    pa, pb = a.practices[0], b.practices[0]
    diagnosed = {p for log in (log_a, log_b) for p, what in log.items() if any(w == "diagnosed diabetes" for _, w in what)}
    diabetic_a = ever_diabetic | diagnosed | set(pa.pop.pid[pa.pop.has[:, DIABETES]])
    diabetic_b = set(pb.pop.pid[pb.pop.has[:, DIABETES]])
    # same joining day in both arms (a registrant who took a different death's place joined at another step)
    joined_a = dict(zip(pa.pop.pid, pa.care.registered))
    joined_b = dict(zip(pb.pop.pid, pb.care.registered))
    everyone = set(log_a) | set(log_b)
    others = {p for p in everyone - diabetic_a - diabetic_b if joined_a.get(p, 0) == joined_b.get(p, 0)}
    assert len(others) > 100
    assert {p: log_a.get(p) for p in others} == {p: log_b.get(p) for p in others}
    hba1c = FACTORS.index("hba1c")
    same_rows = pa.pop.pid == pb.pop.pid
    assert (pa.clinical.steps[same_rows, hba1c] != pb.clinical.steps[same_rows, hba1c]).sum() > 10, "diabetes care did not change"


def test_patients_without_a_register_live_the_same_life_under_both_regimes(monkeypatch):
    """QOF and opt-out review nobody without a long-term condition: their events and moves are identical."""
    (q, log_q), (o, log_o) = _run(QOF, PAIRED, monkeypatch), _run(OPTOUT, PAIRED, monkeypatch)
    pq, po = q.practices[0], o.practices[0]
    # patients of the starting list never on a register in either arm
    start = build_federation(load_scenario(QOF, PAIRED), 0, 0).practices[0].pop
    diagnosed = {p for log in (log_q, log_o) for p, what in log.items() if any(w.startswith("diagnosed") for _, w in what)}
    free = [p for p in np.flatnonzero(~start.has.any(axis=1)) if p not in diagnosed]
    assert len(free) > 500
    assert {p: log_q.get(p) for p in free} == {p: log_o.get(p) for p in free}
    alive_q, alive_o = set(pq.pop.pid[pq.pop.active]), set(po.pop.pid[po.pop.active])
    assert {p for p in free if p in alive_q} == {p for p in free if p in alive_o}


def test_registrants_are_the_same_people_whoever_died():
    """The k-th person to join is the same person under QOF and opt-out, even when other deaths made room
    for them at another time and in another row."""
    more_deaths = {**PAIRED, "clinical.events.death.base_per_1000": 14}
    q, o = (simulate_federation(load_scenario(path, over), 0, 0).practices[0] for path, over in ((QOF, PAIRED), (OPTOUT, more_deaths)))
    start = q.pop.size
    both = np.intersect1d(q.pop.pid[q.pop.pid >= start], o.pop.pid[o.pop.pid >= start])
    assert len(both) > 100
    rq = np.searchsorted(q.pop.pid, both, sorter=np.argsort(q.pop.pid))
    ro = np.searchsorted(o.pop.pid, both, sorter=np.argsort(o.pop.pid))
    rq, ro = np.argsort(q.pop.pid)[rq], np.argsort(o.pop.pid)[ro]
    for name in ("male", "latent", "p_respond", "p_attend", "dissent"):
        np.testing.assert_array_equal(getattr(q.pop, name)[rq], getattr(o.pop, name)[ro], err_msg=name)
    joining_age = [p.pop.age[r] + p.care.registered[r] / 365 for p, r in ((q, rq), (o, ro))]
    np.testing.assert_allclose(*joining_age, rtol=1e-12)
    for name in ("drift", "tendency"):  # clinical traits no review changes
        np.testing.assert_array_equal(getattr(q.clinical, name)[rq], getattr(o.clinical, name)[ro], err_msg=name)
    assert (q.care.registered[rq] != o.care.registered[ro]).any() and (rq != ro).any(), "nothing tested"


# ------------------------------------------------------------------ keyed draws
def test_person_draws_do_not_depend_on_who_else_is_drawn():
    """A person's numbers are the same alone, in a crowd, or in another order."""
    streams = Streams(11, 2, 3)
    crowd = streams.for_people("x", np.arange(1000), occasion=91)
    alone = streams.for_people("x", np.array([417, 3]), occasion=91)
    first = crowd.random((1000, 3))
    np.testing.assert_array_equal(alone.random((2, 3)), first[[417, 3]])
    np.testing.assert_array_equal(alone.standard_normal(2), crowd.standard_normal(1000)[[417, 3]])
    other_day = streams.for_people("x", np.arange(1000), occasion=182).random((1000, 3))
    assert np.abs(np.corrcoef(first[:, 0], other_day[:, 0])[0, 1]) < 0.1


def test_person_draws_are_uniform_and_independent():
    """Keyed uniforms have the moments of U(0, 1), and neighbouring people, draws and streams are uncorrelated."""
    streams = Streams(1, 0, 0)
    u = streams.for_people("y", np.arange(200_000), occasion=7).random((200_000, 2))
    v = streams.for_people("z", np.arange(200_000), occasion=7).random(200_000)
    se = 1 / np.sqrt(12 * 200_000)
    assert abs(u.mean() - 0.5) < 4 * se
    assert abs(u.var() - 1 / 12) < 0.002
    assert np.histogram(u[:, 0], bins=10, range=(0, 1))[0].min() > 19_000
    for x, y in ((u[:, 0], u[:, 1]), (u[:-1, 0], u[1:, 0]), (u[:, 0], v)):
        assert abs(np.corrcoef(x, y)[0, 1]) < 4 / np.sqrt(200_000)


def test_person_draws_follow_their_distributions():
    """Inversion gives the moments of each distribution."""
    n = 200_000
    draws = Streams(3, 0, 0).for_people("d", np.arange(n))
    pois, gam, beta = draws.poisson(1.5, n), draws.gamma(2.0, 0.5, n), draws.beta(6.4, 1.6, n)
    assert abs(pois.mean() - 1.5) < 0.02 and abs(pois.var() - 1.5) < 0.05
    assert abs(gam.mean() - 1.0) < 0.01 and abs(gam.var() - 0.5) < 0.02
    assert abs(beta.mean() - 0.8) < 0.002 and abs(beta.var() - 0.8 * 0.2 / 9) < 0.001


def _splitmix(z: int) -> int:
    mask = (1 << 64) - 1
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & mask
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & mask
    return z ^ (z >> 31)


def test_person_draws_are_the_documented_hash_however_the_call_is_made():
    """Each uniform is SplitMix64 of (stream key, person, occasion, column), worked out here in plain
    integers: the same bits whether the occasion is one number or one per person, and whether a
    person's columns are taken in one call or several (the draws' shortcuts change no number)."""
    golden, mask, key = 0x9E3779B97F4A7C15, (1 << 64) - 1, 0x1234_5678_9ABC_DEF0
    pids, occasion = np.array([0, 5, 417, 2**40 + 3], dtype=np.int64), 91

    def expected(pid: int, column: int) -> float:
        base = _splitmix(_splitmix(((pid * golden) & mask) ^ key) ^ _splitmix((occasion + golden) & mask))
        z = _splitmix(base ^ _splitmix(((column + 1) * golden) & mask))
        return (float(z >> 11) + 0.5) * 2.0**-53

    want = np.array([[expected(int(p), c) for c in range(3)] for p in pids])
    one_occasion = PersonDraws(np.uint64(key), pids, occasion)
    np.testing.assert_array_equal(np.column_stack([one_occasion.random((4, 2)), one_occasion.random(4)]), want)
    per_person = PersonDraws(np.uint64(key), pids, np.full(4, occasion))
    np.testing.assert_array_equal(per_person.random((4, 3)), want)
    people, slots = PersonDraws(np.uint64(key), pids, occasion).words(3)  # what compiled model code hashes
    np.testing.assert_array_equal([[hashing.uniform(b, s) for s in slots] for b in people], want)
