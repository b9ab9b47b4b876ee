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
# # Probabilistic sensitivity analysis
#
# Parameter sets are drawn uniformly over every range stated in the registry; both regimes run
# on each set with common random numbers. The distribution of the differences (opt-out minus
# QOF) shows how far the comparison depends on what we do not know. Costs and utilities in this
# model are stated assumptions, not published figures (see `docs/parameters.md`): read the
# cost-effectiveness plane and acceptability curve as an illustration of the method.

# %%
# Size switch: small by default (12 parameter sets, 1,000 patients, 2 years: a couple of
# minutes on 2 cores). FULL = True (or QOFSIM_FULL=1): 500 sets, 7,100 patients, 10 years after
# the 3-year warm-up, 2 replications (use Dask for this size).
from _common import FULL, OPTOUT, QOF, output, run_overrides

SETS = 500 if FULL else 12
REPLICATIONS = range(2) if FULL else range(1)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiment.sweep import KEY_DIFFERENCES, by_sample, differences, sweep, uncertain_parameters, uniform_samples

params = uncertain_parameters([QOF, OPTOUT], run_overrides())
samples = uniform_samples(params, SETS, seed=2014)
results = sweep([QOF, OPTOUT], samples, REPLICATIONS, run_overrides(), workers=2, progress=False)
measures = [*KEY_DIFFERENCES, "qalys_per_1000", "cost_events_per_1000", "cost_staff_per_1000"]
diff = by_sample(differences(results, "qof_practice", measures))
diff["cost_per_1000"] = diff["cost_events_per_1000"] + diff["cost_staff_per_1000"]
diff[[*KEY_DIFFERENCES]].describe(percentiles=[0.025, 0.5, 0.975]).round(2)

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for ax, (m, label) in zip(axes, KEY_DIFFERENCES.items(), strict=True):
    values = diff[m].to_numpy()
    lo, hi = np.percentile(values, [2.5, 97.5])
    ax.hist(values, bins=max(5, SETS // 10), color="#0072B2", alpha=0.8)
    ax.axvline(0, color="black", linewidth=1)
    ax.axvspan(lo, hi, color="#E69F00", alpha=0.15, label=f"95% range {lo:.2f} to {hi:.2f}")
    ax.set_xlabel(f"Opt-out minus QOF: {label}")
    ax.set_ylabel("Parameter sets")
    ax.legend(frameon=False, fontsize=8)
fig.suptitle("Distribution of the differences over parameter uncertainty")
fig.tight_layout()
fig.savefig(output("probabilistic_sensitivity") / "differences.png", dpi=120)
plt.show()

# %%
fig, ax = plt.subplots(figsize=(7, 5.5))
ax.scatter(diff["qalys_per_1000"], diff["cost_per_1000"], color="#009E73", alpha=0.7)
ax.axhline(0, color="black", linewidth=0.8)
ax.axvline(0, color="black", linewidth=0.8)
ax.set_xlabel("Incremental QALYs per 1,000 patient-years (opt-out minus QOF)")
ax.set_ylabel("Incremental NHS cost per 1,000 patient-years, GBP")
ax.set_title("Cost-effectiveness plane (costs and utilities are assumptions)")
fig.tight_layout()
fig.savefig(output("probabilistic_sensitivity") / "ce_plane.png", dpi=120)
plt.show()

# %%
thresholds = np.linspace(0, 50_000, 101)
net_benefit = thresholds[None, :] * diff["qalys_per_1000"].to_numpy()[:, None] - diff["cost_per_1000"].to_numpy()[:, None]
ceac = pd.DataFrame({"willingness_to_pay": thresholds, "p_optout_cost_effective": (net_benefit > 0).mean(axis=0)})
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(ceac["willingness_to_pay"], ceac["p_optout_cost_effective"], color="#D55E00", linewidth=2)
ax.set_ylim(0, 1)
ax.set_xlabel("Willingness to pay per QALY, GBP")
ax.set_ylabel("Probability opt-out is cost-effective")
ax.set_title("Cost-effectiveness acceptability curve, opt-out vs QOF")
fig.tight_layout()
fig.savefig(output("probabilistic_sensitivity") / "ceac.png", dpi=120)
plt.show()
