"""Virtual evaluations: injected truth, false positives, power, recovery, resampling, the command.

Most tests share one small evaluation whose scheme is QOF itself, so the only change at
the switch is the injected harm (and the re-planning of recall a switch brings): the
truth is then known. Practices are small and the pool is a dozen practices.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS, write_yaml
from sim.cli import main
from sim.config import load_scenario
from sim.evaluation.arms import QOF_ARM, make_arms
from sim.evaluation.design import PLACEBO
from sim.evaluation.run import Evaluated, run_evaluation
from sim.experiment.runner import run_scenario
from sim.model.county import build_federation

SPQS = SCENARIOS / "spqs_evaluation.yaml"
SAME_REGIME = """
extends: {scenarios}/spqs_evaluation.yaml
name: tiny_evaluation
scheme:
  regime_from: {scenarios}/qof_practice.yaml
"""
TINY = {
    "practices.count": 24, "scheme.share": 0.5, "practices.list_size_mean": 1200, "practices.federation_size": 4,
    "measures.warmup_years": 0, "evaluation.pool_practices": 12, "evaluation.years_before": 1, "evaluation.years_after": 1,
    "evaluation.effects": [0.25, 0.5], "evaluation.evaluations": 300,
}
HAZARDS_ONLY = {**TINY, "evaluation.effects": [0.5], "evaluation.effects_on": ["acsc_admissions", "mortality"]}
"""Hazards only: nothing else the practice does responds to them, so the injected change is the true change."""
HOSPITAL = ("acsc_admissions", "deaths")
CONTROL = ("hba1c_control", "bp_control", "bp_control_diabetes")


@lru_cache(maxsize=None)
def _evaluated(folder: str, overrides: str) -> Evaluated:
    path = write_yaml(Path(folder), "tiny_evaluation.yaml", SAME_REGIME)
    loaded = load_scenario(path, json.loads(overrides))
    return run_evaluation(loaded, Path(folder) / "results" / loaded.name, workers=1, progress=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    return _evaluated(str(tmp_path_factory.mktemp("evaluation")), json.dumps(TINY))


@pytest.fixture(scope="module")
def hazards_only(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    return _evaluated(str(tmp_path_factory.mktemp("evaluation")), json.dumps(HAZARDS_ONLY))


def _power(result: Evaluated, data: str = "true") -> pd.DataFrame:
    return result.power[result.power.data == data]


# ------------------------------------------------------------------ the injected truth
def test_a_zero_effect_changes_nothing_bit_for_bit():
    """Switching members with every effect zero gives the same run, to the bit, as with no effects at all."""
    base = {"practices.count": 4, "practices.federation_size": 4, "practices.list_size_mean": 800, "years": 2,
            "scheme.share": 1.0, "scheme.start_year": 1}
    zero = {**base, "scheme.effects.mortality": 0.0}
    loaded = load_scenario(SCENARIOS / "somerset_county.yaml", zero)
    assert all(p.clinical.effects is not None for p in build_federation(loaded, 0, 0).practices)
    plain = run_scenario(load_scenario(SCENARIOS / "somerset_county.yaml", base), workers=1, progress=False).tables
    with_zero = run_scenario(loaded, workers=1, progress=False).tables
    for name in ("quarterly_outcomes", "control", "snapshots", "qof", "activity"):
        pd.testing.assert_frame_equal(plain[name], with_zero[name], check_exact=True)


def test_arms_are_the_same_run_until_the_switch(tiny: Evaluated):
    qof, harmed = tiny.panels[QOF_ARM], tiny.panels["harm 0.5"]
    for name, data in qof.values.items():
        before = ~qof.post
        np.testing.assert_array_equal(data["true"][:, :, before], harmed.values[name]["true"][:, :, before])
        after_q, after_h = data["true"][:, :, qof.post], harmed.values[name]["true"][:, :, qof.post]
        assert not np.array_equal(np.nan_to_num(after_q), np.nan_to_num(after_h)), name
    assert tiny.info["arms"] == ["qof", "harm 0.25", "harm 0.5"]


def test_held_patients_are_out_of_control_after_the_switch(tiny: Evaluated):
    """The share controlled falls by the injected share, relative to the practice's own run on QOF."""
    qof, harmed = tiny.panels[QOF_ARM], tiny.panels["harm 0.5"]
    for name in CONTROL:
        ratio = np.nanmean(harmed.values[name]["true"][:, :, qof.post]) / np.nanmean(qof.values[name]["true"][:, :, qof.post])
        assert ratio == pytest.approx(0.5, abs=0.06), name


