"""Calibration check: the QOF baseline against published figures. Prints target vs model;
docs/calibration.md records a run.

    .venv/bin/python benchmarks/calibration.py [--replications 3] [--years 2] [--warmup 3]

One practice of 7,100 patients (the mean English list), measured after a warm-up:
- risk-factor control at the start against McLean et al. 2007 (2004/05);
- QOF points achieved against the 2014/15 national mean (94.7%; Pulse, 29 Oct 2015);
- exception rates by indicator kind against Doran et al. 2008 / HSCIC 2008/09 and Doran 2012;
- exceptions by reason against Doran 2012 (logistical 40.6%, informed dissent 30.1%, clinical 18.7%);
- process indicators delivered (none should be at 100%);
- the first-year fall in recording of the two indicators retired in April 2014 (2013/14 variant vs
  2014/15 baseline) against Minchin et al. 2018 (-62.3 pp and -10.7 pp).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.config import load_scenario
from sim.experiment.runner import run_scenario
from sim.measures.summary import headline

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("logistical", "dissent", "clinical", "unsuitable")


def first_year_control(tables: dict[str, pd.DataFrame]) -> pd.Series:
    control = tables["control"]
    first = control[control["day"] == control["day"].min()]
    sums = first.groupby("indicator")[["register", "controlled_true"]].sum()
    return 100 * sums["controlled_true"] / sums["register"]


def exception_rates(qof: pd.DataFrame) -> pd.DataFrame:
    """Exception rate (criterion C included) = excepted / (denominator + excepted), by indicator kind:
    pooled, and the median over indicators."""
    paid = qof[(qof["kind"] != "register") & (qof["points_available"] > 0)].copy()
    paid["excepted"] = paid["exceptions"] + paid["excluded_new"]
    per = paid.groupby(["kind", "indicator"])[["excepted", "denominator"]].sum()
    per["rate"] = 100 * per["excepted"] / (per["denominator"] + per["excepted"])
    pooled = per.groupby("kind")[["excepted", "denominator"]].sum()
    out = pd.DataFrame({"pooled": 100 * pooled["excepted"] / (pooled["denominator"] + pooled["excepted"])})
    out["median_of_indicators"] = per.groupby("kind")["rate"].median()
    total = per[["excepted", "denominator"]].sum()
    out.loc["all"] = [100 * total["excepted"] / (total["denominator"] + total["excepted"]), per["rate"].median()]
    return out


def reason_shares(qof: pd.DataFrame) -> pd.Series:
    paid = qof[(qof["kind"] != "register") & (qof["points_available"] > 0)]
    sums = paid[[f"exceptions_{g}" for g in GROUPS]].sum()
    return 100 * sums / sums.sum()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    reps = range(args.replications)
    over = {"years": args.years, "measures.warmup_years": args.warmup}
    run = run_scenario(load_scenario(ROOT / "scenarios/qof_practice.yaml", over), reps, progress=False).tables
    old = run_scenario(load_scenario(ROOT / "scenarios/qof2013_practice.yaml", over), reps, progress=False).tables
    qof = run["qof"]
    print(f"QOF baseline: one practice of 7,100, {args.replications} replications, {args.years} years after {args.warmup} warm-up years")

    control = first_year_control(run)
    print("\nRisk-factor control, first measured snapshot (McLean et al. 2007, 2004/05)")
    for ind, target in (("HYP006", "71.4% <=150/90"), ("DM007", "59.0% <=7.4%"), ("CHD003", "72.2% chol <=5")):
        print(f"  {ind:8s} true control {control[ind]:5.1f}%   target {target}")

    pts = qof.groupby(["replication", "year"])[["points_recorded", "points_available"]].sum()
    share = 100 * pts["points_recorded"] / pts["points_available"]
    print(f"\nQOF points achieved: {share.mean():.1f}% of the {pts['points_available'].iloc[0]:.0f} points modelled "
          f"(replication-years {share.min():.1f}-{share.max():.1f}); England 2014/15: 94.7% of 559 (Pulse 2015)")
    by_kind = qof[qof.points_available > 0].groupby("kind")[["points_recorded", "points_available"]].sum()
    for kind, row in by_kind.iterrows():
        print(f"  {kind:10s} {100 * row.points_recorded / row.points_available:5.1f}% of {row.points_available / len(share):.0f} points")

    print("\nException rates, % = excepted (criterion C included) / (denominator + excepted)")
    print("  published: treatment and intermediate-outcome highest, checks least (Doran 2008); process 1.7% vs")
    print("  outcome 6.9% (HSCIC 2008/09); median 2.7% (IQR 1.9-3.9; Doran 2012, 2008/09), 5.3% (Doran 2008, 2005/06)")
    print(exception_rates(qof).round(1).to_string())

    shares = reason_shares(qof)
    print("\nExceptions by reason, % (Doran 2012: logistical 40.6, informed dissent 30.1, clinical 18.7; rest other)")
    print("  " + ", ".join(f"{g} {shares[f'exceptions_{g}']:.1f}" for g in GROUPS))

    process = qof[(qof.kind == "process") & (qof.points_available > 0)]
    delivered = process.groupby("indicator")[["numerator_delivered", "denominator"]].sum()
    pct = 100 * delivered["numerator_delivered"] / delivered["denominator"]
    print(f"\nProcess indicators delivered: {pct.min():.1f}% ({pct.idxmin()}) to {pct.max():.1f}% ({pct.idxmax()}); "
          f"at 100% in any replication-year: {int((process.numerator_delivered == process.denominator).sum())} of {len(process)} rows")

    print("\nRecorded achievement after the April 2014 retirement minus before (first measured year; Minchin 2018)")
    for ind, target in (("HYP005", -62.3), ("CHD003", -10.7)):
        a = [100 * t[(t.indicator == ind) & (t.year == t.year.min())].numerator_recorded.sum()
             / t[(t.indicator == ind) & (t.year == t.year.min())].denominator.sum() for t in (run["qof"], old["qof"])]
        print(f"  {ind}: {a[0] - a[1]:6.1f} pp (2014/15 {a[0]:.1f}% vs 2013/14 {a[1]:.1f}%); Minchin {target} pp")

    h = headline(run).mean(numeric_only=True)
    print(f"\nQOF income {h['qof_income_gbp_per_1000_patients']:.0f} GBP per 1,000 patients a year "
          f"(about {7.1 * h['qof_income_gbp_per_1000_patients']:.0f} for a practice of 7,100, modelled indicators only)")
    admin = {c: h[c] for c in h.index if c.startswith("admin_hours_")}
    print("Admin hours per 1,000 patients a year: " + ", ".join(f"{c[12:-18]} {v:.1f}" for c, v in admin.items()))


if __name__ == "__main__":
    main()
