"""Synthetic registered population of one practice, as arrays (one row per patient).

Condition ``k`` is present with probability
``logistic(a_k + slope_k * (age - 50) / 10 + sd * z)`` for patients at or above its
minimum age, where ``z ~ N(0, 1)`` is a latent risk shared by all of a patient's
conditions. The shared latent term clusters conditions in the same patients and,
with the age slopes, makes multimorbidity rise with age (Barnett 2012). Each
intercept ``a_k`` is solved so that the expected register prevalence equals the
scenario's prevalence, over the whole list or, for a figure published for an age
group (QOF diabetes, 17+), over the patients at or above the register's minimum age.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from sim.vocabulary import CONDITIONS, FRAILTY
from sim.config.schema import AgeBand, PopulationSpec

_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


@dataclass
class Population:
    """Patients registered with one practice. Columns of ``has`` follow ``CONDITIONS``."""

    age: np.ndarray  # years at simulation start
    male: np.ndarray  # bool
    latent: np.ndarray  # shared latent risk z
    has: np.ndarray  # bool [n, K] register membership
    frailty: np.ndarray  # int8 index into FRAILTY
    p_respond: np.ndarray  # per-letter probability of answering an invitation
    p_attend: np.ndarray  # probability of attending a booked appointment
    dissent: np.ndarray  # bool: informed dissent from recall
    active: np.ndarray  # bool: registered and alive
    pid: np.ndarray  # person id, unique in the county (rows are reused by new registrants; streams.person_id)
    frailty_cuts: np.ndarray  # frailty score cut points, kept for new registrants

    @property
    def size(self) -> int:
        return len(self.age)

    @property
    def n_conditions(self) -> np.ndarray:
        return self.has.sum(axis=1)


def age_grid(bands: list[AgeBand]) -> tuple[np.ndarray, np.ndarray]:
    """Single-year ages and their population weights (uniform within a band)."""
    ages, weights = [], []
    for band in bands:
        years = np.arange(band.lower, band.upper) + 0.5
        ages.append(years)
        weights.append(np.full(len(years), band.share / len(years)))
    return np.concatenate(ages), np.concatenate(weights)


def condition_intercepts(spec: PopulationSpec) -> np.ndarray:
    """Intercepts ``a_k`` that reproduce each register's prevalence, over the whole list or over
    the patients old enough for the register (``prevalence_of``)."""
    ages, weights = age_grid(spec.age_bands)
    intercepts = np.empty(len(CONDITIONS))
    for k, name in enumerate(CONDITIONS):
        cond = spec.conditions[name]
        eligible = weights * (ages >= cond.min_age)
        target = cond.prevalence * (eligible.sum() / weights.sum() if cond.prevalence_of == "eligible" else 1.0)
        slope_term = cond.age_slope * (ages - 50.0) / 10.0

        def gap(a: float) -> float:
            logits = a + slope_term[:, None] + spec.multimorbidity_sd * _GH_NODES[None, :]
            return float(eligible @ expit(logits) @ _GH_WEIGHTS) / weights.sum() - target

        intercepts[k] = brentq(gap, -40.0, 40.0, xtol=1e-10)
    return intercepts


def sample_ages(bands: list[AgeBand], n: int, rng: np.random.Generator) -> np.ndarray:
    shares = np.array([b.share for b in bands])
    band = rng.choice(len(bands), size=n, p=shares / shares.sum())
    lower = np.array([b.lower for b in bands])[band]
    upper = np.array([b.upper for b in bands])[band]
    return lower + rng.random(n) * (upper - lower)


def generate(spec: PopulationSpec, n: int, rng: np.random.Generator, intercepts: np.ndarray, first_pid: int = 0) -> Population:
    """Draw ``n`` registered patients, with person ids from ``first_pid``."""
    pop, score = _draw(spec, n, rng, intercepts)
    pop.pid += first_pid
    pop.frailty_cuts = _frailty_cuts(spec, pop.age, score)
    pop.frailty = _frailty(spec, pop.age, score, pop.frailty_cuts)
    return pop


def _draw(spec: PopulationSpec, n: int, rng: np.random.Generator, intercepts: np.ndarray) -> tuple[Population, np.ndarray]:
    """``n`` patients and their frailty scores (categories are cut by the caller)."""
    age = sample_ages(spec.age_bands, n, rng)
    male = rng.random(n) < spec.male_share
    latent = rng.standard_normal(n)
    has = _draw_conditions(spec, age, latent, rng, intercepts)
    score = _frailty_score(spec, age, latent, has, rng)
    pop = Population(
        age=age,
        male=male,
        latent=latent,
        has=has,
        frailty=np.zeros(n, dtype=np.int8),
        p_respond=_draw_response(spec, n, rng),
        p_attend=_beta(rng, spec.attendance.mean, spec.attendance.concentration, n),
        dissent=rng.random(n) < spec.informed_dissent_share,
        active=np.ones(n, dtype=bool),
        pid=np.arange(n, dtype=np.int64),
        frailty_cuts=np.full(len(FRAILTY) - 1, np.inf),
    )
    return pop, score


_TRAITS = ("age", "male", "latent", "has", "p_respond", "p_attend", "dissent", "pid")


class Registrants:
    """A practice's new registrants, in order of arrival.

    The ``k``-th person to join is drawn from the practice's own stream in fixed
    blocks, so they are the same person under every regime and in every row,
    whenever they arrive and whichever death or move made room for them. Ages are
    drawn from the list's age structure and are the age on joining.
    """

    BLOCK = 64

    def __init__(self, spec: PopulationSpec, rng: np.random.Generator, intercepts: np.ndarray, first_pid: int) -> None:
        self.spec = spec
        self.rng = rng
        self.intercepts = intercepts
        self.next_pid = first_pid
        self._queue: list[tuple[Population, np.ndarray]] = []
        self._used = 0  # rows of the first queued block already taken

    def _take(self, m: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        parts: list[tuple[dict[str, np.ndarray], np.ndarray]] = []
        while m > 0:
            if not self._queue:
                self._queue.append(_draw(self.spec, self.BLOCK, self.rng, self.intercepts))
                self._used = 0
            block, score = self._queue[0]
            k = min(m, self.BLOCK - self._used)
            part = slice(self._used, self._used + k)
            parts.append(({name: getattr(block, name)[part] for name in _TRAITS}, score[part]))
            self._used += k
            m -= k
            if self._used == self.BLOCK:
                self._queue.pop(0)
        traits = {name: np.concatenate([p[name] for p, _ in parts]) for name in _TRAITS} if parts else {}
        scores = np.concatenate([s for _, s in parts]) if parts else np.empty(0)
        return traits, scores

    def refill(self, pop: Population, rows: np.ndarray, years: float) -> None:
        """The next ``len(rows)`` registrants take rows ``rows`` ``years`` into the run."""
        if len(rows) == 0:
            return
        traits, score = self._take(len(rows))
        joining_age = traits["age"]
        traits["age"] = joining_age - years  # ``age`` holds age at the start of the run
        traits["pid"] = np.arange(self.next_pid, self.next_pid + len(rows), dtype=np.int64)
        self.next_pid += len(rows)
        for name, values in traits.items():
            getattr(pop, name)[rows] = values
        pop.frailty[rows] = _frailty(self.spec, joining_age, score, pop.frailty_cuts)
        pop.active[rows] = True


def _draw_conditions(
    spec: PopulationSpec, age: np.ndarray, latent: np.ndarray, rng: np.random.Generator, intercepts: np.ndarray
) -> np.ndarray:
    slopes = np.array([spec.conditions[c].age_slope for c in CONDITIONS])
    min_age = np.array([spec.conditions[c].min_age for c in CONDITIONS])
    logits = intercepts[None, :] + np.outer((age - 50.0) / 10.0, slopes) + spec.multimorbidity_sd * latent[:, None]
    has = rng.random(logits.shape) < expit(logits)
    return has & (age[:, None] >= min_age[None, :])


def _frailty_score(
    spec: PopulationSpec, age: np.ndarray, latent: np.ndarray, has: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Deficits: conditions, age and latent risk, with noise."""
    return has.sum(axis=1) + 0.1 * (age - spec.frailty.min_age) + 0.5 * latent + 0.5 * rng.standard_normal(len(age))


def _frailty_cuts(spec: PopulationSpec, age: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Score cut points giving the scenario's category shares among older patients."""
    older = age >= spec.frailty.min_age
    if older.sum() < len(FRAILTY):
        return np.full(len(FRAILTY) - 1, np.inf)
    return np.quantile(score[older], np.cumsum(list(spec.frailty.shares.values()))[:-1])


def _frailty(spec: PopulationSpec, age: np.ndarray, score: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Frailty category for patients at or above ``min_age``; younger patients are ``fit``."""
    frailty = np.searchsorted(cuts, score, side="right").astype(np.int8)
    frailty[age < spec.frailty.min_age] = 0
    return frailty


def _draw_response(spec: PopulationSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    p = _beta(rng, spec.response.mean, spec.response.concentration, n)
    p[rng.random(n) < spec.response.never_share] = 0.0
    return p


def _beta(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)
