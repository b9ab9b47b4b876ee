"""What the benchmarks read off the machine: CPU time, load, and peak memory.

Shared by ``bench.py`` and ``report_speed.py``; imports nothing of the model, so it works
against any commit.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path


def peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


class TotalMemory:
    """Peak of the summed proportional set sizes (Pss) of this process and all its descendants
    (workers, drawing processes), sampled every ``interval`` seconds from ``/proc`` while in the ``with``
    block: what the machine must hold at once, which the largest single process understates.
    ``peak_mib`` stays None where ``/proc`` has no children lists (not Linux)."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.peak_mib: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> TotalMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while True:
            total = self._tree_kib(os.getpid())
            if total is not None:
                self.peak_mib = max(self.peak_mib or 0.0, total / 1024)
            if self._stop.wait(self.interval):
                return

    def __str__(self) -> str:
        return "unknown" if self.peak_mib is None else f"{self.peak_mib:,.0f} MiB"

    def _tree_kib(self, pid: int) -> float | None:
        try:
            # Pss, not RSS: a forked worker's pages shared with its parent count once, not in both
            pss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if line.startswith("Pss:"))
            children = [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            return None  # the process ended between reads, or /proc has no such lists
        return pss + sum(self._tree_kib(c) or 0.0 for c in children)


def cpu_seconds() -> float:
    """User and system CPU seconds of this process and its finished (joined) workers so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())
