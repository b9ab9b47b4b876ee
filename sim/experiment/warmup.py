"""The warm-up a comparison needs: at least the longest review cycle of any regime in it.

Until every patient has been through one full cycle, the share reviewed in a year
depends on where the run started (a two-year cycle that begins in step oscillates),
so measuring before then compares start-up transients, not regimes. Scenarios
compared must also warm up for the same years, so replication ``r`` of each is
measured over the same calendar years and the differences stay paired.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.config import LoadedScenario, ScenarioError
from sim.engine.clock import DAYS_PER_MONTH, DAYS_PER_YEAR


def longest_cycle_days(loaded: LoadedScenario) -> int:
    """The longest interval between reviews that any regime of the scenario ever plans, in
    days: its own, and a local scheme's if some practices join one."""
    schemes = [False] + ([True] if loaded.scenario.scheme is not None else [])
    try:
        return max(int(loaded.make_policy(scheme=s).longest_cycle_days()) for s in schemes)
    except NotImplementedError as exc:
        raise ScenarioError(loaded.path or loaded.name, "regime.policy", str(exc)) from None


def years_needed(days: int) -> int:
    """Whole warm-up years that cover a cycle of ``days``."""
    return max(1, math.ceil(days / DAYS_PER_YEAR))


def check_warmup(scenarios: Sequence[LoadedScenario]) -> None:
    """Refuse a comparison whose warm-up is shorter than the longest review cycle of any
    scenario in it, or differs between its scenarios (raises :class:`ScenarioError`)."""
    if not scenarios:
        return
    warmups = {s.name: s.scenario.measures.warmup_years for s in scenarios}
    if len(set(warmups.values())) > 1:
        listed = ", ".join(f"{name} {years}" for name, years in warmups.items())
        raise ScenarioError(
            scenarios[0].path or scenarios[0].name, "measures.warmup_years",
            f"warm-up years differ between the scenarios compared ({listed}); paired differences need the same measured years",
        )
    cycles = {s.name: longest_cycle_days(s) for s in scenarios}
    name = max(cycles, key=lambda n: cycles[n])
    days, warmup = cycles[name], warmups[name]
    if warmup * DAYS_PER_YEAR < days:
        raise ScenarioError(
            next(s.path or s.name for s in scenarios if s.name == name), "measures.warmup_years",
            f"a warm-up of {warmup} year(s) is shorter than the longest review cycle in this comparison, "
            f"{name}'s {days / DAYS_PER_MONTH:.0f} months ({days} days): measured years would still reflect the start. "
            f"Use --warmup-years {years_needed(days)} or more",
        )
