"""Drawing and saving the figures of a comparison, on two processes where the platform forks.

Each figure is drawn, saved and described (its ``plots/index.json`` entry) by
:func:`draw_figure`, on its own and with the report's style, so the files do not
depend on which process drew them or in what order: :func:`draw_figures` returns
the entries by name whether it draws them in this process or hands them to a small
pool. The pool's workers are forked from this process after the folder's tables
have been read, so they share the tables (copy on write) instead of reading them
again.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from sim.experiment.schedulers import leave_interrupts_to_parent, stop_workers
from sim.output.plots.common import DPI, PX_PER_IN, STYLE, PlotSpec
from sim.output.reader import Comparison

PLOT_WORKERS = 2
"""Drawing processes at most: two halve the drawing time on a 2-core machine; nine figures
of unequal cost gain little from more."""

Entry = dict[str, Any]
Job = tuple[dict[str, PlotSpec], Comparison, Path, bool]
"""What a drawing worker draws from: the specs by name, the folder read, where to save, and svg."""
_job: Job | None = None


def draw_figure(spec: PlotSpec, comp: Comparison, out: Path, svg: bool) -> Entry | None:
    """Draw one figure, save it to ``out`` and return its index entry (None when its data are absent)."""
    with mpl.rc_context(STYLE):
        plot = spec.draw(comp)
        if plot is None:
            return None
        files = _save(plot.fig, out / spec.name, svg)
    width = round(plot.fig.get_figwidth() * PX_PER_IN)
    entry: Entry = {"name": spec.name, "title": spec.title, "group": spec.group, "caption": plot.caption, "width": width}
    return entry | {f.suffix[1:]: f.name for f in files}


def draw_figures(specs: Sequence[PlotSpec], comp: Comparison, out: Path, svg: bool, workers: int | None = None) -> dict[str, Entry | None]:
    """Every spec's entry by name, drawn in the order of ``specs`` on up to ``workers``
    processes (by default :data:`PLOT_WORKERS`, fewer on fewer cores), in this one
    where forking is not offered. Which process draws a figure changes nothing in it."""
    workers = min(len(specs), available_cores(), PLOT_WORKERS if workers is None else workers)
    if workers < 2 or not can_fork():
        return {spec.name: draw_figure(spec, comp, out, svg) for spec in specs}
    job: Job = ({spec.name: spec for spec in specs}, comp, out, svg)
    names = list(job[0])
    gc.freeze()  # the collector in a worker then leaves the inherited objects alone: fewer pages copied
    pool = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"), initializer=_adopt, initargs=(job,))
    finished = False
    try:
        entries = list(pool.map(_draw_named, names))
        finished = True
    finally:
        if not finished:
            stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()
    return dict(zip(names, entries, strict=True))


def available_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Forked workers inherit the folder already read; only Linux forks safely with these libraries."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _adopt(job: Job) -> None:
    """A worker keeps what it draws from, and leaves Ctrl-C (which a terminal sends to every
    process of the group) to the parent, so that none prints a traceback."""
    global _job
    _job = job
    leave_interrupts_to_parent()


def _draw_named(name: str) -> Entry | None:
    assert _job is not None, "a drawing worker runs only in the pool draw_figures starts"
    specs, comp, out, svg = _job
    return draw_figure(specs[name], comp, out, svg)


def _save(fig: Figure, stem: Path, svg: bool) -> list[Path]:
    png = stem.with_suffix(".png")
    fig.savefig(png, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    if not svg:
        return [png]
    fig.savefig(stem.with_suffix(".svg"), metadata={"Date": None})
    return [png, stem.with_suffix(".svg")]
