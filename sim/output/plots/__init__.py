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

from sim.output.plots.answer import plot_answer
from sim.output.plots.clinical import plot_outcomes, plot_risk_factor_control
from sim.output.plots.common import PlotSpec
from sim.output.plots.drawing import draw_figures
from sim.output.plots.monitoring import plot_lost_to_follow_up, plot_overdue, plot_review_gaps
from sim.output.plots.recording import plot_qof
from sim.output.plots.workload import plot_clinician_hours, plot_waits
from sim.output.reader import Comparison

MONITORING, WORKLOAD, OUTCOMES, RECORDING = "Monitoring gaps", "Workload and access", "Outcomes", "Recording and QOF"

PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("answer", "The answer at a glance", plot_answer, "Answer"),
    PlotSpec("overdue", "Register patients overdue a review", plot_overdue, MONITORING),
    PlotSpec("review_gaps", "Time since last review at the end of the run", plot_review_gaps, MONITORING),
    PlotSpec("lost_to_follow_up", "Register patients lost to follow-up", plot_lost_to_follow_up, MONITORING),
    PlotSpec("clinician_hours", "Clinician hours by role and kind of work", plot_clinician_hours, WORKLOAD),
    PlotSpec("waits", "Waiting time for routine appointments", plot_waits, WORKLOAD),
    PlotSpec("control", "Risk-factor control over time", plot_risk_factor_control, OUTCOMES),
    PlotSpec("outcomes", "Clinical events, admissions and deaths", plot_outcomes, OUTCOMES),
    PlotSpec("qof", "QOF achievement, recorded versus delivered", plot_qof, RECORDING),
)
"""Every plot, in report order, with the report section it belongs to. ``control`` and
``outcomes`` need the clinical layer's tables."""

SLOWEST = ("qof", "control", "outcomes", "clinician_hours")
"""Drawn first, having the most rows and panels, so that two drawing processes finish together."""

TABLES = ("snapshots", "gaps", "activity", "waits", "control", "outcomes", "qof", "practices")
"""The tables the plots and the report read: read once before drawing, so that every
drawing process shares them."""

REQUIRED = ("answer", "review_gaps", "overdue", "lost_to_follow_up", "clinician_hours", "waits", "qof")
"""Plots every comparison folder gets from the tables written today."""


def make_plots(folder: Path, svg: bool = False, comp: Comparison | None = None, workers: int | None = None) -> list[Path]:
    """Write every plot whose data are present to ``folder/plots`` as PNG (the report
    embeds these) and, with ``svg``, as SVG too, for publication.

    ``comp`` is the folder already loaded, when the caller has it (its tables are then
    read once for the plots and the report). The figures are drawn on up to ``workers``
    processes (see :func:`sim.output.plots.drawing.draw_figures`). Returns the paths
    written; ``plots/index.json`` lists each plot's name, title, report section,
    caption, files and display width, in report order.
    """
    folder = Path(folder)
    comp = Comparison.load(folder) if comp is None else comp
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    _remove_previous(out)
    comp.preload(TABLES)
    drawn = draw_figures(slowest_first(PLOTS), comp, out, svg, workers)
    index = [entry for entry in (drawn[spec.name] for spec in PLOTS) if entry is not None]
    (out / "index.json").write_text(json.dumps(index, indent=2))
    return [out / entry[kind] for entry in index for kind in ("png", "svg") if kind in entry]


def slowest_first(specs: tuple[PlotSpec, ...]) -> list[PlotSpec]:
    """The specs in drawing order: :data:`SLOWEST` in its order, then the rest in theirs."""
    rank = {name: i for i, name in enumerate(SLOWEST)}
    return sorted(specs, key=lambda spec: rank.get(spec.name, len(rank)))


def _remove_previous(out: Path) -> None:
    """Drop the files an earlier build listed, so a rebuild leaves no stale plot behind."""
    index = out / "index.json"
    if not index.is_file():
        return
    for entry in json.loads(index.read_text()):
        for key in ("png", "svg"):
            if entry.get(key):
                (out / entry[key]).unlink(missing_ok=True)
