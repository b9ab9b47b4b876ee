"""A county's practices: their list sizes, their federations, and building one federation's model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from sim.config import LoadedScenario
from sim.engine.capacity import AppointmentBook
from sim.engine.streams import Streams
from sim.model.policies import resolve
from sim.model.population import condition_intercepts, generate
from sim.model.practice import Practice
from sim.vocabulary import PRACTICE_ROLES

COUNTY_UNIT = 2**31 - 1
"""Stream unit for county-level draws (practice list sizes), apart from every practice."""


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


@dataclass
class FederationModel:
    """The practices of one federation and its shared staff, on one SimPy clock."""

    env: simpy.Environment
    index: int
    practices: list[Practice]
    shared: dict[int, AppointmentBook]
    """Federation staff's books, by role index."""


def build_federation(loaded: LoadedScenario, replication: int, index: int) -> FederationModel:
    """The practices and shared staff of federation ``index`` in replication ``replication``."""
    sc = loaded.scenario
    env = simpy.Environment()
    members = federation_plan(loaded)[index]
    sizes = list_sizes(loaded)
    intercepts = condition_intercepts(sc.population)
    federation_list = int(sum(sizes[p] for p in members))
    shared = {
        sc.roles.index(name): AppointmentBook(env, sc.roles.index(name), s.fte_per_10000 * federation_list / 10_000, s.minutes_per_fte_day)
        for name, s in sorted(sc.federation.staff.items())
    }
    policy_class = resolve(sc.regime.policy)
    practices = []
    for p in members:
        streams = Streams(sc.seed, replication, p)
        pop = generate(sc.population, int(sizes[p]), streams["population"], intercepts)
        books = {**_practice_books(env, loaded, pop.size), **shared}
        policy = policy_class(loaded.policy_params, sc)
        practices.append(Practice(p, index, sc, pop, books, streams, policy, intercepts))
    return FederationModel(env, index, practices, shared)


def _practice_books(env: simpy.Environment, loaded: LoadedScenario, list_size: int) -> dict[int, AppointmentBook]:
    staff = loaded.scenario.staffing
    return {
        i: AppointmentBook(env, i, staff.fte_per_1000[r] * list_size / 1000, staff.minutes_per_fte_day[r])
        for i, r in enumerate(PRACTICE_ROLES)
    }
