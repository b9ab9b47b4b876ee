"""Drawing helpers shared by every plot: style, the figure header with its legend,
interval bands and error bars, date axes and small multiples.

Figures are drawn with the object-oriented API on the non-interactive Agg
canvas: no pyplot state, no display needed.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.engine.clock import DAYS_PER_YEAR, START_YEAR, year_label
from sim.experiment.stats import Range, interval
from sim.output.reader import Comparison

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titlelocation": "left",
    "axes.titley": 1.0,  # titles sit just above their panel; None would search each panel's ticks at every draw
    "axes.formatter.useoffset": False,  # whole numbers on the axes, never an offset text the title could meet
    "axes.labelsize": 11,
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#666666",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.8,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.fontsize": 10.5,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "qofsim",
}

HEADER_PAD_IN = 0.12
TITLE_IN = 0.34
SUBTITLE_LINE_IN = 0.21
LEGEND_IN = 0.3
MAX_WIDTH_IN = 10.5
"""Figures are at most this wide, so the report shows them at their own size (PX_PER_IN)."""
PX_PER_IN = 100
"""Report pixels per figure inch: 11 pt text reads as about 15 px at 100% zoom."""
DPI = 130
"""PNG resolution: a little sharper than the report shows, for high-density screens."""
SHARE: Range = (0.0, 100.0)
NON_NEGATIVE: Range = (0.0, float("inf"))


def ci_table(df: pd.DataFrame, keys: Sequence[str], value: str, bounds: Range = NON_NEGATIVE) -> pd.DataFrame:
    """Mean and 95% interval of ``value`` over replications, per ``keys``, kept within ``bounds``
    (:func:`sim.experiment.stats.interval`; by default a quantity at least 0).

    ``df`` holds one row per replication and key; the result has columns
    ``keys + [mean, lower, upper]`` (interval NaN for one replication).
    """
    stats = df.groupby(list(keys), sort=False)[value].agg(["mean", "std", "count"]).reset_index()
    stats["lower"], stats["upper"] = interval(stats["mean"], stats["std"], stats["count"], bounds)
    return stats[[*keys, "mean", "lower", "upper"]]


def to_dates(days: Iterable[int] | np.ndarray) -> np.ndarray:
    """Simulation days as calendar dates (day 0 is 1 April of the start year)."""
    start = np.datetime64(f"{START_YEAR}-04-01")
    return start + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")


# ------------------------------------------------------------------ layout
def uncertainty_note(comp: Comparison) -> str:
    n = comp.replications
    if n < 2:
        return "Single replication: no intervals shown."
    return f"Mean of {n} replications; shading and whiskers show 95% confidence intervals."


class ReportFigure(Figure):
    """A figure with a header (title, subtitle, legend) of known height above its panels.

    Panels are placed by :meth:`arrange` with margins in inches: one pass, no layout
    engine, so a figure is drawn once per file (constrained layout draws it twice).
    """

    header_in: float = 0.0

    def arrange(self, left: float = 0.75, right: float = 0.25, bottom: float = 0.6, top: float = 0.4, wspace: float = 0.6, hspace: float = 0.75) -> None:
        """Margins and gaps between panels, all in inches (``top`` is below the header)."""
        width, height = self.get_size_inches()
        cols, rows = _grid_shape(self)
        panel_w = (width - left - right - wspace * (cols - 1)) / cols
        panel_h = (height - self.header_in - top - bottom - hspace * (rows - 1)) / rows
        self.subplots_adjust(
            left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - (self.header_in + top) / height,
            wspace=wspace / max(panel_w, 0.1), hspace=hspace / max(panel_h, 0.1),
        )


def _grid_shape(fig: Figure) -> tuple[int, int]:
    """Columns and rows of the figure's subplot grid."""
    specs = [ax.get_subplotspec() for ax in fig.axes if ax.get_subplotspec() is not None]
    if not specs:
        return 1, 1
    rows, cols = specs[0].get_gridspec().get_geometry()
    return cols, rows


def label_inches(labels: Iterable[str], size: float = 10.0) -> float:
    """Rough width in inches of the longest label at ``size`` points (tick labels beside a panel)."""
    return 0.2 + 0.56 * size / 72 * max((len(s) for s in labels), default=0)


