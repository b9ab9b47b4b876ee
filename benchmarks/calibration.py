"""Calibration check: the QOF baseline against published figures. Prints target vs model;
docs/calibration.md records a run.

    .venv/bin/python benchmarks/calibration.py [--replications 3] [--years 2] [--warmup 3]

One practice of 7,100 patients (the mean English list), measured after a warm-up:
- risk-factor control at the first measured snapshot (start of 2014/15) against the National
  Diabetes Audit 2013/14 (BP <=140/80, type 2: 74.2%), and McLean et al. 2007 (2004/05) for the
  factors with no 2013/14-era figure;
- QOF points achieved against the 2014/15 national mean (94.7%; Pulse, 29 Oct 2015): the modelled
  370 points should sit at 92.0-97.1% (the other 189 points earned at 100% or 90%);
- exception rates by indicator kind against Doran et al. 2008 / HSCIC 2008/09 and Doran 2012;
- exceptions by reason against Doran 2012 (logistical 40.6%, informed dissent 30.1%, clinical 18.7%),
  as shares and as rates of a 4.87% total (NHS Information Centre 2008/09, via Pulse);
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


def reason_rates(qof: pd.DataFrame) -> pd.Series:
    """Exceptions by reason as % of indicator populations (denominator + excepted), pooled;
    criterion C (new patients, part of logistical) also on its own."""
    paid = qof[(qof["kind"] != "register") & (qof["points_available"] > 0)]
    eligible = (paid["denominator"] + paid["exceptions"] + paid["excluded_new"]).sum()
    sums = paid[[f"exceptions_{g}" for g in GROUPS] + ["excluded_new"]].sum()
    return 100 * sums / eligible


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
    print("\nRisk-factor control, first measured snapshot (start of 2014/15)")
    print(f"  DM003    true control {control['DM003']:5.1f}%   target 74.2% <=140/80 (NDA 2013/14, type 2; systolic only here)")
    print("  no 2013/14-era figure for these; McLean et al. 2007's 2004/05 control for reference:")
    for ind, target in (("HYP006", "71.4% <=150/90"), ("DM007", "59.0% <=7.4%"), ("CHD003", "72.2% chol <=5")):
        print(f"  {ind:8s} true control {control[ind]:5.1f}%   2004/05 {target}")

    pts = qof.groupby(["replication", "year"])[["points_recorded", "points_available"]].sum()
    share = 100 * pts["points_recorded"] / pts["points_available"]
    print(f"\nQOF points achieved: {share.mean():.1f}% of the {pts['points_available'].iloc[0]:.0f} points modelled "
          f"(replication-years {share.min():.1f}-{share.max():.1f}); England 2014/15: 94.7% of 559 (Pulse 2015), "
          "so 92.0-97.1% of the modelled points (the other 189 earned at 100% or 90%)")
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
    rates = reason_rates(qof)
    print("  as % of indicator populations (Doran 2012 shares of the 4.87% 2008/09 total: logistical 1.98,")
    print("  dissent 1.47, clinical 0.91): " + ", ".join(f"{g} {rates[f'exceptions_{g}']:.2f}" for g in GROUPS)
          + f"; of logistical, criterion C (new patients) {rates['excluded_new']:.2f}")

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
