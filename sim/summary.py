"""Headline measures of a run, per scenario and replication: what a policy reader asks first."""

from __future__ import annotations

import pandas as pd

HEADLINES: dict[str, str] = {
    "overdue_pct": "Register patients overdue a review (>15 months), % (final year)",
    "never_reviewed_pct": "Register patients never reviewed, % (final year)",
    "lost_to_follow_up_pct": "Register patients lost to follow-up (>24 months), % (final year)",
    "mean_months_since_review": "Mean months since last review (final year)",
    "reviews_delivered_per_1000_register": "Reviews delivered per 1,000 register patients per year",
    "reviews_recorded_per_1000_register": "Reviews recorded per 1,000 register patients per year",
    "letters_per_1000_register": "Invitation letters per 1,000 register patients per year",
    "exceptions_pct": "Exception-reported condition-years, % of register",
    "ltc_hours_per_1000_patients": "Clinician hours on long-term conditions per 1,000 patients per year",
    "other_hours_per_1000_patients": "Clinician hours on other demand per 1,000 patients per year",
    "routine_wait_days": "Mean wait for a routine (non-review) appointment, days",
    "review_wait_days": "Mean wait for a review appointment, days",
    "same_day_unmet_per_1000_patients": "Same-day requests not met per 1,000 patients per year",
    "qof_points_recorded_pct": "QOF points on recorded care, % of available",
    "qof_points_delivered_pct": "QOF points on delivered care, % of available",
}
"""Column name -> plain-language label."""


def headline(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per scenario and replication with every measure in :data:`HEADLINES`."""
    keys = ["scenario", "replication"]
    snaps = tables["snapshots"]
    final_year = snaps["year"].max()
    last = snaps[snaps["year"] == final_year].groupby([*keys, "measure"])["value"].sum().unstack()
    n_snaps = snaps.loc[snaps["year"] == final_year, "day"].nunique()
    out = pd.DataFrame(index=last.index)
    for m in ("overdue", "never_reviewed", "lost_to_follow_up"):
        out[f"{m}_pct"] = 100 * last[m] / last["register"]
    mean_gap = snaps[(snaps["year"] == final_year) & (snaps["measure"] == "mean_months_since_review")]
    reg = snaps[(snaps["year"] == final_year) & (snaps["measure"] == "register")]
    weighted = mean_gap.set_index([*keys, "practice", "day", "condition"])["value"] * reg.set_index(
        [*keys, "practice", "day", "condition"]
    )["value"]
    out["mean_months_since_review"] = weighted.groupby(keys).sum() / last["register"]

    act = tables["activity"]
    years = act["year"].nunique()
    register_years = last["register"] / n_snaps * years  # register size is roughly stable
    totals = act.groupby([*keys, "measure"])["value"].sum().unstack()
    out["reviews_delivered_per_1000_register"] = 1000 * totals["reviews_delivered"] / register_years
    out["reviews_recorded_per_1000_register"] = 1000 * totals["reviews_recorded"] / register_years
    out["letters_per_1000_register"] = 1000 * totals["letters"] / register_years
    out["exceptions_pct"] = 100 * totals.get("exceptions", 0.0) / register_years
    list_years = _list_years(tables)
    out["ltc_hours_per_1000_patients"] = 1000 * totals["minutes_ltc"] / 60 / list_years
    out["other_hours_per_1000_patients"] = 1000 * totals["minutes_other"] / 60 / list_years
    out["same_day_unmet_per_1000_patients"] = 1000 * totals.get("same_day_unmet", 0.0) / list_years
    waits = tables["waits"]
    for kind, col in (("other", "routine_wait_days"), ("ltc", "review_wait_days")):
        w = waits[waits["kind"] == kind]
        num = (w["wait_days"] * w["appointments"]).groupby([w[k] for k in keys]).sum()
        out[col] = num / w.groupby(keys)["appointments"].sum()
    qof = tables["qof"]
    pts = qof.groupby(keys)[["points_recorded", "points_delivered", "points_available"]].sum()
    out["qof_points_recorded_pct"] = 100 * pts["points_recorded"] / pts["points_available"]
    out["qof_points_delivered_pct"] = 100 * pts["points_delivered"] / pts["points_available"]
    return out[list(HEADLINES)].reset_index()


def _list_years(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Registered patient-years per scenario and replication (from the run's list sizes)."""
    sizes = tables["practices"]
    years = tables["activity"]["year"].nunique()
    return sizes.groupby(["scenario", "replication"])["list_size"].sum() * years
