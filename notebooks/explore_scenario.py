# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore a scenario (copy this notebook to try your own)
#
# 1. Point `MY_SCENARIO` at your YAML file (write one that `extends: base.yaml` and changes
#    only what you want), or change fields with `CHANGES`.
# 2. Run all cells: the scenario is validated (errors name the field), compared with the QOF
#    baseline under common random numbers, and the headline table and plots appear.

# %%
# Size switch: small by default (1,000 patients, 2 years, 2 replications: under a minute).
# FULL = True (or QOFSIM_FULL=1): 7,100 patients, 10 years after the 3-year warm-up, 10 replications.
from _common import FULL, OPTOUT, QOF, output, run_overrides

MY_SCENARIO = OPTOUT
CHANGES = {"regime.params.review_adherence_boost": 0.1}
REPLICATIONS = range(10) if FULL else range(2)

# %%
from IPython.display import Image, display

from sim.config import load_scenario
from sim.config.registry import markdown, registry

mine = load_scenario(MY_SCENARIO, {**run_overrides(), **CHANGES})
baseline = load_scenario(QOF, run_overrides())
print(markdown([p for p in registry(mine) if p.path.startswith("regime.")])[:3000])

# %%
import pandas as pd

from sim.experiment.compare import compare
from sim.output.report import write_report

folder = compare([baseline, mine], output("explore_scenario") / "comparison", REPLICATIONS, workers=2, progress=False, fresh=True)
write_report(folder)  # plots and report.html
differences = pd.read_csv(folder / "differences.csv")
differences[["label", "difference", "lower", "upper"]].round(2)

# %%
for name in ("answer", "overdue", "control"):
    display(Image(filename=str(folder / "plots" / f"{name}.png"), width=900))
print(f"Full report: {folder / 'report.html'}")
