"""Headline measures of a run, per scenario and replication: what a policy reader asks first."""

from __future__ import annotations

import pandas as pd

KEYS = ["scenario", "replication"]

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
    "admin_hours_gp_per_1000_patients": "GP administrative hours (coding, reporting, meetings) per 1,000 patients per year",
    "admin_hours_nurse_per_1000_patients": "Nurse administrative hours per 1,000 patients per year",
    "admin_hours_hca_per_1000_patients": "HCA administrative hours per 1,000 patients per year",
    "admin_hours_nonclinical_per_1000_patients": "Non-clinical staff (administrators, manager) hours on recall, coding and reporting per 1,000 patients per year",
    "admin_hours_federation_per_1000_patients": "Federation staff administrative hours per 1,000 patients per year",
    "admin_hours_per_1000_patients": "All administrative hours per 1,000 patients per year",
    "routine_wait_days": "Mean wait for a routine (non-review) appointment, days",
    "review_wait_days": "Mean wait for a review appointment, days",
    "same_day_unmet_per_1000_patients": "Same-day requests not met per 1,000 patients per year",
    "qof_points_recorded_pct": "QOF points on recorded care, % of available",
    "qof_points_delivered_pct": "QOF points on delivered care, % of available",
    "exception_rate_pct": "QOF exception rate, % (exceptions incl. new patients / (denominator + exceptions), paid indicators, not registers)",
    "qof_income_gbp_per_1000_patients": "QOF income (points x £/point x CPI x APDF; or protected pre-scheme income), GBP per 1,000 patients per year",
    "federation_staff_cost_gbp_per_1000_patients": "Employment cost of federation staff, GBP per 1,000 patients per year",
    "practice_income_net_gbp_per_1000_patients": "QOF (or protected) income less federation staff the practices pay for, GBP per 1,000 patients per year",
    "bp_controlled_true_pct": "Hypertension register with SBP <=150 (true), % (final year)",
    "bp_controlled_recorded_pct": "Hypertension register with a recorded SBP <=150, % (final year)",
    "hba1c_controlled_true_pct": "Diabetes register with HbA1c <=7.5% (true), % (final year)",
    "hba1c_controlled_recorded_pct": "Diabetes register with a recorded HbA1c <=7.5%, % (final year)",
    "mi_per_1000": "Myocardial infarctions per 1,000 patient-years",
    "stroke_per_1000": "Strokes per 1,000 patient-years",
    "hf_admission_per_1000": "Heart-failure admissions per 1,000 patient-years",
    "amputation_per_1000": "Diabetic amputations per 1,000 patient-years",
    "microvascular_per_1000": "Diabetic microvascular endpoints per 1,000 patient-years",
    "copd_admission_per_1000": "COPD admissions per 1,000 patient-years",
    "acsc_admissions_per_1000": "Ambulatory-care-sensitive admissions per 1,000 patient-years",
    "emergency_admissions_per_1000": "Emergency admissions (modelled causes) per 1,000 patient-years",
    "deaths_per_1000": "Deaths per 1,000 patient-years",
    "qalys_per_1000": "QALYs per 1,000 patient-years",
    "cost_events_per_1000": "NHS cost of events per 1,000 patient-years, GBP",
    "cost_staff_per_1000": "NHS cost of clinician time per 1,000 patient-years, GBP",
}
"""Column name -> plain-language label."""

CONTROL = {"bp": "HYP006", "hba1c": "DM007"}
EVENTS = ("mi", "stroke", "hf_admission", "amputation", "microvascular", "copd_admission")