# ------------------------------------------------------------------ the analysis
def test_false_positive_rate_is_near_the_nominal_five_percent(tiny: Evaluated):
    """Where nothing changed, evaluations find a change about 5% of the time (binomial interval over evaluations)."""
    placebo = _power(tiny)[lambda d: d.arm == PLACEBO]
    assert len(placebo) == len(HOSPITAL) + len(CONTROL)
    for row in placebo.itertuples():
        assert row.evaluations == TINY["evaluation.evaluations"]
        assert row.power_low <= 0.05 * 1.6 and row.power_high >= 0.05 * 0.5, (row.measure, row.power)
    assert placebo.power.mean() < 0.09


def test_power_does_not_fall_as_the_harm_grows_and_reaches_80_percent(tiny: Evaluated):
    power = _power(tiny)
    reached = []
    for name, curve in power.sort_values("injected").groupby("measure"):
        assert len(curve) == 3, "placebo (nothing changed), then two harms"
        assert (np.diff(curve.power.to_numpy()) >= -0.05).all(), (name, curve.power.tolist())
        assert (np.diff(curve.true_effect.to_numpy()) > 0).all(), (name, curve.true_effect.tolist())
        reached.append(curve.power.iloc[-1] >= 0.8)
    assert sum(reached) >= 3


def test_estimates_on_true_outcomes_recover_the_injected_effect(hazards_only: Evaluated):
    """Harm injected into the hazards only. What it did to the switching practices (their run against their own run on
    QOF) is the injected change, less the harvesting of the frailest by the extra deaths; estimates from true data are
    centred on it and their intervals cover it."""
    est = hazards_only.estimates[(hazards_only.estimates.arm == "harm 0.5") & (hazards_only.estimates.data == "true")]
    for name in HOSPITAL:
        rows = est[est.measure == name]
        # one realisation of a small pool (12 lists of 1,200): across seeds the realised change spreads about
        # 0.34 to 0.60 around the injected 0.5 less harvesting, so only a gross departure fails here
        assert 0.3 < rows.true_relative.mean() < 0.65, (name, rows.true_relative.mean())
        assert rows.relative.mean() == pytest.approx(rows.true_relative.mean(), abs=0.06), name
        covered = ((rows.ci_low <= rows.true_change) & (rows.true_change <= rows.ci_high)).mean()
        assert covered >= 0.88, (name, covered)
    untouched = est[est.measure.isin(CONTROL)]
    # not injected: control moves only as the extra deaths change who is on the register (a few percent at most)
    assert untouched.true_relative.abs().max() < 0.03, "control was not injected"
    assert untouched.true_relative.abs().mean() < 0.01, "control was not injected"


def test_estimates_on_true_outcomes_cover_the_realised_change(tiny: Evaluated):
    """With every channel injected the practices respond (held patients have more events; QOF pushes harder), so the
    realised change differs from the injected one; the evaluations' intervals cover the realised change."""
    est = tiny.estimates[(tiny.estimates.arm != PLACEBO) & (tiny.estimates.data == "true")]
    for (arm, name), rows in est.groupby(["arm", "measure"]):
        covered = ((rows.ci_low <= rows.true_change) & (rows.true_change <= rows.ci_high)).mean()
        assert covered >= 0.88, (arm, name, covered)


# ------------------------------------------------------------------ the command
@pytest.mark.parametrize(
    ("setting", "field", "words"),
    [
        ("evaluation.effects=[]", "evaluation.effects", "no effect list"),
        ("scheme.share=0", "scheme.share", "no practice switches"),
        ("evaluation.controls=20", "evaluation.controls", "only 14 exist"),
    ],
)
def test_bad_settings_stop_with_a_clear_error_and_write_nothing(tmp_path, capsys, setting, field, words):
    out = tmp_path / "results"
    code = main(["evaluate", str(SPQS), "-o", str(out), "-q", "--set", setting])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{field}: " in err and words in err and "Traceback" not in err
    assert not out.exists()


def test_a_scenario_without_an_evaluation_is_refused(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["evaluate", str(SCENARIOS / "somerset_county.yaml"), "-o", str(out), "-q"]) == 2
    assert "evaluation: missing" in capsys.readouterr().err
    assert not out.exists()


