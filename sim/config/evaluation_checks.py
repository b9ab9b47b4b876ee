"""Cross-field checks of a virtual evaluation: settings that no evaluation could have."""

from __future__ import annotations

from sim.config.schema import Scenario


def switching(scenario: Scenario) -> int:
    """Practices that switch in each evaluation."""
    assert scenario.scheme is not None
    return int(round(scenario.scheme.share * scenario.practices.count))


def evaluation_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """Settings that no evaluation could have: ``(field path, problem)`` for each."""
    ev = scenario.evaluation
    if ev is None:
        return []
    if scenario.scheme is None:
        return [("scheme", "an evaluation needs a scheme: who switches, and to which regime")]
    count = scenario.practices.count
    n = switching(scenario)
    if n == 0:
        return [("scheme.share", f"no practice switches: a share of {scenario.scheme.share:g} of {count} practices rounds to none")]
    if n == count:
        return [("scheme.share", f"every one of the {count} practices switches: none is left as a control")]
    problems = []
    if ev.controls is not None and ev.controls > count - n:
        problems.append(
            ("evaluation.controls", f"{ev.controls} control practices asked for, but only {count - n} exist ({count} practices, {n} switching)")
        )
    pool = ev.pool_practices or count
    if ev.sampling == "partition" and pool < count:
        problems.append(
            ("evaluation.pool_practices", f"partition sampling needs at least {count} practices in the pool (one evaluation's worth); it has {pool}")
        )
    if scenario.measures.warmup_years + ev.years_before + ev.years_after > 50:
        problems.append(("evaluation.years_after", "warm-up, years before and years after exceed the 50 years a run may last"))
    return problems
