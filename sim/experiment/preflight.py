"""Would this scenario fail at run time? Checked before anything is simulated or written.

Validation (``sim.config``) checks each field; some problems only show when the
model is built from several fields together, and would otherwise surface as a
traceback minutes into a run: a register prevalence the population model cannot
reach, a practice whose clinicians have no time for a single appointment, an
appointment longer than a clinician's day. This module builds the cheap parts of
the model (register intercepts, the regime's policy, appointment books' minutes)
and reports such problems as :class:`ScenarioError`, naming the field and what to do.
``qofsim check`` runs it, and so do ``run``, ``compare``, ``sweep`` and ``replications``
before they write anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.config import LoadedScenario, ScenarioError
from sim.config.schema import PopulationSpec
from sim.model.county import deprivation_quintiles, federation_plan, list_sizes, practice_scenario
from sim.model.population import age_grid, condition_intercepts
from sim.vocabulary import CONDITIONS, PRACTICE_ROLES

Problem = tuple[str, str]
"""(field path, what is wrong and what to do)."""


def preflight(loaded: LoadedScenario) -> None:
    """Raise :class:`ScenarioError` listing every run-time problem of one scenario."""
    problems = role_tables(loaded)
    if not problems:
        problems = registers(loaded) + appointments(loaded)
    if problems:
        raise ScenarioError.listing(loaded.path, problems)


def distinct_names(scenarios: Sequence[LoadedScenario]) -> None:
    """Scenarios compared together need different names: each gets its own results folder."""
    first: dict[str, LoadedScenario] = {}
    for loaded in scenarios:
        other = first.setdefault(loaded.name, loaded)
        if other is loaded:
            continue
        if other.path == loaded.path:
            raise ScenarioError(loaded.path, "", "is given twice; compare different scenarios")
        raise ScenarioError(loaded.path, "name", f"{loaded.name!r} is also the name of {other.path}; give each compared scenario its own name")


# ----------------------------------------------------------------- registers
def registers(loaded: LoadedScenario) -> list[Problem]:
    """Every register's intercept must be solvable for its prevalence (the population model),
    in every deprivation quintile a practice is in (deprivation shifts prevalence)."""
    problems: dict[str, str] = {}
    for quintile in sorted(set(deprivation_quintiles(loaded).tolist())):
        spec = practice_scenario(loaded, quintile).population
        if _solvable(spec):
            continue
        found = [_register_problem(spec, name, loaded, quintile) for name in CONDITIONS if not _solvable(_alone(spec, name))]
        for field, problem in found or [("population", "the registers' prevalences cannot be reached together; check them")]:
            problems.setdefault(field, problem)
    return list(problems.items())


def _solvable(spec: PopulationSpec) -> bool:
    try:
        with np.errstate(all="ignore"):
            condition_intercepts(spec)
    except (ValueError, RuntimeError, ArithmeticError):
        return False
    return True


def _alone(spec: PopulationSpec, name: str) -> PopulationSpec:
    """The population with every register like ``name``'s: solves that register on its own."""
    return spec.model_copy(update={"conditions": {c: spec.conditions[name] for c in CONDITIONS}})


def _register_problem(spec: PopulationSpec, name: str, loaded: LoadedScenario, quintile: int) -> Problem:
    cond = spec.conditions[name]
    field = f"population.conditions.{name}"
    national = loaded.scenario.population.conditions[name].prevalence
    shifted = f" (in deprivation quintile {quintile} it becomes {cond.prevalence:.3g})" if cond.prevalence != national else ""
    ages, weights = age_grid(spec.age_bands)
    eligible = float(weights[ages >= cond.min_age].sum() / weights.sum())
    of_list = cond.prevalence * (eligible if cond.prevalence_of == "eligible" else 1.0)
    if of_list >= eligible:
        return (
            f"{field}.prevalence",
            f"{national:g}{shifted} cannot be reached: only {eligible:.1%} of the list is aged {cond.min_age} or over "
            f"(min_age), the most the register can hold; lower the prevalence or min_age"
            + (f" or deprivation.prevalence_ratio.{name}" if shifted else ""),
        )
    if _solvable(_alone(spec.model_copy(update={"multimorbidity_sd": 0.0}), name)):
        return (
            "population.multimorbidity_sd",
            f"{spec.multimorbidity_sd:g} is too wide for the {name} register's prevalence {national:g}{shifted} to be reached; "
            "lower it (the shipped value is about 1)",
        )
    return (
        f"{field}.age_slope",
        f"{cond.age_slope:g} per decade is too steep for prevalence {national:g}{shifted} to be reached "
        f"(even the lowest intercept puts more of the list on the register); lower it",
    )


