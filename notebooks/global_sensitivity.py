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
# # Global sensitivity: Morris screening and Sobol indices
#
# Which uncertain parameters drive the difference between opt-out and QOF, when all vary at
# once? The SALib problem (names and bounds) is built from the parameter registry, so the
# ranges are the ones stated, with their sources, in the scenario files.

# %%
# Size switch: small by default (1,000 patients, 2 years; Morris with 2 trajectories and Sobol
# with N = 2: 42 parameter sets, a couple of minutes on 2 cores, and too noisy to rank anything:
# it shows the method works). FULL = True (or QOFSIM_FULL=1): 7,100
# patients over 10 years, 20 trajectories and N = 256 (many hours: run it on Dask with
# scheduler="dask" or a cluster address).
from _common import FULL, KEY_PARAMETERS, OPTOUT, QOF, output, run_overrides

TRAJECTORIES = 20 if FULL else 2
SOBOL_N = 256 if FULL else 2
SCHEDULER = "processes"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.experiment.sweep import KEY_DIFFERENCES, by_sample, differences, salib_problem, sweep, uncertain_parameters

params = [p for p in uncertain_parameters([QOF, OPTOUT], run_overrides()) if p.path in KEY_PARAMETERS]
problem = salib_problem(params)
problem


# %%
def run(samples: np.ndarray) -> pd.DataFrame:
    """Opt-out minus QOF for each parameter set (mean over replications), wide by measure."""
    table = pd.DataFrame(samples, columns=problem["names"])
    results = sweep([QOF, OPTOUT], table, range(1), run_overrides(), workers=2, scheduler=SCHEDULER, progress=False)
    return by_sample(differences(results, "qof_practice")).set_index("sample").sort_index()


# %% [markdown]
# ## Morris elementary effects

# %%
morris_x = morris_sample.sample(problem, TRAJECTORIES, seed=1)
morris_y = run(morris_x)
morris = {m: morris_analyze.analyze(problem, morris_x, morris_y[m].to_numpy(), seed=1).to_df() for m in KEY_DIFFERENCES}
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), sharey=True)
for ax, (m, label) in zip(axes, KEY_DIFFERENCES.items(), strict=True):
    df = morris[m].sort_values("mu_star")
    ax.barh(df.index, df["mu_star"], xerr=df["mu_star_conf"], color="#0072B2", alpha=0.85, label="mu* (mean |effect|)")
    ax.plot(df["sigma"], df.index, "o", color="#D55E00", label="sigma (interaction / non-linearity)")
    ax.set_title(label, fontsize=10)
    ax.set_xlabel("Elementary effect, units of the difference")
axes[0].legend(loc="lower right", frameon=False, fontsize=8)
fig.suptitle("Morris screening: effect of each parameter on the opt-out minus QOF difference")
fig.tight_layout()
fig.savefig(output("global_sensitivity") / "morris.png", dpi=120)
plt.show()

# %% [markdown]
# ## Sobol indices (first order and total)

# %%
sobol_x = sobol_sample.sample(problem, SOBOL_N, calc_second_order=False, seed=1)
sobol_y = run(sobol_x)
sobol = {}
for m in KEY_DIFFERENCES:
    total, first = sobol_analyze.analyze(problem, sobol_y[m].to_numpy(), calc_second_order=False, seed=1).to_df()
    sobol[m] = first.join(total)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), sharey=True)
for ax, (m, label) in zip(axes, KEY_DIFFERENCES.items(), strict=True):
    df = sobol[m].sort_values("ST")
    y = np.arange(len(df))
    ax.barh(y - 0.2, df["S1"], 0.4, xerr=df["S1_conf"], color="#009E73", label="first order S1")
    ax.barh(y + 0.2, df["ST"], 0.4, xerr=df["ST_conf"], color="#CC79A7", label="total ST")
    ax.set_yticks(y, df.index)
    ax.set_title(label, fontsize=10)
    ax.set_xlabel("Share of variance of the difference")
axes[0].legend(loc="lower right", frameon=False, fontsize=8)
fig.suptitle("Sobol indices of the opt-out minus QOF difference (intervals: bootstrap 95%)")
fig.tight_layout()
fig.savefig(output("global_sensitivity") / "sobol.png", dpi=120)
plt.show()

# %% [markdown]
# ## The parameters that matter most

# %%
ranking = []
for m in ("missed_plan_pct", "events_per_1000"):
    top = morris[m]["mu_star"].sort_values(ascending=False).head(3)
    for name, mu in top.items():
        ranking.append({"difference": m, "parameter": name, "morris_mu_star": mu, "sobol_ST": sobol[m].loc[name, "ST"]})
ranking = pd.DataFrame(ranking)
ranking.to_csv(output("global_sensitivity") / "top_parameters.csv", index=False)
ranking.round(3)
