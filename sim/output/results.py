"""Write a run's tables and manifest, atomically (see :mod:`sim.experiment.files`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.experiment.files import atomic_file, atomic_folder
from sim.experiment.manifest import manifest, versions
from sim.measures.summary import HEADLINES

def write_headline(table: pd.DataFrame, path: Path) -> None:
    table.round(4).to_csv(path, index=False)


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Read every table of a written run back."""
    return {p.stem: pd.read_parquet(p) for p in sorted((Path(folder) / "tables").glob("*.parquet"))}


__all__ = ["HEADLINES", "atomic_file", "atomic_folder", "manifest", "read_tables", "versions"]