def headline(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per scenario and replication with every measure in :data:`HEADLINES`."""
    parts = [_gaps(tables), _activity(tables), _waits(tables), _qof(tables), _money(tables), _control(tables), _outcomes(tables)]
    out = pd.concat(parts, axis=1)
    return out.reindex(columns=list(HEADLINES)).reset_index()


def _final_year(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["year"] == df["year"].max()]


def _gaps(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    snaps = _final_year(tables["snapshots"])
    last = snaps.groupby([*KEYS, "measure"])["value"].sum().unstack()
    out = pd.DataFrame(index=last.index)
    for m in ("overdue", "never_reviewed", "lost_to_follow_up"):
        out[f"{m}_pct"] = 100 * last[m] / last["register"]
    index = [*KEYS, "practice", "day", "condition"]
    gap = snaps[snaps["measure"] == "mean_months_since_review"].set_index(index)["value"]
    reg = snaps[snaps["measure"] == "register"].set_index(index)["value"]
    out["mean_months_since_review"] = (gap * reg).groupby(KEYS).sum() / last["register"]
    return out


def _register_years(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Register patient-years: the mean register over snapshots times the years run."""
    snaps = tables["snapshots"]
    reg = snaps[snaps["measure"] == "register"].groupby([*KEYS, "day"])["value"].sum()
    return reg.groupby(KEYS).mean() * snaps["year"].nunique()


def _patient_years(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Registered patient-years (life-years on the list)."""
    out = tables["outcomes"]
    return out[out["measure"] == "life_years"].groupby(KEYS)["value"].sum()


def _activity(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    act = tables["activity"]
    totals = act.groupby([*KEYS, "measure"])["value"].sum().unstack(fill_value=0.0)
    reg_years, years = _register_years(tables), _patient_years(tables)
    out = pd.DataFrame(index=totals.index)
    out["reviews_delivered_per_1000_register"] = 1000 * totals.get("reviews_delivered", 0.0) / reg_years
    out["reviews_recorded_per_1000_register"] = 1000 * totals.get("reviews_recorded", 0.0) / reg_years
    out["letters_per_1000_register"] = 1000 * totals.get("letters", 0.0) / reg_years
    out["exceptions_pct"] = 100 * totals.get("exceptions", 0.0) / reg_years
    out["ltc_hours_per_1000_patients"] = 1000 * totals.get("minutes_ltc", 0.0) / 60 / years
    out["other_hours_per_1000_patients"] = 1000 * totals.get("minutes_other", 0.0) / 60 / years
    out = out.join(_admin(act, years))
    out["same_day_unmet_per_1000_patients"] = 1000 * totals.get("same_day_unmet", 0.0) / years
    out["cost_staff_per_1000"] = 1000 * _staff_cost(act, tables) / years
    return out


ADMIN_GROUPS = {"gp": ("gp",), "nurse": ("nurse",), "hca": ("hca",), "nonclinical": ("admin", "manager")}


def _admin(act: pd.DataFrame, years: pd.Series) -> pd.DataFrame:
    """Administrative hours per 1,000 patients by role group; federation staff are the roles in no group."""
    admin = act[act["measure"] == "admin_minutes"]
    by_role = admin.groupby([*KEYS, "role"])["value"].sum().unstack(fill_value=0.0) if len(admin) else pd.DataFrame()
    out = pd.DataFrame(index=years.index)
    grouped: list[str] = []
    for name, roles in ADMIN_GROUPS.items():
        cols = [r for r in roles if r in by_role.columns]
        grouped += cols
        out[f"admin_hours_{name}_per_1000_patients"] = _per_1000_hours(by_role[cols].sum(axis=1) if cols else None, years)
    rest = [r for r in by_role.columns if r not in grouped]
    out["admin_hours_federation_per_1000_patients"] = _per_1000_hours(by_role[rest].sum(axis=1) if rest else None, years)
    out["admin_hours_per_1000_patients"] = out.filter(like="admin_hours_").sum(axis=1)
    return out


def _per_1000_hours(minutes: pd.Series | None, years: pd.Series) -> pd.Series:
    if minutes is None:
        return pd.Series(0.0, index=years.index)
    return (1000 * minutes.reindex(years.index, fill_value=0.0) / 60 / years).astype(float)


def _staff_cost(act: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Cost of clinician minutes worked, priced by role (``clinical.cost_per_hour``)."""
    rates = tables.get("cost_rates")
    worked = act[act["measure"].isin(["minutes_ltc", "minutes_other"])]
    if rates is None or worked.empty:
        return pd.Series(0.0, index=worked.groupby(KEYS).size().index)
    priced = worked.merge(rates, on=["scenario", "role"], how="left")
    priced["cost"] = priced["value"] / 60 * priced["cost_per_hour"].fillna(0.0)
    return priced.groupby(KEYS)["cost"].sum()


def _waits(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    waits = tables["waits"]
    out = {}
    for kind, col in (("other", "routine_wait_days"), ("ltc", "review_wait_days")):
        w = waits[waits["kind"] == kind]
        num = (w["wait_days"] * w["appointments"]).groupby([w[k] for k in KEYS]).sum()
        out[col] = num / w.groupby(KEYS)["appointments"].sum()
    return pd.DataFrame(out)


def _qof(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    pts = tables["qof"].groupby(KEYS)[["points_recorded", "points_delivered", "points_available"]].sum()
    out = pd.DataFrame(
        {
            "qof_points_recorded_pct": 100 * pts["points_recorded"] / pts["points_available"],
            "qof_points_delivered_pct": 100 * pts["points_delivered"] / pts["points_available"],
        }
    )
    qof = tables["qof"]
    if "kind" in qof and "excluded_new" in qof:
        paid = qof[(qof["kind"] != "register") & (qof["points_available"] > 0)]
        sums = paid.groupby(KEYS)[["exceptions", "excluded_new", "denominator"]].sum()
        excepted = sums["exceptions"] + sums["excluded_new"]
        out["exception_rate_pct"] = 100 * excepted / (sums["denominator"] + excepted)
    return out


def _money(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """QOF income and federation staff costs per 1,000 registered patient-years."""
    years = _patient_years(tables)
    qof = tables["qof"]
    income = qof.groupby(KEYS)["income_gbp"].sum() if "income_gbp" in qof else pd.Series(0.0, index=years.index)
    act = tables["activity"]
    cost = act[act["measure"] == "staff_cost_gbp"]
    fed = cost.groupby(KEYS)["value"].sum().reindex(years.index, fill_value=0.0)
    practices = cost[cost["purpose"] == "funded_by_practices"].groupby(KEYS)["value"].sum().reindex(years.index, fill_value=0.0)
    return pd.DataFrame(
        {
            "qof_income_gbp_per_1000_patients": 1000 * income / years,
            "federation_staff_cost_gbp_per_1000_patients": 1000 * fed / years,
            "practice_income_net_gbp_per_1000_patients": 1000 * (income - practices) / years,
        }
    )


def _control(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    control = _final_year(tables["control"])
    sums = control.groupby([*KEYS, "indicator"])[["register", "controlled_true", "controlled_recorded"]].sum()
    out = {}
    for name, indicator in CONTROL.items():
        part = sums.xs(indicator, level="indicator") if indicator in sums.index.get_level_values("indicator") else None
        if part is None:
            continue
        out[f"{name}_controlled_true_pct"] = 100 * part["controlled_true"] / part["register"]
        out[f"{name}_controlled_recorded_pct"] = 100 * part["controlled_recorded"] / part["register"]
    return pd.DataFrame(out)


def _outcomes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    totals = tables["outcomes"].groupby([*KEYS, "measure"])["value"].sum().unstack(fill_value=0.0)
    years = totals["life_years"]
    out = pd.DataFrame(index=totals.index)
    for event in EVENTS:
        out[f"{event}_per_1000"] = 1000 * totals.get(f"event_{event}", 0.0) / years
    for m in ("acsc_admissions", "emergency_admissions", "deaths", "qalys", "cost_events"):
        out[f"{m}_per_1000"] = 1000 * totals.get(m, 0.0) / years
    return out
