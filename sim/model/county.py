"""A county's practices: list sizes, deprivation, scheme membership, federations; building one federation.

Everything about a practice that is fixed before the run (its list size, its
deprivation quintile, whether it joins the scheme) is drawn from county-level
streams of the seed, so it is the same in every replication and every scenario
with that seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import simpy

from sim.config import LoadedScenario
from sim.config.schema import PopulationSpec, Scenario
from sim.engine.clock import year_start
from sim.engine.capacity import AppointmentBook
from sim.engine.streams import Streams, person_id
from sim.model.clinical.effects import TrueEffects
from sim.model.population import condition_intercepts, generate
from sim.model.group import PracticeGroup
from sim.model.practice import Practice
from sim.vocabulary import PRACTICE_ROLES

T = TypeVar("T")

COUNTY_UNIT = 2**31 - 1
"""Stream unit for county-level draws (practice list sizes), apart from every practice."""

GROUP_UNIT = 2**30
"""Stream units of groups of practices (plus the group's first practice), apart from every practice."""


def list_sizes(loaded: LoadedScenario) -> np.ndarray:
    """Registered list size of every practice: fixed by the seed, the same in every replication."""
    spec = loaded.scenario.practices
    rng = Streams(loaded.scenario.seed, 0, COUNTY_UNIT)["list_sizes"]
    if spec.count == 1 or spec.list_size_cv == 0:
        return np.full(spec.count, spec.list_size_mean, dtype=np.int64)
    sigma = np.sqrt(np.log1p(spec.list_size_cv**2))
    sizes = rng.lognormal(np.log(spec.list_size_mean) - sigma**2 / 2, sigma, spec.count)
    return np.maximum(np.round(sizes), 500).astype(np.int64)


def federation_plan(loaded: LoadedScenario) -> list[list[int]]:
    """Practice indices of each federation, in consecutive groups."""
    spec = loaded.scenario.practices
    ids = list(range(spec.count))
    return [ids[i : i + spec.federation_size] for i in range(0, spec.count, spec.federation_size)]


@dataclass(frozen=True)
class PracticeProfile:
    """What is fixed about a practice before the run."""

    index: int
    list_size: int
    quintile: int
    """Deprivation quintile, 1 least to 5 most deprived."""
    scheme: bool
    """Whether the practice joins the scheme (from ``scheme.start_year``)."""


def deprivation_quintiles(loaded: LoadedScenario) -> np.ndarray:
    """Each practice's quintile: fixed, or spread evenly over quintiles in an order drawn from the seed."""
    sc = loaded.scenario
    count = sc.practices.count
    if sc.deprivation.quintile != "spread":
        return np.full(count, sc.deprivation.quintile, dtype=np.int64)
    rng = Streams(sc.seed, 0, COUNTY_UNIT)["deprivation"]
    return rng.permutation(np.arange(count) % 5 + 1)


def scheme_members(loaded: LoadedScenario, sizes: np.ndarray, quintiles: np.ndarray) -> np.ndarray:
    """Which practices join the scheme: ``round(share * count)`` of them, chosen by ``selection``."""
    sc = loaded.scenario
    count = sc.practices.count
    member = np.zeros(count, dtype=bool)
    if sc.scheme is None:
        return member
    n = int(round(sc.scheme.share * count))
    tiebreak = Streams(sc.seed, 0, COUNTY_UNIT)["scheme"].permutation(count)
    return choose_members(sc.scheme.selection, n, sizes, quintiles, tiebreak)


def choose_members(selection: str, n: int, sizes: np.ndarray, quintiles: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """The ``n`` practices a ``selection`` rule picks, ties (and ``random``) broken by the order ``tiebreak``."""
    key = {
        "random": tiebreak,
        "largest": -sizes,
        "smallest": sizes,
        "most_deprived": -quintiles,
        "least_deprived": quintiles,
    }[selection]
    member = np.zeros(len(sizes), dtype=bool)
    member[np.lexsort((tiebreak, key))[:n]] = True
    return member


def practice_profiles(loaded: LoadedScenario) -> list[PracticeProfile]:
    sizes = list_sizes(loaded)
    quintiles = deprivation_quintiles(loaded)
    members = scheme_members(loaded, sizes, quintiles)
    return [PracticeProfile(i, int(sizes[i]), int(quintiles[i]), bool(members[i])) for i in range(len(sizes))]


def practice_scenario(loaded: LoadedScenario, quintile: int) -> Scenario:
    """The scenario as a practice in ``quintile`` sees it: prevalence, response and dissent shifted."""
    return _memo(_VARIANTS, loaded.scenario, quintile, lambda: _practice_scenario(loaded.scenario, quintile))


_VARIANTS: dict[tuple[int, object], tuple[object, object]] = {}
"""Per-quintile variants of a scenario."""

_INTERCEPTS: dict[tuple[int, object], tuple[object, object]] = {}
"""Register intercepts of each population."""


def _memo(table: dict[tuple[int, object], tuple[object, object]], owner: object, key: object, make: Callable[[], T]) -> T:
    """``make()`` once per (``owner``, ``key``). Pydantic objects holding dicts cannot be hashed,
    so entries are keyed by the owner's id and keep the owner alive so the id is not reused;
    long-lived sweep workers see many scenarios, so the table is emptied past 256 entries."""
    if len(table) > 256:
        table.clear()
    slot = (id(owner), key)
    if slot not in table:
        table[slot] = (owner, make())
    return table[slot][1]  # type: ignore[return-value]


def _practice_scenario(sc: Scenario, quintile: int) -> Scenario:
    dep = sc.deprivation
    if quintile == 3:
        return sc
    pop = sc.population
    conditions = {
        c: spec.model_copy(update={"prevalence": min(spec.prevalence * dep.multiplier(dep.prevalence_ratio[c], quintile), 0.95)})
        for c, spec in pop.conditions.items()
    }
    response = pop.response.model_copy(update={"mean": min(pop.response.mean * dep.multiplier(dep.response_ratio, quintile), 0.999)})
    dissent = min(pop.informed_dissent_share * dep.multiplier(dep.dissent_ratio, quintile), 1.0)
    population = pop.model_copy(update={"conditions": conditions, "response": response, "informed_dissent_share": dissent})
    return sc.model_copy(update={"population": population})


@dataclass
class FederationModel:
    """The practices of one federation and its shared staff, on a SimPy clock (its own, or its batch's)."""

    env: simpy.Environment
    index: int
    practices: list[Practice]
    shared: dict[int, AppointmentBook]
    """Federation staff's books, by role index."""
    groups: list[PracticeGroup]
    """Practices that share a regime (those that join the scheme, and the rest), each one block of patients;
    in a batch of federations, the batch's groups, which hold every federation's practices."""


def build_federation(loaded: LoadedScenario, replication: int, index: int) -> FederationModel:
    """The practices and shared staff of federation ``index`` in replication ``replication``."""
    return build_federations(loaded, replication, [index])[0]


def build_federations(loaded: LoadedScenario, replication: int, indices: Sequence[int]) -> list[FederationModel]:
    """Federations ``indices`` on one SimPy clock, their practices in groups that span them.

    Federations share no staff, and everything drawn is keyed to a practice or a
    person, so each federation's results are the same as when it is built alone:
    batching only shares the work of a day's vectorised calls.
    """
    env = simpy.Environment()
    every = practice_profiles(loaded)
    plan = federation_plan(loaded)
    models = [_federation(loaded, env, replication, index, [every[p] for p in plan[index]]) for index in indices]
    practices = [practice for model in models for practice in model.practices]
    profiles = [every[practice.index] for practice in practices]
    groups = [
        _build_group(loaded, replication, [practices[i] for i in members], profiles[members[0]].scheme)
        for members in group_plan(profiles)
    ]
    for model in models:
        model.groups = groups
    return models


def _federation(
    loaded: LoadedScenario, env: simpy.Environment, replication: int, index: int, profiles: list[PracticeProfile]
) -> FederationModel:
    """Federation ``index``'s practices and shared staff (its groups are built for its batch)."""
    sc = loaded.scenario
    federation_list = sum(p.list_size for p in profiles)
    shared = {
        sc.roles.index(name): AppointmentBook(env, sc.roles.index(name), s.fte_per_10000 * federation_list / 10_000, s.minutes_per_fte_day)
        for name, s in sorted(sc.federation.staff.items())
    }
    practices = [_build_practice(loaded, env, replication, index, profile, shared) for profile in profiles]
    return FederationModel(env, index, practices, shared, [])


def group_plan(profiles: list[PracticeProfile]) -> list[list[int]]:
    """Which practices (of a federation, or a batch of them) run as one group: those that stay on the
    scenario's regime, and those that join the scheme. A grouping is only a way of batching the work:
    a practice's results are the same whichever practices share its group."""
    return [[i for i, p in enumerate(profiles) if p.scheme == scheme] for scheme in (False, True) if any(p.scheme == scheme for p in profiles)]


def _build_practice(
    loaded: LoadedScenario, env: simpy.Environment, replication: int, federation: int, profile: PracticeProfile,
    shared: dict[int, AppointmentBook],
) -> Practice:
    sc = practice_scenario(loaded, profile.quintile)
    intercepts = _intercepts(sc.population)
    streams = Streams(sc.seed, replication, profile.index)
    pop = generate(sc.population, profile.list_size, streams["population"], intercepts, int(person_id(profile.index, 0)))
    books = {**_practice_books(env, loaded, pop.size), **shared}
    return Practice(profile.index, federation, sc, pop, books, streams, intercepts, quintile=profile.quintile)


def _build_group(loaded: LoadedScenario, replication: int, practices: list[Practice], scheme: bool) -> PracticeGroup:
    """The practices that join the scheme (``scheme``), or the rest, as one block under their regime."""
    sc = loaded.scenario
    streams = Streams(sc.seed, replication, GROUP_UNIT + practices[0].index)
    from_start = scheme and sc.scheme is not None and sc.scheme.start_year == 0
    regime = sc.scheme.regime.policy if from_start and sc.scheme else sc.regime.policy
    group = PracticeGroup(practices, sc, loaded.make_policy(scheme=from_start, scenario=sc), regime, streams)
    if scheme and sc.scheme is not None and sc.scheme.start_year > 0:
        group.switch_at(year_start(sc.scheme.start_year), loaded.make_policy(scheme=True, scenario=sc), sc.scheme.regime.policy)
    if scheme and sc.scheme is not None and sc.scheme.effects is not None:
        start = year_start(sc.scheme.start_year)
        group.clinical.effects = TrueEffects(sc.scheme.effects, sc, start, group.pop.pid, streams)
        for practice in practices:
            practice.clinical.effects = TrueEffects(sc.scheme.effects, sc, start, practice.pop.pid, practice.streams)
    return group


def _intercepts(population: PopulationSpec) -> np.ndarray:
    """Register intercepts of a population, solved once per population object."""
    return _memo(_INTERCEPTS, population, None, lambda: condition_intercepts(population))


def _practice_books(env: simpy.Environment, loaded: LoadedScenario, list_size: int) -> dict[int, AppointmentBook]:
    staff = loaded.scenario.staffing
    return {
        i: AppointmentBook(env, i, staff.fte_per_1000[r] * list_size / 1000, staff.minutes_per_fte_day[r])
        for i, r in enumerate(PRACTICE_ROLES)
    }