def new_figure(
    comp: Comparison,
    title: str,
    subtitle: str,
    size: tuple[float, float],
    scenarios: Sequence[str] | None = None,
    extra_handles: Sequence[Any] = (),
) -> ReportFigure:
    """A white figure with a left-aligned title, a grey subtitle and the scenario legend above
    the plots; ``size`` is the panels' area, the header is added above it."""
    width, height = min(size[0], MAX_WIDTH_IN), size[1]
    handles = [
        Line2D([], [], color=comp.colours[s], marker="o", linewidth=2.5, markersize=6, label=comp.short_labels[s])
        for s in (scenarios if scenarios is not None else comp.scenarios)
    ]
    handles += list(extra_handles)
    longest = max((len(h.get_label()) for h in handles), default=10)
    ncols = max(1, min(len(handles), int(width // (0.075 * longest + 0.6))))
    legend_rows = math.ceil(len(handles) / ncols)
    lines = textwrap.wrap(subtitle, width=int(width * 12.5)) or [""]
    header = HEADER_PAD_IN + TITLE_IN + SUBTITLE_LINE_IN * len(lines) + LEGEND_IN * legend_rows
    total = height + header
    fig = ReportFigure(figsize=(width, total))
    fig.header_in = header
    FigureCanvasAgg(fig)
    y = 1 - HEADER_PAD_IN / total
    fig.text(0.012, y, title, ha="left", va="top", fontsize=14.5, fontweight="bold", color="#111111")
    y -= TITLE_IN / total
    fig.text(0.012, y, "\n".join(lines), ha="left", va="top", fontsize=10.5, color="#555555", linespacing=1.35)
    y -= SUBTITLE_LINE_IN * len(lines) / total
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.005, y), ncols=ncols, handlelength=2.2)
    return fig


def band(ax: Axes, x: Any, frame: pd.DataFrame, colour: str, step: str | None = None, **kw: Any) -> None:
    """Mean line with its interval as a light band (nothing drawn where the interval is NaN)."""
    drawstyle = f"steps-{step}" if step else "default"
    x = np.asarray(x)
    mean, lower, upper = (frame[column].to_numpy(dtype=float) for column in ("mean", "lower", "upper"))
    ax.plot(x, mean, color=colour, drawstyle=drawstyle, **kw)
    if not np.isnan(lower).all():
        ax.fill_between(x, lower, upper, color=colour, alpha=0.2, linewidth=0, step=step)


def errors(frame: pd.DataFrame) -> np.ndarray | None:
    """Asymmetric error bars from mean/lower/upper, or None without intervals."""
    if frame["lower"].isna().all():
        return None
    lo = (frame["mean"] - frame["lower"]).fillna(0).clip(lower=0)
    hi = (frame["upper"] - frame["mean"]).fillna(0).clip(lower=0)
    return np.vstack([lo.to_numpy(), hi.to_numpy()])


def date_axis(ax: Axes, every: int = 2) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(every))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def tidy_panels(axes: np.ndarray, used: int, ncols: int) -> None:
    """Hide unused panels and label the x axis of every panel with none below it."""
    for i, ax in enumerate(axes):
        if i >= used:
            ax.set_visible(False)
        elif i + ncols >= used:
            ax.tick_params(axis="x", labelbottom=True)


def final_label(days: Iterable[int]) -> str:
    last = int(max(days))
    return f"end of {year_label(last // DAYS_PER_YEAR)}"


# ------------------------------------------------------------------- plots
@dataclass
class Plot:
    """One drawn figure and the caption the report prints under it."""

    fig: Figure
    caption: str


@dataclass
class PlotSpec:
    name: str
    title: str
    draw: Callable[[Comparison], Plot | None]
    group: str = ""
    """The report section the plot belongs to."""


def has_columns(df: pd.DataFrame, name: str, needed: set[str]) -> bool:
    missing = needed - set(df.columns)
    if missing:
        warnings.warn(f"table {name!r} lacks columns {sorted(missing)}; its plot is skipped", stacklevel=3)
    return not missing


def panels(
    comp: Comparison,
    keys: list[str],
    draw: Callable[[Axes, str], None],
    title: str,
    subtitle: str,
    ylabel: str,
    extra_handles: Sequence[Any] = (),
) -> ReportFigure:
    """Small multiples, one panel per key, up to three across."""
    ncols = min(3, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig = new_figure(comp, title, subtitle, (max(3.4 * ncols, 9), 2.6 * nrows), extra_handles=extra_handles)
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    fig.arrange(top=0.55 if "\n" in "".join(keys) else 0.4, hspace=0.8, wspace=0.7)
    for ax, key in zip(axes, keys, strict=False):
        draw(ax, key)
    tidy_panels(axes, len(keys), ncols)
    for ax in axes[::ncols]:
        ax.set_ylabel(ylabel)
    return fig
