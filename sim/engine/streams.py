"""Named random streams: one per activity, per replication, per practice.

Each stream is seeded from ``SeedSequence(seed, spawn_key=(replication, practice,
crc32(name)))``. The key depends only on the stream's own name, so adding an
activity, reordering a config file or changing one policy never moves another
activity's numbers, and replication ``r`` of every scenario sees the same
patients and the same demand (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable integer key of a stream name (independent of any other name)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Lazily created ``numpy.random.Generator`` per named activity."""

    def __init__(self, seed: int, replication: int, unit: int) -> None:
        self.seed = seed
        self.replication = replication
        self.unit = unit
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, self.unit, stream_key(name)))
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(seq))
        return gen
