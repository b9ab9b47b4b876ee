# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # One-way sensitivity: which assumptions move the QOF vs opt-out comparison?
#
# Each key uncertain parameter is set to the low and the high end of the range stated in the
# scenario files (the parameter registry), the others held at their values. Both regimes run
# with common random numbers, and the tornado plots show how the three headline differences
# (opt-out minus QOF) move: share who missed their own review plan, clinician hours and events per 1,000 patient-years.

# %%
# Size switch: small by default (a 1,000-patient practice, 2 years, 1 replication: about a
# minute on 2 cores). FULL = True (or QOFSIM_FULL=1): a 7,100-patient practice for 10 years
# after the 3-year warm-up, 5 replications (over an hour on 2 cores).
from _common import FULL, KEY_PARAMETERS, OPTOUT, QOF, output, run_overrides

REPLICATIONS = range(5) if FULL else range(1)

# %%
import matplotlib.pyplot as plt
import pandas as pd

from sim.experiment.sweep import KEY_DIFFERENCES, differences, one_way_samples, sweep, uncertain_parameters

params = [p for p in uncertain_parameters([QOF, OPTOUT], run_overrides()) if p.path in KEY_PARAMETERS]
pd.DataFrame([{"parameter": p.path, "value": p.value, "low": p.low, "high": p.high, "why": p.provenance} for p in params])

# %%
samples = one_way_samples(params)
results = sweep([QOF, OPTOUT], samples, REPLICATIONS, run_overrides(), workers=2, progress=False)
diffs = differences(results, "qof_practice").merge(samples[["parameter", "level"]].rename_axis("sample").reset_index(), on="sample")
effect = diffs.groupby(["measure", "parameter", "level"])["difference"].mean().unstack("level")
base = diffs[diffs["level"] == "base"].groupby("measure")["difference"].mean()
effect.round(2)


# %%
def tornado(measure: str, label: str) -> plt.Figure:
    rows = effect.loc[measure].drop(index="", errors="ignore")
    centre = base[measure]
    order = (rows[["low", "high"]].sub(centre).abs().max(axis=1)).sort_values().index
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(order) + 1.8))
    for i, name in enumerate(order):
        for level, colour in (("low", "#0072B2"), ("high", "#D55E00")):
            value = rows.loc[name, level]
            ax.barh(i, value - centre, left=centre, color=colour, alpha=0.85, label=f"parameter at {level} end" if i == 0 else None)
    ax.axvline(centre, color="black", linewidth=1)
    ax.set_yticks(range(len(order)), order)
    ax.set_xlabel(f"Opt-out minus QOF: {label}")
    ax.set_title(f"One-way sensitivity of the difference in {label.split(',')[0].lower()}")
    ax.legend(loc="lower right", frameon=False)
    fig.tight_layout()
    return fig


for measure, label in KEY_DIFFERENCES.items():
    fig = tornado(measure, label)
    fig.savefig(output("one_way_sensitivity") / f"tornado_{measure}.png", dpi=120)
    plt.show()
