"""Plots of a written comparison folder, for a policy audience.

:func:`make_plots` reads ``comparison.csv``, ``differences.csv``, the manifests and
each scenario's ``tables/*.parquet`` and writes every plot as PNG and SVG to
``folder/plots/``, with ``plots/index.json`` listing name, title and caption of
each (the report reads it). Every plot shows the mean over replications with a
95% interval; with one replication it shows the mean alone and says so. Each
scenario keeps its colour in every plot.

A plot whose table is absent is skipped quietly: the clinical-layer plots
(``control`` and ``outcomes`` tables) draw only for runs that wrote those tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from sim.output.plots.clinical import plot_outcomes, plot_risk_factor_control
from sim.output.plots.common import DPI, STYLE, PlotSpec
from sim.output.plots.monitoring import plot_lost_to_follow_up, plot_overdue, plot_review_gaps
from sim.output.plots.recording import plot_qof
from sim.output.plots.summary import plot_summary
from sim.output.plots.workload import plot_clinician_hours, plot_waits
from sim.output.reader import Comparison

PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("summary", "Summary of differences on the headline measures", plot_summary),
    PlotSpec("review_gaps", "Time since last review at the end of the run", plot_review_gaps),
    PlotSpec("overdue", "Register patients overdue a review, by condition", plot_overdue),
    PlotSpec("lost_to_follow_up", "Register patients lost to follow-up", plot_lost_to_follow_up),
    PlotSpec("clinician_hours", "Clinician hours by role and kind of work", plot_clinician_hours),
    PlotSpec("waits", "Waiting time for routine appointments", plot_waits),
    PlotSpec("qof", "QOF achievement, recorded versus delivered", plot_qof),
    PlotSpec("control", "Risk-factor control over time", plot_risk_factor_control),
    PlotSpec("outcomes", "Clinical events, admissions and deaths", plot_outcomes),
)
"""Every plot, in report order. ``control`` and ``outcomes`` need the clinical layer's tables."""

REQUIRED = ("summary", "review_gaps", "overdue", "lost_to_follow_up", "clinician_hours", "waits", "qof")
"""Plots every comparison folder gets from the tables written today."""


def make_plots(folder: Path) -> list[Path]:
    """Write every plot whose data are present to ``folder/plots`` as PNG and SVG.

    Returns the paths written; ``plots/index.json`` lists each plot's name,
    title, caption and files, in report order.
    """
    folder = Path(folder)
    comp = Comparison.load(folder)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    _remove_previous(out)
    index: list[dict[str, str]] = []
    with mpl.rc_context(STYLE):
        for spec in PLOTS:
            plot = spec.draw(comp)
            if plot is None:
                continue
            png, svg = _save(plot.fig, out / spec.name)
            index.append({"name": spec.name, "title": spec.title, "caption": plot.caption, "png": png.name, "svg": svg.name})
    (out / "index.json").write_text(json.dumps(index, indent=2))
    return [out / entry[kind] for entry in index for kind in ("png", "svg")]


def _save(fig: Figure, stem: Path) -> list[Path]:
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    fig.set_layout_engine("none")  # keep the layout just computed: saving again need not redo it
    fig.savefig(svg, metadata={"Date": None})
    return [png, svg]


def _remove_previous(out: Path) -> None:
    """Drop the files an earlier build listed, so a rebuild leaves no stale plot behind."""
    index = out / "index.json"
    if not index.is_file():
        return
    for entry in json.loads(index.read_text()):
        for key in ("png", "svg"):
            if entry.get(key):
                (out / entry[key]).unlink(missing_ok=True)
