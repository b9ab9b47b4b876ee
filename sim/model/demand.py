"""Consultations other than long-term-condition reviews ("other demand").

Drawn as daily counts per role, split into same-day and routine requests.
Individual patients are not tracked through these consultations; each
patient's rate is kept so that opportunistic reviews (an overdue patient
reviewed during an acute consultation) can be drawn per patient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.vocabulary import PRACTICE_ROLES
from sim.engine.clock import DAYS_PER_YEAR, WORKING_DAYS_PER_YEAR

if TYPE_CHECKING:
    from sim.config.schema import DemandSpec
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
        """Today's requests: ``[same-day, routine] x role`` counts."""
        return rng.poisson(self.mean_counts)

    def seen_in(self, days: float, active: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Patients with at least one consultation in ``days`` calendar days, and its role."""
        p = -np.expm1(-self.rate * active * days / DAYS_PER_YEAR)
        ids = np.flatnonzero(rng.random(len(p)) < p)
        roles = np.searchsorted(np.cumsum(self.role_share), rng.random(len(ids)) * self.role_share.sum(), side="right")
        return ids, roles
