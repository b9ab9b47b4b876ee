"""A naive SimPy recall loop: one process per patient, the reference for the speed ratio.

Every patient is a SimPy process that consults a GP for other reasons about 4.7 times
a year (a ``get`` of 10 minutes from the GP's daily ``Container``). Register patients
(30%) also run a recall process: wait until their review is due, get a letter
(answer with a fixed chance after a few days, or be chased, up to three letters),
take 20 minutes of the nurse's daily minutes, and wait a year. Containers are
refilled every working day. It has the scope of the real engine's demand and recall
but none of the clinical layer, recording or QOF: it is what a first SimPy model of
recall looks like, so `bench.py` can report how many times faster the real engine is
*per patient-year*, measured side by side in the same run.

Run: ``.venv/bin/python benchmarks/naive_recall.py [--patients 100000] [--years 5]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

DAYS_PER_YEAR = 365
LIST_SIZE = 7_100
REGISTER_SHARE = 0.3
ANSWER = 0.8
NURSE_MINUTES_PER_DAY = 300.0
GP_MINUTES_PER_DAY = 2_400.0
REVIEW_MINUTES = 20.0
CONSULTATIONS_PER_YEAR = 4.7
CONSULTATION_MINUTES = 10.0


def clinic(env: simpy.Environment, book: simpy.Container, minutes: float) -> Generator[Any, Any, None]:
    """Every working day a role's minutes are topped up to a day's sessions."""
    while True:
        if int(env.now) % 7 < 5 and book.level < minutes:
            yield book.put(minutes - book.level)
        yield env.timeout(1)


def consultations(env: simpy.Environment, gp: simpy.Container, rng: np.random.Generator) -> Generator[Any, Any, None]:
    """A patient's consultations for other reasons."""
    while True:
        yield env.timeout(rng.exponential(DAYS_PER_YEAR / CONSULTATIONS_PER_YEAR))
        yield gp.get(CONSULTATION_MINUTES)


def patient(env: simpy.Environment, nurse: simpy.Container, rng: np.random.Generator, counts: dict[str, int]) -> Generator[Any, Any, None]:
    """One register patient's recall cycle, forever."""
    yield env.timeout(int(rng.integers(0, DAYS_PER_YEAR)))
    while True:
        letters = 0
        while letters < 3:
            letters += 1
            counts["letters"] += 1
            if rng.random() < ANSWER:
                yield env.timeout(1 + int(rng.exponential(7)))
                yield nurse.get(REVIEW_MINUTES)
                counts["reviews"] += 1
                break
            yield env.timeout(21)
        yield env.timeout(DAYS_PER_YEAR)


def run(patients: int, years: int, seed: int = 1) -> tuple[float, dict[str, int]]:
    """Simulate ``patients`` registered patients (in practices of 7,100) for ``years``; wall seconds."""
    rng = np.random.default_rng(seed)
    counts = {"letters": 0, "reviews": 0}
    start = time.perf_counter()
    for first in range(0, patients, LIST_SIZE):
        env = simpy.Environment()
        nurse = simpy.Container(env, init=NURSE_MINUTES_PER_DAY)
        gp = simpy.Container(env, init=GP_MINUTES_PER_DAY)
        env.process(clinic(env, nurse, NURSE_MINUTES_PER_DAY))
        env.process(clinic(env, gp, GP_MINUTES_PER_DAY))
        listed = min(LIST_SIZE, patients - first)
        for i in range(listed):
            env.process(consultations(env, gp, rng))
            if i < listed * REGISTER_SHARE:
                env.process(patient(env, nurse, rng, counts))
        env.run(until=years * DAYS_PER_YEAR)
    return time.perf_counter() - start, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    args = parser.parse_args()
    seconds, counts = run(args.patients, args.years)
    py = args.patients * args.years
    print(f"naive SimPy recall loop: {py:,} patient-years in {seconds:.1f}s = {py / seconds:,.0f} patient-years/s "
          f"({counts['reviews']:,} reviews, {counts['letters']:,} letters)")


if __name__ == "__main__":
    main()
