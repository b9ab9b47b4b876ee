"""Consultations other than long-term-condition reviews ("other demand").

Drawn as daily counts per role, split into same-day and routine requests.
Individual patients are not tracked through these consultations; each
patient's rate is kept so that opportunistic reviews (an overdue patient
reviewed during an acute consultation) can be drawn per patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from sim.vocabulary import PRACTICE_ROLES
from sim.engine.clock import DAYS_PER_YEAR, WORKING_DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.config.schema import DemandSpec
    from sim.engine.streams import PersonDraws
    from sim.model.population import Population


class AcuteDemand:
    """Daily demand per role, and each patient's consultation rate."""

    def __init__(self, spec: DemandSpec, pop: Population) -> None:
        weight = np.ones(pop.size)
        for band in spec.age_relative_rate:
            weight[(pop.age >= band.lower) & (pop.age < band.upper)] = band.rate
        weight *= 1.0 + spec.per_condition_relative * pop.n_conditions
        self.rate = spec.consultations_per_person_year * weight / weight.mean()
        """Consultations per person-year of each patient."""
        self.role_share = np.array([spec.role_share.get(r, 0.0) for r in PRACTICE_ROLES])
        self.minutes = np.array([spec.minutes[r] for r in PRACTICE_ROLES])
        per_day = self.rate.sum() / WORKING_DAYS_PER_YEAR * self.role_share
        self.mean_counts = np.stack([per_day * spec.same_day_share, per_day * (1 - spec.same_day_share)])
        """Rows: same-day, routine; columns: roles."""

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """Today's requests: ``[same-day, routine] x role`` counts.

        Poisson counts by inversion of one uniform each, so every day takes the
        same numbers from the stream whatever the means: two regimes whose lists
        differ a little see nearly the same demand on the same day.
        """
        return poisson_quantile(rng.random(self.mean_counts.shape), self.mean_counts)

    def seen_in(self, days: float, active: np.ndarray, draws: PersonDraws) -> tuple[np.ndarray, np.ndarray]:
        """Patients with at least one consultation in ``days`` calendar days, and its role.

        ``draws`` is keyed to every row's patient: two per patient (whether they
        consulted, and with whom), made whether used or not.
        """
        p = -np.expm1(-self.rate * active * days / DAYS_PER_YEAR)
        u = draws.random((len(p), 2))
        ids = np.flatnonzero(u[:, 0] < p)
        roles = np.searchsorted(np.cumsum(self.role_share), u[ids, 1] * self.role_share.sum(), side="right")
        return ids, roles


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Smallest count ``k`` with ``P(X <= k) >= u`` for ``X ~ Poisson(mean)``."""
    k = np.ceil(np.nan_to_num(special.pdtrik(u, mean)))
    below = np.maximum(k - 1, 0)
    k = np.where(special.pdtr(below, mean) >= u, below, k)
    return np.where(mean > 0, k, 0).astype(np.int64)
