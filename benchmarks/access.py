"""Access and capacity check: the QOF baseline against the GP Patient Survey (EVIDENCE.md
Part 2 section 6) at the calibrated clinician minutes and at the old saturated ones, with
utilisation by role and who does reviews (Part 2 section 5). docs/calibration.md records a run.

    .venv/bin/python benchmarks/access.py [--replications 3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.config import load_scenario
from sim.experiment.runner import run_scenario
from sim.measures.summary import headline

ROOT = Path(__file__).resolve().parents[1]
ACCESS = {"practices.count": 4, "practices.federation_size": 2, "years": 3}
"""Four practices of 7,100, three measured years after the scenario's warm-up."""
SATURATED = {"staffing.minutes_per_fte_day.gp": 170, "staffing.minutes_per_fte_day.nurse": 290}
"""The earlier calibration: capacity set so the QOF baseline ran near full utilisation."""
GPPS = {
    "access_same_day_pct": "38-40% (2012-2017)",
    "access_same_or_next_day_pct": "49% (2013/14), 48% (2015/16)",
    "access_week_or_more_pct": "16% (2013/14), 19% (2015/16)",
    "requests_unmet_pct": "9-12% did not get an appointment (2012-2017)",
}
OTHER = ("routine_delay_days", "utilisation_gp_pct", "utilisation_nurse_pct", "utilisation_hca_pct", "roles_capacity_bound")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args()
    reps = range(args.replications)
    path = ROOT / "scenarios/qof_practice.yaml"
    runs = {
        name: run_scenario(load_scenario(path, {**ACCESS, **extra}), reps, progress=False).tables
        for name, extra in (("calibrated", {}), ("saturated", SATURATED))
    }
    heads = {name: headline(t).mean(numeric_only=True) for name, t in runs.items()}
    print("Access and utilisation, QOF baseline (GP Patient Survey via QualityWatch, EVIDENCE.md Part 2 section 6)")
    print(f"  {'measure':30s} {'calibrated':>10s} {'saturated':>10s}   published")
    for measure in [*GPPS, *OTHER]:
        cells = " ".join(f"{heads[n][measure]:10.1f}" for n in runs)
        print(f"  {measure:30s} {cells}   {GPPS.get(measure, '')}")
    act = runs["calibrated"]["activity"]
    reviews = act[act["measure"] == "reviews_delivered"].groupby("role")["value"].sum()
    shares = ", ".join(f"{role} {100 * v / reviews.sum():.0f}%" for role, v in reviews.sort_values(ascending=False).items())
    print(f"  reviews by role (EVIDENCE.md Part 2 section 5: nurses carry most): {shares}")


if __name__ == "__main__":
    main()
