"""One block of rows for several practices' patients, each practice's arrays a view of its part.

A federation's practices that share a regime keep their patient arrays in one
block (:class:`~sim.model.group.PracticeGroup`), so a day's reviews, letters and
answers across them are one vectorised call each. Each practice still sees its
own patients only: its arrays are slices of the block, which NumPy returns as
views, so writing through either writes both.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def join_rows(parts: Sequence[T], fields: Sequence[str]) -> T:
    """An object like ``parts[0]`` whose ``fields`` hold every part's rows, in order.

    Each part's ``fields`` are rebound to views of its rows of the joined arrays;
    other attributes of the joined object are those of ``parts[0]`` (constants
    from the scenario, which the parts share). Fields must be arrays with one
    row per patient.
    """
    whole = copy.copy(parts[0])
    for name in fields:
        joined = np.concatenate([getattr(part, name) for part in parts])
        setattr(whole, name, joined)
        start = 0
        for part in parts:
            n = len(getattr(part, name))
            setattr(part, name, joined[start : start + n])
            start += n
    return whole


def row_blocks(sizes: Sequence[int]) -> list[slice]:
    """Consecutive row slices of parts of ``sizes`` rows."""
    ends = np.cumsum(sizes).tolist()
    return [slice(end - size, end) for size, end in zip(sizes, ends, strict=True)]