# --------------------------------------------------------------- appointments
def role_tables(loaded: LoadedScenario) -> list[Problem]:
    """Per-role tables must give every practice role (0 where a practice has none)."""
    sc = loaded.scenario
    tables = {
        "staffing.fte_per_1000": sc.staffing.fte_per_1000,
        "staffing.minutes_per_fte_day": sc.staffing.minutes_per_fte_day,
        "demand.minutes": sc.demand.minutes,
    }
    return [
        (f"{field}.{role}", f"missing; give every practice role ({', '.join(PRACTICE_ROLES)}), 0 where a practice has none")
        for field, table in tables.items()
        for role in PRACTICE_ROLES
        if role not in table
    ]


def appointments(loaded: LoadedScenario) -> list[Problem]:
    """Every appointment fits in one clinician's working day, and some appointment fits
    in the smallest practice's day (else nobody is ever seen and nothing can be measured)."""
    lengths = _appointment_lengths(loaded)
    problems = [
        (field, f"{what} takes {longest:g} min, longer than one {role}'s working day "
                f"({per_fte:g} min, {_minutes_field(role)}); shorten it or lengthen the day")
        for role, (_, longest, field, what) in lengths.items()
        if (per_fte := _minutes_per_fte(loaded, role)) > 0 and longest > per_fte
    ]
    day = _smallest_day(loaded)
    if not any(day[role] >= length[0] for role, length in lengths.items()):
        size = int(list_sizes(loaded).min())
        minutes = ", ".join(f"{role} {day[role]:.3g}" for role in day)
        shortest = min((length[0] for length in lengths.values()), default=float("nan"))
        problems.append((
            "staffing",
            f"no appointment fits in any clinician's day in the smallest practice (list {size:,}): its minutes a day "
            f"are {minutes}, and the shortest appointment takes {shortest:g} min, so nobody could ever be seen; "
            "give at least one role FTE (staffing.fte_per_1000) and minutes (staffing.minutes_per_fte_day)",
        ))
    return problems


def _appointment_lengths(loaded: LoadedScenario) -> dict[str, tuple[float, float, str, str]]:
    """Per role: shortest and longest appointment it can be booked for, the field that sets
    the longest, and what that appointment is."""
    sc = loaded.scenario
    found: dict[str, tuple[float, float, str, str]] = {}
    if sc.demand.consultations_per_person_year > 0:
        for role in PRACTICE_ROLES:
            if sc.demand.role_share.get(role, 0.0) > 0:
                minutes = sc.demand.minutes[role]
                found[role] = (minutes, minutes, f"demand.minutes.{role}", "a consultation")
    for prefix, policy in _policies(loaded):
        for role in policy.params.review_minutes:
            if role not in sc.roles:
                continue
            index = np.array([sc.roles.index(role)])
            short, long = (float(policy.review_minutes(index, np.array([n]))[0]) for n in (1, len(CONDITIONS)))
            what = f"a review of a patient on all {len(CONDITIONS)} registers (with extra_condition_minutes)"
            old = found.get(role, (short, 0.0, "", ""))
            longest = (long, f"{prefix}.review_minutes.{role}", what) if long >= old[1] else old[1:]
            found[role] = (min(old[0], short), *longest)
    return found


def _policies(loaded: LoadedScenario) -> list[tuple[str, Any]]:
    """The regime's policy and, when some practices join a scheme, the scheme's."""
    policies = [("regime.params", loaded.make_policy())]
    if loaded.scheme_params is not None:
        policies.append(("scheme.regime.params", loaded.make_policy(scheme=True)))
    return policies


def _minutes_per_fte(loaded: LoadedScenario, role: str) -> float:
    sc = loaded.scenario
    if role in PRACTICE_ROLES:
        return sc.staffing.minutes_per_fte_day[role] if sc.staffing.fte_per_1000[role] > 0 else 0.0
    staff = sc.federation.staff[role]
    return staff.minutes_per_fte_day if staff.fte_per_10000 > 0 else 0.0


def _minutes_field(role: str) -> str:
    return f"staffing.minutes_per_fte_day.{role}" if role in PRACTICE_ROLES else f"federation.staff.{role}.minutes_per_fte_day"


def _smallest_day(loaded: LoadedScenario) -> dict[str, float]:
    """Minutes a day of each role in the smallest practice (federation staff: the smallest federation)."""
    sc = loaded.scenario
    sizes = list_sizes(loaded)
    smallest = float(sizes.min())
    federation = float(min(sizes[group].sum() for group in federation_plan(loaded)))
    day = {role: sc.staffing.fte_per_1000[role] * smallest / 1000 * sc.staffing.minutes_per_fte_day[role] for role in PRACTICE_ROLES}
    for role, staff in sc.federation.staff.items():
        day[role] = staff.fte_per_10000 * federation / 10_000 * staff.minutes_per_fte_day
    return day