def test_evaluate_writes_power_estimates_report_and_the_records_gap(tmp_path, capsys):
    """The Somerset scheme itself (retained core reported), tiny: the outputs, and what the records can and cannot show."""
    out = tmp_path / "results"
    settings = {
        "practices.count": 10, "practices.list_size_mean": 900, "practices.federation_size": 4,
        "evaluation.pool_practices": 4, "evaluation.years_before": 1, "evaluation.years_after": 1,
        "evaluation.effects": "[0]", "evaluation.evaluations": 30,
    }
    args = [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    assert main(["evaluate", str(SPQS), "-o", str(out), "-q", "-w", "1", "--warmup-years", "0", *args]) == 0
    folder = out / "spqs_evaluation"
    power = pd.read_csv(folder / "power.csv")
    assert {"measure", "true_effect", "power"} <= set(power.columns)
    assert set(pd.read_csv(folder / "mde.csv").columns) >= {"measure", "mde"}
    estimates = pd.read_parquet(folder / "estimates.parquet")
    assert estimates.evaluation.nunique() == 30 and set(estimates.arm) == {PLACEBO, "harm 0"}
    panel = pd.read_parquet(folder / "panel.parquet")
    after = panel[(panel.arm == "harm 0") & (panel.quarter_from_switch >= 0)]
    assert after[after.measure == "bp_control"].observed.isna().all(), "hypertension is not reported under the scheme"
    assert after[after.measure == "hba1c_control"].observed.notna().all(), "diabetes is in the retained core"
    assert (after[after.measure == "hba1c_control"].observed <= after[after.measure == "hba1c_control"].true + 1e-9).mean() > 0.9
    scheme_bp = power[(power.arm == "harm 0") & (power.measure == "bp_control") & (power.data == "observed")]
    assert scheme_bp.power.isna().all(), "no evaluation of reported data can see BP control in the scheme's practices"
    html = (folder / "evaluation.html").read_text()
    assert "Could an evaluation of this size detect harm?" in html and "data:image/png;base64," in html
    assert (folder / "power_curves.png").stat().st_size > 10_000
    assert "smallest harm detected" in capsys.readouterr().out


# ------------------------------------------------------------------ resampling
def _cut(panel, pools: int):
    """The same practices regrouped as ``pools`` smaller pools."""
    from sim.evaluation.panel import Panel

    def cut(a: np.ndarray) -> np.ndarray:
        size = a.shape[1] // pools
        return a[:, : size * pools].reshape(pools, size, *a.shape[2:])

    values = {m: {d: cut(v) for d, v in data.items()} for m, data in panel.values.items()}
    return Panel(values, cut(panel.list_size), cut(panel.quintile), panel.days, panel.post)


@pytest.mark.slow
def test_resampled_power_agrees_with_fully_simulated_power(tmp_path):
    """Evaluations resampled (with replacement) from small pools have the power of evaluations of fresh practices.

    One run of 96 practices gives 16 fully simulated evaluations of 6 fresh practices each (partition) and,
    cut into 8 pools of 12, 400 evaluations resampled from those small pools.
    """
    from sim.evaluation.design import analyse_draws, draws
    from sim.evaluation.power import power_table

    path = write_yaml(tmp_path, "tiny_evaluation.yaml", SAME_REGIME)
    over = {
        "practices.count": 6, "scheme.share": 0.5, "practices.list_size_mean": 400, "practices.federation_size": 8,
        "measures.warmup_years": 0,
        "evaluation.pool_practices": 96, "evaluation.sampling": "partition", "evaluation.years_before": 1,
        "evaluation.years_after": 1, "evaluation.effects": [0.3], "evaluation.evaluations": 16,
    }
    loaded = load_scenario(path, over)
    full = run_evaluation(loaded, tmp_path / "results" / loaded.name, workers=1, progress=False)
    resampling = load_scenario(path, {**over, "evaluation.sampling": "resample", "evaluation.evaluations": 400,
                                      "evaluation.pool_practices": 12})
    panels = {arm: _cut(panel, 8) for arm, panel in full.panels.items()}
    qof = panels[QOF_ARM]
    chosen = draws(resampling.scenario, 12, 8, qof.list_size, qof.quintile)
    measures = list(qof.values)
    estimates = analyse_draws(panels, [PLACEBO, "harm 0.3"], measures, chosen, "did", True, 0.05)
    resampled = power_table(estimates, {PLACEBO: 0.0, "harm 0.3": 0.3}, 0.05)
    keys = ["arm", "measure", "data"]
    both = full.power.merge(resampled, on=keys, suffixes=("_full", "_resampled"))
    both = both[both.data == "true"]
    assert len(both) == 2 * len(measures) and (both.evaluations_full == 16).all()
    p = (both.power_full + both.power_resampled) / 2
    allowed = 3 * np.sqrt(p * (1 - p) / 16) + 0.05
    assert ((both.power_full - both.power_resampled).abs() <= allowed).all(), both[keys + ["power_full", "power_resampled"]]
    harmed = both[both.arm == "harm 0.3"]
    assert harmed.power_full.mean() > 0.3, "an effect the evaluations can see, so the comparison means something"
    spread = {}
    for name, frame in (("full", full.estimates), ("resampled", estimates)):
        true = frame[(frame.data == "true") & (frame.arm == PLACEBO)]
        spread[name] = true.groupby("measure").estimate.std()
    ratio = (spread["resampled"] / spread["full"]).mean()
    assert 0.7 < ratio < 1.4, spread
