"""Benchmark: patient-years simulated per second, for one practice and for the county.

Not a test: speed is measured here, never asserted in the suite. Run with
``make bench`` or ``.venv/bin/python benchmarks/bench.py [--county-only|--practice-only]``.
Peak memory is the largest resident set of this process and its workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from sim.config import load_scenario
from sim.experiment.runner import run_federation, run_scenario

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def bench_practice(scenario: str, repeats: int) -> None:
    loaded = load_scenario(ROOT / "scenarios" / scenario)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = run_federation(loaded, 0, 0)
        best = min(best, time.perf_counter() - start)
    print(f"{scenario:24s} 1 practice  {result.patient_years:>12,.0f} patient-years  best of {repeats}: "
          f"{best:6.2f}s  {result.patient_years / best:>10,.0f} patient-years/s (one core)")


def bench_county(scenario: str, workers: int) -> None:
    loaded = load_scenario(ROOT / "scenarios" / scenario)
    result = run_scenario(loaded, (0,), workers=workers, progress=False)
    print(f"{scenario:24s} {loaded.scenario.practices.count} practices {result.patient_years:>12,.0f} patient-years  "
          f"{result.seconds:6.1f}s  {result.patient_years / result.seconds:>10,.0f} patient-years/s "
          f"({workers} workers), peak RSS {peak_rss_mib():,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--practice-only", action="store_true")
    parser.add_argument("--county-only", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    if not args.county_only:
        for scenario in ("qof_practice.yaml", "optout_practice.yaml"):
            bench_practice(scenario, args.repeats)
    if not args.practice_only:
        for scenario in ("qof_county.yaml", "optout_county.yaml"):
            bench_county(scenario, args.workers)


if __name__ == "__main__":
    main()
