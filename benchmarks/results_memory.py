"""Peak memory of a national run's results, without simulating the nation.

Not a test. Simulates one federation of ``qof_england.yaml`` for real (one year,
about 9 s), then feeds copies of its result, one per federation of England (943),
through the path ``qofsim run`` takes after the simulation: the scheduler's results
arriving, the replication cache, the tables, headline and manifest written. Each copy
is unpickled on arrival as a worker's result would be, with its practice and federation
numbers changed so every practice is distinct. Prints the peak resident set of each stage
(``VmHWM``, reset between stages) and of the whole; ``--report`` adds the plots and report.

The simulation itself (in the workers) is not measured here: its memory is per federation.

    .venv/bin/python benchmarks/results_memory.py [--federations 943] [--sample fed.pkl]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

import sim.experiment.replications as replications
from sim.config import load_scenario
from sim.experiment.compare import compare
from sim.experiment.runner import simulate_federation
from sim.measures.recorder import ROW_TABLES

try:
    from sim.experiment.assembly import fold
except ImportError:  # before results streamed
    fold = None

ROOT = Path(__file__).resolve().parents[1]
ENGLAND = ROOT / "scenarios" / "qof_england.yaml"
ONE_YEAR = {"years": 1, "measures.warmup_years": 1}


def status(field: str) -> float:
    """A ``/proc/self/status`` memory field, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def sample(path: Path | None) -> bytes:
    """One real federation's result, pickled as a worker sends it."""
    if path is not None and path.exists():
        return path.read_bytes()
    loaded = load_scenario(ENGLAND, ONE_YEAR)
    data = pickle.dumps(simulate_federation(loaded, 0, 0).result.compact())
    if path is not None:
        path.write_bytes(data)
    return data


def copies(data: bytes, size: int):
    """A stand-in for ``run_federation``: the sample, renumbered as federation ``index``, and
    returned as ``run_federation`` returns its result (folded, if the installed code folds)."""

    def fake(loaded, replication: int, index: int) -> object:
        result = pickle.loads(data)
        for name in ROW_TABLES:
            df = getattr(result, name)
            df["federation"] = index
            df.loc[df["practice"] >= 0, "practice"] = index * size + df["practice"] % size
        return fold(replication, result) if fold else result

    return fake


STAGES = ("sim.experiment.replications:_finish", "sim.experiment.replications:_collect", "sim.experiment.compare:write_comparison")
"""Functions whose peak is reported on its own (those the installed code has)."""


def watch(stages: tuple[str, ...] = STAGES) -> dict[str, float]:
    """Wrap each stage so its peak RSS is recorded (the largest over its calls); the peak resets around it."""
    import importlib

    peaks: dict[str, float] = {}
    for stage in stages:
        module, name = stage.split(":")
        mod = importlib.import_module(module)
        fn = getattr(mod, name, None)
        if fn is None:
            continue

        def wrapped(*a, _fn=fn, _stage=stage, **k):
            before = status("VmHWM")
            reset_peak()
            try:
                return _fn(*a, **k)
            finally:
                peaks.setdefault(f"before the first {_stage}", before)
                peaks[_stage] = max(peaks.get(_stage, 0.0), status("VmHWM"))
                # keep the run's overall peak: the reset above lost it
                peaks["_run"] = max(peaks.get("_run", 0.0), before, peaks[_stage])

        setattr(mod, name, wrapped)
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--federations", type=int, default=943)
    parser.add_argument("--sample", type=Path, default=None, help="cache the sample federation's result here")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default: a temporary one); a rerun reuses its cache")
    parser.add_argument("--report", action="store_true", help="also draw the plots and report, as 'qofsim run' does")
    args = parser.parse_args()
    data = sample(args.sample)
    size = 7
    loaded = load_scenario(ENGLAND, {**ONE_YEAR, "practices.count": args.federations * size})
    replications.run_federation = copies(data, size)
    print(f"after imports and sample: RSS {status('VmRSS'):,.0f} MiB")
    peaks = watch()
    reset_peak()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp) / "england"
        compare([loaded], folder, (0,), workers=1, progress=False, scheduler="serial")
        if args.report:
            from sim.output.report import write_report

            before = status("VmHWM")
            reset_peak()
            write_report(folder)
            peaks["report (plots and HTML)"] = status("VmHWM")
            peaks["_run"] = max(peaks.get("_run", 0.0), before)
        sizes = sum(p.stat().st_size for p in folder.rglob("*.parquet"))
    peak = max(peaks.pop("_run", 0.0), status("VmHWM"))
    print(f"{args.federations} federations: results written in {time.perf_counter() - start:.0f}s, "
          f"parquet {sizes / 2**20:,.0f} MiB; peak RSS {peak:,.0f} MiB, now {status('VmRSS'):,.0f} MiB")
    for stage, mib in peaks.items():
        print(f"  peak {'' if stage.startswith('before') else 'during '}{stage}: {mib:,.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
