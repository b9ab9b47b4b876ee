"""Back-test: small fixed runs reproduce their saved headline results.

tests/data/backtest_headline.csv holds the headline table of qof_practice and
optout_practice shrunk to 2 years and 1,500 patients, with each scenario's own
(shipped) seed, replication 0. Any change to the model's behaviour, its
parameters or the random streams changes these numbers and fails this test;
that is the point. When a change is *meant* to alter results, regenerate the
file deliberately, review the diff, and commit it with the change:

    QOFSIM_REGENERATE_BACKTEST=1 .venv/bin/python -m pytest tests/test_backtest.py

(the test then rewrites the file and skips). Numbers depend on numpy's
Generator streams too, so a numpy upgrade that changes them needs the same
deliberate regeneration.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from conftest import DATA, OPTOUT, QOF
from sim.config import load_scenario
from sim.experiment.runner import run_scenario
from sim.measures.summary import MEASURES, headline

BACKTEST = DATA / "backtest_headline.csv"
OVERRIDES = {"years": 2, "practices.list_size_mean": 1500}
REGENERATE = os.environ.get("QOFSIM_REGENERATE_BACKTEST") == "1"


def current_headline() -> pd.DataFrame:
    frames = []
    for path in (QOF, OPTOUT):
        loaded = load_scenario(path, OVERRIDES)
        frames.append(headline(run_scenario(loaded, replications=(0,), workers=1, progress=False).tables))
    return pd.concat(frames, ignore_index=True)


def test_headline_matches_saved_backtest():
    """Headline measures of the fixed small runs equal the saved results to rtol 1e-9."""
    now = current_headline()
    if REGENERATE:
        DATA.mkdir(exist_ok=True)
        now.to_csv(BACKTEST, index=False, float_format="%.17g")
        pytest.skip(f"regenerated {BACKTEST}")
    assert BACKTEST.exists(), f"missing {BACKTEST}: regenerate with QOFSIM_REGENERATE_BACKTEST=1"
    saved = pd.read_csv(BACKTEST)
    assert list(saved.columns) == ["scenario", "replication", *MEASURES]
    assert saved["scenario"].tolist() == ["qof_practice", "optout_practice"]
    pd.testing.assert_frame_equal(now, saved, check_dtype=False, check_exact=False, rtol=1e-9, atol=0)
