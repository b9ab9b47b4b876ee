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
    """Daily demand per role, and each patient's consultation rate.

    ``consultations_per_person_year`` is the list's mean at the start of the run
    (the 2013/14 figure); afterwards each patient's rate follows their current age
    band and conditions, so demand rises as the list ages or its registers grow.
    """

    def __init__(self, spec: DemandSpec, pop: Population, day: float = 0.0) -> None:
        self.spec = spec
        self._scale = spec.consultations_per_person_year / self._weights(pop, day)[pop.active].mean()
        self.role_share = np.array([spec.role_share.get(r, 0.0) for r in PRACTICE_ROLES])
        self.minutes = np.array([spec.minutes[r] for r in PRACTICE_ROLES])
        self.update(pop, day)

    def _weights(self, pop: Population, day: float) -> np.ndarray:
        """Relative rate of each patient from their age on ``day`` and their number of conditions."""
        age = pop.age + day / DAYS_PER_YEAR
        weight = np.ones(pop.size)
        for band in self.spec.age_relative_rate:
            weight[(age >= band.lower) & (age < band.upper)] = band.rate
        return weight * (1.0 + self.spec.per_condition_relative * pop.n_conditions)

    def update(self, pop: Population, day: float) -> None:
        """Rates and daily demand of the list as it is on ``day``."""
        self.rate = self._scale * self._weights(pop, day) * pop.active
        """Consultations per person-year of each patient (zero for rows no one holds)."""
        per_day = self.rate.sum() / WORKING_DAYS_PER_YEAR * self.role_share
        same_day = self.spec.same_day_share
        self.mean_counts = np.stack([per_day * same_day, per_day * (1 - same_day)])
        """Rows: same-day, routine; columns: roles."""

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """Today's requests: ``[same-day, routine] x role`` counts.

        Poisson counts by inversion of one uniform each, so every day takes the
        same numbers from the stream whatever the means: two regimes whose lists
        differ a little see nearly the same demand on the same day.
        """
        return poisson_quantile(rng.random(self.mean_counts.shape), self.mean_counts)

    def seen_in(self, days: float, rows: np.ndarray, draws: PersonDraws) -> tuple[np.ndarray, np.ndarray]:
        """Which of patients ``rows`` had at least one consultation in ``days`` calendar days, and its role.

        ``draws`` is keyed to the patients of ``rows``: two per patient (whether they
        consulted, and with whom), made whether used or not, so a patient's outcome
        does not depend on who else is asked about.
        """
        p = -np.expm1(-self.rate[rows] * days / DAYS_PER_YEAR)
        u = draws.random((len(rows), 2))
        hit = np.flatnonzero(u[:, 0] < p)
        roles = np.searchsorted(np.cumsum(self.role_share), u[hit, 1] * self.role_share.sum(), side="right")
        return rows[hit], roles


def poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Smallest count ``k`` with ``P(X <= k) >= u`` for ``X ~ Poisson(mean)``."""
    x = special.pdtrik(u, mean)
    if not np.isfinite(x).all():  # NaN where the mean is 0 (checked first: nan_to_num costs more)
        x = np.nan_to_num(x)
    k = np.ceil(x)
    below = np.maximum(k - 1, 0)
    k = np.where(special.pdtr(below, mean) >= u, below, k)
    return np.where(mean > 0, k, 0).astype(np.int64)
