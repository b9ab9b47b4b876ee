"""Calibration check: the QOF baseline against QOF-era figures, and the recorded fall after
withdrawal against Minchin 2018. Prints target vs model; docs/calibration.md records a run.

    .venv/bin/python benchmarks/calibration.py [--replications 5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.config import load_scenario
from sim.experiment.runner import run_scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"practices.count": 4, "practices.federation_size": 2, "years": 3}


def first_year_control(tables: dict[str, pd.DataFrame]) -> pd.Series:
    control = tables["control"]
    first = control[control["day"] == control["day"].min()]
    sums = first.groupby("indicator")[["register", "controlled_true"]].sum()
    return 100 * sums["controlled_true"] / sums["register"]


def achievement(tables: dict[str, pd.DataFrame], year: int) -> pd.Series:
    qof = tables["qof"]
    rows = qof[qof["year"] == year].groupby("indicator")[["numerator_recorded", "denominator", "register", "exceptions"]].sum()
    return 100 * rows["numerator_recorded"] / rows["denominator"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    reps = range(args.replications)
    qof = run_scenario(load_scenario(ROOT / "scenarios/qof_practice.yaml", SMALL), reps, progress=False).tables
    gone = run_scenario(load_scenario(ROOT / "scenarios/withdrawn_practice.yaml", SMALL), reps, progress=False).tables

    control = first_year_control(qof)
    print("QOF-era control at the start (McLean et al. 2007, 2004/05 targets)")
    for ind, target in (("HYP_BP_CTRL", "71.4% <=150/90"), ("DM_HBA1C_CTRL", "59.0% <=7.4%"), ("CHD_CHOL_CTRL", "72.2% <=5")):
        print(f"  {ind:14s} model {control[ind]:5.1f}%   target {target}")

    q = qof["qof"]
    final = q[q["year"] == q["year"].max()]
    rate = 100 * final.drop_duplicates(["replication", "practice", "condition"])["exceptions"].sum() / final.drop_duplicates(
        ["replication", "practice", "condition"]
    )["register"].sum()
    print(f"Exception reporting under QOF: {rate:.1f}% of register patients (Doran 2008: median 5.3%, IQR 4.0-6.9)")

    year = 0
    before, after = achievement(qof, year), achievement(gone, year)
    fall = (after - before).sort_values()
    print("Recorded achievement, first year after withdrawal minus QOF (percentage points; Minchin 2018:")
    print("  hypertension advice -62.3, CHD cholesterol control -10.7; self-coding labs fall least)")
    for ind, pp in fall.items():
        print(f"  {ind:14s} {pp:6.1f}")


if __name__ == "__main__":
    main()
