"""Benchmark: patient-years simulated per second, against a naive SimPy loop, and how cost scales.

Not a test: speed is measured here, never asserted in the suite. ``make bench`` runs
every part (``make bench BENCH_PARTS="county naive"`` picks some); run directly, the script
runs all but England unless asked (``--parts county naive scaling profile england``).

- ``county``: a Somerset-sized county (70 practices) over 10 years, one replication,
  outputs included (tables, headline, manifest written as ``qofsim run`` writes them),
  wall time and peak memory.
- ``naive``: the naive one-process-per-patient SimPy recall loop
  (``benchmarks/naive_recall.py``, 100,000 patients, 5 years), timed in the same run,
  and the ratio of patient-years per second.
- ``scaling``: patient-years per second for 7, 70 and 700 practices (one simulated year each,
  no warm-up, on one worker so that 7 practices, one federation, is not half the machine;
  ``--scaling`` picks others).
- ``profile``: where the time goes in one batch of federations (cProfile): by part of the model
  (building, recall work, acute demand and queues, health step, measurement), then the
  top functions.
- ``england``: ``qof_england.yaml`` (about 6,600 practices and 56 million patients), one
  measured year after QOF's one-year warm-up, outputs written: long (over an hour on 2 cores);
  run it on a quiet machine.

Peak memory is given twice: the largest resident set of this process and its workers, and the
summed Pss of all of them at once (``machine.TotalMemory``). The machine
is shared, so each part also prints its CPU time (user + system, of this process and
its finished workers) and the load average: wall time alone says little when other
work shares the cores.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sim.config import load_scenario
from sim.experiment.runner import batches, run_batch, run_scenario
from sim.experiment.compare import write_comparison
from sim.experiment.files import atomic_folder
from sim.output.report import write_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import TotalMemory, cpu_seconds, load, peak_rss_mib  # noqa: E402
from naive_recall import run as naive_run  # noqa: E402

PARTS = ("county", "naive", "scaling", "profile", "england")
WARMUP = load_scenario(ROOT / "scenarios" / "qof_county.yaml").scenario.measures.warmup_years


def timed_run(
    scenario: str, overrides: dict, workers: int, write: bool = False, progress: bool = False
) -> tuple[float, float, float, float]:
    """Wall seconds of the run, of writing its outputs (tables, report and plots; 0 unless ``write``),
    CPU seconds of both, and patient-years of one replication."""
    loaded = load_scenario(ROOT / "scenarios" / scenario, overrides)
    start, cpu = time.perf_counter(), cpu_seconds()
    result = run_scenario(loaded, (0,), workers=workers, progress=progress)
    simulated = time.perf_counter()
    if write:
        with tempfile.TemporaryDirectory() as tmp:
            folder = atomic_folder(Path(tmp) / loaded.name, lambda out: write_comparison(out, [loaded], [result]))
            write_report(folder)
    end = time.perf_counter()
    return simulated - start, end - simulated, cpu_seconds() - cpu, result.patient_years


def county(workers: int) -> float:
    with TotalMemory() as memory:
        run, outputs, cpu, py = timed_run("qof_county.yaml", {"years": 10}, workers, write=True)
    seconds = run + outputs
    print(f"county (70 practices, 10 years after a {WARMUP}-year warm-up, outputs written): {py:,.0f} patient-years in "
          f"{seconds:.1f}s ({run:.1f}s simulating, {outputs:.1f}s writing tables, plots and report) = "
          f"{py / seconds:,.0f} patient-years/s on {workers} workers; CPU {cpu:.0f}s; peak RSS {peak_rss_mib():,.0f} MiB (largest process), {memory} (all at once); {load()}")
    return py / seconds


def naive() -> float:
    cpu = cpu_seconds()
    seconds, _ = naive_run(100_000, 5)
    rate = 500_000 / seconds
    print(f"naive SimPy recall loop (100,000 patients, 5 years, one process): {seconds:.1f}s (CPU {cpu_seconds() - cpu:.0f}s) = "
          f"{rate:,.0f} patient-years/s; {load()}")
    return rate


def scaling(counts: list[int]) -> None:
    print("scaling (qof_county.yaml, one simulated year, no warm-up, one worker: the cost per patient-year, not parallel speed-up):")
    for count in counts:
        run, _, cpu, py = timed_run("qof_county.yaml", {"years": 1, "measures.warmup_years": 0, "practices.count": count}, 1)
        print(f"  {count:>4} practices, 1 year: {py:>12,.0f} patient-years in {run:7.1f}s = {py / run:>9,.0f} patient-years/s"
              f" (CPU {cpu:.0f}s, {py / cpu:,.0f} patient-years per CPU-second); {load()}")


PARTS_OF_A_RUN = {
    "building the practices": ("county.py", "build_federations"),
    "recall work of practice groups (answers, bookings, reviews, coding)": ("group.py", "begin_day", "end_day", "weekly"),
    "acute demand of practices (counts, same-day and routine bookings)": ("group.py", "acute_demand"),
    "serving the routine queues": ("capacity.py", "serve"),
    "recall searches and the contract year": ("group.py", "_activity"),
    "health step (events, deaths, diagnoses, moves)": ("group.py", "health"),
    "measurement (snapshots, year ends)": ("federation.py", "_measurement"),
}
"""Parts of a batch's run, as (file, functions) whose cumulative time they are."""


def profile(workers: int) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "qof_county.yaml", {"years": 1})
    batch = batches(loaded, 1, workers)[0]
    profiler = cProfile.Profile()
    profiler.runcall(run_batch, loaded, 0, batch)
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"where the time goes (the county's first batch, {len(batch)} federations as one worker runs them, "
          f"{WARMUP}-year warm-up and 1 year; cProfile, {total:.1f}s):")
    for part, (file, *functions) in PARTS_OF_A_RUN.items():
        found = [
            cumulative for (path, _, name), (_, _, _, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
            if path.endswith(file) and name in functions
        ]
        if not found:  # a renamed function would otherwise print 0% for a part that still costs time
            raise RuntimeError(f"profile: no {functions} in {file} ran; update PARTS_OF_A_RUN")
        seconds = sum(found)
        print(f"  {part:<72} {seconds:6.1f}s {100 * seconds / total:5.1f}%")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print("top functions by own time:")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-1800:])


def england(workers: int) -> None:
    with TotalMemory() as memory:
        run, outputs, cpu, py = timed_run("qof_england.yaml", {}, workers, write=True, progress=True)
    print(f"England, one measured year after a one-year warm-up: {py:,.0f} patient-years in {(run + outputs) / 60:.1f} min "
          f"({outputs:.0f}s of it writing tables, plots and report) = {py / (run + outputs):,.0f} patient-years/s on {workers} workers; "
          f"CPU {cpu / 60:.0f} min; peak RSS {peak_rss_mib():,.0f} MiB (largest process), {memory} (all processes at once); {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=["county", "naive", "scaling", "profile"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scaling", type=int, nargs="+", default=[7, 70, 700], help="practice counts of the scaling part")
    args = parser.parse_args()
    print(f"{date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, {load()}")
    rate = county(args.workers) if "county" in args.parts else None
    base = naive() if "naive" in args.parts else None
    if rate and base:
        print(f"ratio: {rate / base:.1f}x the naive loop's patient-years per second")
    if "scaling" in args.parts:
        scaling(args.scaling)
    if "profile" in args.parts:
        profile(args.workers)
    if "england" in args.parts:
        england(args.workers)


if __name__ == "__main__":
    main()
