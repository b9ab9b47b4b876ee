"""How much of the variance of a QOF-versus-opt-out difference common random numbers remove.

Not a test: it runs the set-up of issue 12 (one practice, QOF against opt-out,
12 replications, 2 warm-up years, 3 measured years) and prints, for each outcome,

    variance removed = 1 - Var(opt-out - QOF) / (Var(opt-out) + Var(QOF))

over replications. Independent streams would remove nothing (the variance of the
difference would be the sum of the variances); perfect pairing removes all of the
variance that is not caused by the regime itself.

Run with ``.venv/bin/python benchmarks/pairing.py [--replications 12] [--workers 2]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.config import load_scenario
from sim.experiment.runner import run_scenario
from sim.measures.summary import headline

ROOT = Path(__file__).resolve().parents[1]
MEASURES = {
    "deaths_per_1000": "deaths",
    "mi_per_1000": "MI",
    "stroke_per_1000": "stroke",
    "acsc_admissions_per_1000": "ACSC admissions",
}


def variance_removed(a: pd.Series, b: pd.Series) -> float:
    """Share of the variance of ``b - a`` that pairing removes, against independent arms."""
    return float(1.0 - (b - a).var(ddof=1) / (a.var(ddof=1) + b.var(ddof=1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=12)
    parser.add_argument("--warmup-years", type=int, default=2)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    overrides = {"years": args.years, "measures.warmup_years": args.warmup_years}
    heads = {}
    for name in ("qof", "optout"):
        loaded = load_scenario(ROOT / "scenarios" / f"{name}_practice.yaml", overrides)
        result = run_scenario(loaded, tuple(range(args.replications)), workers=args.workers, progress=False)
        heads[name] = headline(result.tables).set_index("replication")
    print(f"one practice, QOF vs opt-out, {args.replications} replications, "
          f"{args.warmup_years} warm-up + {args.years} measured years")
    print(f"{'outcome':18s} {'QOF mean':>9s} {'opt-out':>9s} {'SD QOF':>8s} {'SD diff':>8s} {'variance removed':>17s}")
    for column, label in MEASURES.items():
        a, b = heads["qof"][column], heads["optout"][column]
        print(f"{label:18s} {a.mean():9.2f} {b.mean():9.2f} {a.std():8.3f} {(b - a).std():8.3f} {variance_removed(a, b):16.0%}")


if __name__ == "__main__":
    main()
