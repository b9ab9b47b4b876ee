"""The practice-by-quarter data an evaluator would have had, with the true values beside them.

Hospital admissions and deaths come from hospital and death records, which do not
depend on GP recording: what is observed is what happened. Risk-factor control comes
from GP records: the observed share is the share whose last *recorded* value in the
indicator's window is at or below target, and it exists only where still reported:
practices on QOF report every indicator, practices in the scheme only its retained
core. The true share is the patients' actual levels.

Arrays are ``[pool replication, practice, quarter]``; quarters run from the first
measured quarter, and ``post`` marks those after the switch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config import LoadedScenario
from sim.experiment.runner import RunResult


@dataclass(frozen=True)
class Measure:
    """An outcome an evaluation looks at."""

    name: str
    label: str
    unit: str
    harm_sign: int
    """+1 when a rise is harm (admissions, deaths), -1 when a fall is (share controlled)."""
    outcome: str | None = None
    """Quarterly outcome counted per 1,000 patient-years (hospital and death records)."""
    factor: str | None = None
    condition: str | None = None
    """Risk factor and register of a control indicator (GP records)."""

    @property
    def from_records(self) -> bool:
        return self.factor is not None


MEASURES: tuple[Measure, ...] = (
    Measure("acsc_admissions", "emergency admissions for ambulatory-care-sensitive conditions", "per 1,000 patient-years", +1, outcome="acsc_admissions"),
    Measure("deaths", "deaths", "per 1,000 patient-years", +1, outcome="deaths"),
    Measure("hba1c_control", "people with diabetes whose HbA1c is at or below target", "%", -1, factor="hba1c", condition="diabetes"),
    Measure("bp_control", "people with hypertension whose blood pressure is at or below target", "%", -1, factor="sbp", condition="hypertension"),
    Measure("bp_control_diabetes", "people with diabetes whose blood pressure is at or below target", "%", -1, factor="sbp", condition="diabetes"),
)
MEASURE = {m.name: m for m in MEASURES}
DATA = ("true", "observed")


@dataclass
class Panel:
    """One arm's data: ``values[measure][data]`` is ``[pool, practice, quarter]``."""

    values: dict[str, dict[str, np.ndarray]]
    list_size: np.ndarray
    """``[pool, practice]``."""
    quintile: np.ndarray
    days: np.ndarray
    """Last day of each quarter."""
    post: np.ndarray
    """Whether each quarter is after the switch."""


def reported_conditions(loaded: LoadedScenario) -> set[str] | None:
    """Registers a practice in the scheme still reports (its retained core); ``None``: all of them."""
    sc = loaded.scenario
    if sc.scheme is None or sc.scheme.regime.policy == sc.regime.policy:
        return None
    core = getattr(getattr(loaded.scheme_params, "retained_core", None), "conditions", None)
    return set(core or ())


def indicator_for(loaded: LoadedScenario, measure: Measure) -> str | None:
    """The outcome indicator of ``measure``'s risk factor on its register with the strictest target, if any
    (DM007 HbA1c at or below 59 mmol/mol rather than DM009's 75)."""
    found = [s for s in loaded.scenario.indicators if s.factor == measure.factor and s.condition == measure.condition]
    return min(found, key=lambda s: (s.target, s.id)).id if found else None


def measures_for(loaded: LoadedScenario) -> list[Measure]:
    """The measures this scenario can provide (a control measure needs its indicator)."""
    return [m for m in MEASURES if not m.from_records or indicator_for(loaded, m) is not None]


def build_panel(result: RunResult, loaded: LoadedScenario, switch_day: int) -> Panel:
    """The arm's practice-by-quarter data, observed and true, for every measure."""
    practices = result.tables["practices"].sort_values(["replication", "practice"])
    reps = np.sort(practices.replication.unique())
    ids = np.sort(practices.practice.unique())
    shape = (len(reps), len(ids))
    list_size = practices.list_size.to_numpy(dtype=float).reshape(shape)
    quintile = practices.deprivation_quintile.to_numpy().reshape(shape)
    quarters = result.tables["quarterly_outcomes"]
    days = np.sort(quarters.day.unique())
    values = {}
    for m in measures_for(loaded):
        if m.outcome:
            rate = _rates(quarters, m.outcome, reps, ids, days)
            values[m.name] = {"true": rate, "observed": rate}
        else:
            values[m.name] = _control(result.tables["control"], loaded, m, reps, ids, days)
    return Panel(values, list_size, quintile, days, days >= switch_day)


def _cube(df: pd.DataFrame, column: str, reps: np.ndarray, ids: np.ndarray, days: np.ndarray, fill: float) -> np.ndarray:
    index = pd.MultiIndex.from_product([reps, ids, days], names=["replication", "practice", "day"])
    series = df.set_index(["replication", "practice", "day"])[column]
    return series.reindex(index, fill_value=fill).to_numpy(dtype=float).reshape(len(reps), len(ids), len(days))


def _rates(quarters: pd.DataFrame, outcome: str, reps: np.ndarray, ids: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Events per 1,000 patient-years in each quarter (NaN in a quarter with no health step)."""
    total = quarters[quarters.condition == ""].groupby(["replication", "practice", "day", "measure"]).value.sum().reset_index()
    count = _cube(total[total.measure == outcome], "value", reps, ids, days, 0.0)
    years = _cube(total[total.measure == "life_years"], "value", reps, ids, days, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(years > 0, 1000.0 * count / years, np.nan)


def _control(
    control: pd.DataFrame, loaded: LoadedScenario, m: Measure, reps: np.ndarray, ids: np.ndarray, days: np.ndarray
) -> dict[str, np.ndarray]:
    """Share controlled (%), true and as recorded where reported."""
    rows = control[control.indicator == indicator_for(loaded, m)].copy()
    reported = reported_conditions(loaded)
    own = loaded.scenario.regime.policy
    rows["reported"] = (rows.regime == own) | (reported is None) | (m.condition in (reported or ()))
    register = _cube(rows, "register", reps, ids, days, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        true = np.where(register > 0, 100.0 * _cube(rows, "controlled_true", reps, ids, days, np.nan) / register, np.nan)
        recorded = np.where(register > 0, 100.0 * _cube(rows, "controlled_recorded", reps, ids, days, np.nan) / register, np.nan)
    seen = _cube(rows.assign(reported=rows.reported.astype(float)), "reported", reps, ids, days, 0.0) > 0
    return {"true": true, "observed": np.where(seen, recorded, np.nan)}


def tidy(panels: dict[str, Panel], switch_day: int) -> pd.DataFrame:
    """Every arm's data as one long table: arm, pool, practice, quarter, measure, observed, true."""
    frames = []
    for arm, panel in panels.items():
        r, p, q = np.meshgrid(*(np.arange(n) for n in panel.list_size.shape), np.arange(len(panel.days)), indexing="ij")
        quarter = q.ravel() - int(np.sum(panel.days < switch_day))
        for name, data in panel.values.items():
            frames.append(
                pd.DataFrame(
                    {
                        "arm": arm, "pool": r.ravel(), "practice": p.ravel(), "quarter_from_switch": quarter,
                        "day": panel.days[q.ravel()], "list_size": panel.list_size[r.ravel(), p.ravel()],
                        "measure": name, "observed": data["observed"].ravel(), "true": data["true"].ravel(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
