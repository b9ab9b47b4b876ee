"""Headline measures of a run, per scenario and replication: what a policy reader asks first."""

from __future__ import annotations

import pandas as pd

KEYS = ["scenario", "replication"]

HEADLINES: dict[str, str] = {
    "missed_plan_pct": "Missed their own plan: register patients past the review date their regime planned by more than the grace period, % (average over measured years)",
    "missed_plan_final_year_pct": "Missed their own plan: register patients past the review date their regime planned by more than the grace period, % (final year)",
    "never_reviewed_pct": "Register patients never reviewed, % (final year)",
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
    "routine_wait_days": "Mean wait from asking to a routine (non-review) appointment, days (includes days the patient chose to wait)",
    "routine_delay_days": "Mean delay of a routine (non-review) appointment beyond the day the patient wanted, days (capacity)",
    "review_wait_days": "Mean wait for a review appointment, days",
    "same_day_unmet_per_1000_patients": "Same-day requests not met per 1,000 patients per year",
    "access_same_day_pct": "Other consultations seen the same day as asked, % (GP Patient Survey, QualityWatch: 38-40%)",
    "access_same_or_next_day_pct": "Other consultations seen the same or next working day after asking, % (GP Patient Survey 2013/14: 49%)",
    "access_week_or_more_pct": "Other consultations seen a week or more after asking, % (GP Patient Survey 2013/14: 16%)",
    "requests_unmet_pct": "Requests for other consultations never met (same-day turned away or routine lapsed), %",
    "utilisation_gp_pct": "GP minutes used, % of minutes available",
    "utilisation_nurse_pct": "Practice nurse minutes used, % of minutes available",
    "utilisation_hca_pct": "HCA minutes used, % of minutes available",
    "roles_capacity_bound": "Roles (practice and federation) using more than 95% of their minutes: capacity-bound, number",
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
"""Column name -> plain-language label. No headline measure counts a review interval
the regime planned as a gap: a gap is a review later than planned (``missed_plan``)."""

THRESHOLDS_MONTHS = (12, 15, 24)
"""Fixed clinical thresholds reported by default (``measures.gap_thresholds_months``)."""

CAPACITY_BOUND_PCT = 95.0
"""A role using more than this share of its minutes is flagged capacity-bound: its queues, not
the regime, may be driving waits and gaps (an assumption: no published utilisation figure)."""

PRACTICE_ROLES_REPORTED = ("gp", "nurse", "hca")


def threshold_label(months: int, final_year: bool = False) -> str:
    when = "final year" if final_year else "average over measured years"
    return (
        f"No review for over {months} months (fixed clinical threshold: counts longer planned intervals too), "
        f"% of register patients ({when})"
    )


CLINICAL_THRESHOLDS: dict[str, str] = {
    f"no_review_{m}m{suffix}_pct": threshold_label(m, bool(suffix)) for m in THRESHOLDS_MONTHS for suffix in ("", "_final_year")
}
"""The second view of every gap: time since the last review of each condition against fixed
thresholds, whatever the regime planned. Reported beside the headlines, never as one."""

MEASURES: dict[str, str] = {**HEADLINES, **CLINICAL_THRESHOLDS}
"""Every column :func:`headline` returns, with its label."""


def label(measure: str) -> str | None:
    """Plain-language label of a measure, including thresholds a scenario adds."""
    if measure in MEASURES:
        return MEASURES[measure]
    parts = measure.removeprefix("no_review_").split("m", 1)
    if measure.startswith("no_review_") and parts[0].isdigit():
        return threshold_label(int(parts[0]), "final_year" in measure)
    return None

CONTROL = {"bp": "HYP006", "hba1c": "DM007"}
EVENTS = ("mi", "stroke", "hf_admission", "amputation", "microvascular", "copd_admission")


def headline(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per scenario and replication with every measure in :data:`MEASURES`
    (and any further clinical thresholds the scenarios ask for)."""
    parts = [_gaps(tables), _activity(tables), _waits(tables), _access(tables), _utilisation(tables)]
    out = pd.concat([*parts, _qof(tables), _money(tables), _control(tables), _outcomes(tables)], axis=1)
    extra = sorted(c for c in out.columns if c.startswith("no_review_") and c not in MEASURES)
    return out.reindex(columns=[*MEASURES, *extra]).reset_index()


def _final_year(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["year"] == df["year"].max()]


def _gaps(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Gap shares over every measured snapshot and over the final year's: where a
    two-year cycle happens to stop does not decide the answer."""
    snaps = tables["snapshots"]
    whole, last = _register_shares(snaps), _register_shares(_final_year(snaps))
    out = pd.DataFrame(index=last.index)
    views = ["missed_plan", *sorted((c for c in whole.columns if c.startswith("no_review_")), key=_months)]
    for m in views:
        out[f"{m}_pct"] = whole[m]
        out[f"{m}_final_year_pct"] = last[m]
    out["never_reviewed_pct"] = last["never_reviewed"]
    final = _final_year(snaps)
    index = [*KEYS, "practice", "day", "condition"]
    gap = final[final["measure"] == "mean_months_since_review"].set_index(index)["value"]
    reg = final[final["measure"] == "register"].set_index(index)["value"]
    out["mean_months_since_review"] = (gap * reg).groupby(KEYS).sum() / reg.groupby(KEYS).sum()
    return out


def _months(measure: str) -> int:
    return int(measure.removeprefix("no_review_").removesuffix("m"))


def _register_shares(snaps: pd.DataFrame) -> pd.DataFrame:
    """Each count measure as a % of register patients, pooled over the snapshots given."""
    totals = snaps.groupby([*KEYS, "measure"])["value"].sum().unstack()
    counts = totals.drop(columns=["register", "mean_months_since_review"])
    return 100 * counts.div(totals["register"], axis=0)


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


def _access(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Access to other (non-review) consultations as the GP Patient Survey asks it: of
    patients seen, how long after asking. Same-day requests met count as seen the same day."""
    totals = tables["activity"].groupby([*KEYS, "measure"])["value"].sum().unstack(fill_value=0.0)
    waits = tables["waits"]
    routine = waits[waits["kind"] == "other"]
    seen_routine = routine.groupby(KEYS)["appointments"].sum().reindex(totals.index, fill_value=0)
    week = routine[routine["wait_days"] >= 7].groupby(KEYS)["appointments"].sum().reindex(totals.index, fill_value=0)
    today = routine[routine["wait_days"] == 0].groupby(KEYS)["appointments"].sum().reindex(totals.index, fill_value=0)
    same_day = _column(totals, "same_day_seen")
    seen = same_day + seen_routine
    unmet = _column(totals, "same_day_unmet") + _column(totals, "routine_gave_up")
    return pd.DataFrame(
        {
            "access_same_day_pct": 100 * (same_day + today) / seen,
            "access_same_or_next_day_pct": 100 * (same_day + _column(totals, "routine_seen_next_working_day")) / seen,
            "access_week_or_more_pct": 100 * week / seen,
            "requests_unmet_pct": 100 * unmet / (seen + unmet),
            "routine_delay_days": _column(totals, "routine_delay_days") / seen_routine,
        }
    )


def _column(totals: pd.DataFrame, measure: str) -> pd.Series:
    return totals[measure] if measure in totals else pd.Series(0.0, index=totals.index)


def utilisation(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Minutes used as a % of minutes available, per scenario, replication and role
    (practice roles pooled over practices; federation staff over the federation), over
    the measured years, with ``capacity_bound`` where it exceeds :data:`CAPACITY_BOUND_PCT`."""
    act = tables["activity"]
    act = act[act["role"] != ""]
    totals = act.groupby([*KEYS, "role", "measure"])["value"].sum().unstack(fill_value=0.0)
    out = pd.DataFrame(index=totals.index)
    out["minutes_available"] = _column(totals, "minutes_available")
    out["minutes_used"] = _column(totals, "minutes_ltc") + _column(totals, "minutes_other")
    out["utilisation_pct"] = 100 * out["minutes_used"] / out["minutes_available"].where(out["minutes_available"] > 0)
    out["capacity_bound"] = out["utilisation_pct"] > CAPACITY_BOUND_PCT
    return out[out["minutes_available"] > 0].reset_index()


def _utilisation(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    table = utilisation(tables)
    wide = table.pivot_table(index=KEYS, columns="role", values="utilisation_pct")
    out = pd.DataFrame({f"utilisation_{r}_pct": wide[r] for r in PRACTICE_ROLES_REPORTED if r in wide})
    out["roles_capacity_bound"] = table.groupby(KEYS)["capacity_bound"].sum().astype(float)
    return out


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
