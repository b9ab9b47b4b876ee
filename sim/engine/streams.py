"""Named random streams: one per activity, per replication, per practice; and draws keyed to people.

Each stream is seeded from ``SeedSequence(seed, spawn_key=(replication, practice,
crc32(name)))``. The key depends only on the stream's own name, so adding an
activity, reordering a config file or changing one policy never moves another
activity's numbers, and replication ``r`` of every scenario sees the same
patients and the same demand (common random numbers).

A sequential stream pairs two scenarios only while both consume it in the same
amounts. Anything a regime can change (who dies, who is diagnosed, who is
reviewed) changes those amounts, and every later number moves. Draws about a
person therefore come from :meth:`Streams.for_people`: a counter-based hash of
(stream, person id, occasion, draw), so a person's numbers do not depend on who
else was drawn for, how many, or in which order. A patient whose care did not
change lives the same life under every regime.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np
from scipy import special

from sim.engine import hashing


def _word(value: int) -> np.ndarray:
    """A constant 64-bit word as a 0-d array: NumPy applies one to an array faster than a NumPy scalar."""
    return np.array(value, dtype=np.uint64)


_M1 = _word(0xBF58476D1CE4E5B9)
_M2 = _word(0x94D049BB133111EB)
_GOLDEN = _word(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = (_word(s) for s in (30, 27, 31))


def stream_key(name: str) -> int:
    """Stable integer key of a stream name (independent of any other name)."""
    return zlib.crc32(name.encode("utf-8"))


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place: a bijection of 64-bit words with full avalanche
    (in NumPy, for the few words of draw columns and per-person occasions; people's draws
    are hashed by the compiled :mod:`sim.engine.hashing`, to the same bits)."""
    t = z >> _S30
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


_MASK = (1 << 64) - 1


def _mix_int(z: int) -> int:
    """:func:`_mix` of one word as a Python integer (the same bits, without array overhead)."""
    z ^= z >> 30
    z = (z * int(_M1)) & _MASK
    z ^= z >> 27
    z = (z * int(_M2)) & _MASK
    return z ^ (z >> 31)


def _words(values: np.ndarray | int) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == np.int64 and values.ndim == 1:
        return values.view(np.uint64)  # the same bits; callers never write to it
    return np.atleast_1d(np.asarray(values, dtype=np.int64)).astype(np.uint64)


def _occasion_words(occasion: np.ndarray | int) -> np.ndarray:
    """The mixed occasion: one word for a single occasion, else one per person."""
    if isinstance(occasion, (int, np.integer)):
        return np.array([_mix_int((int(occasion) + int(_GOLDEN)) & _MASK)], dtype=np.uint64)
    return _mix(_words(occasion) + _GOLDEN)


@lru_cache(maxsize=256)
def _slot_words(first: int, k: int) -> np.ndarray:
    """Mixed words of draw columns ``first .. first + k - 1`` (shared, read-only)."""
    slots = _words(np.arange(first, first + k)) + np.uint64(1)
    with np.errstate(over="ignore"):
        words = _mix(slots * _GOLDEN)
    words.flags.writeable = False
    return words


PEOPLE_UNIT = 2**31 - 2
"""Stream unit of draws keyed to people: one for the replication, since person ids carry their practice."""

PRACTICE_BITS = 32
"""A person id is ``practice << PRACTICE_BITS | n``: the n-th person of the practice's list."""


def person_id(practice: int, n: np.ndarray | int) -> np.ndarray:
    """County-wide person ids of the ``n``-th people of ``practice``'s list."""
    return (np.int64(practice) << np.int64(PRACTICE_BITS)) + np.asarray(n, dtype=np.int64)


class PersonDraws:
    """Random numbers for a fixed list of people, each row keyed to one person.

    Row ``i`` of every draw depends only on the stream, ``pids[i]``, the occasion
    and how many draws this object has made before (each call takes the next
    columns). Code that draws in a fixed sequence therefore gives each person the
    same numbers however many other people share the call. The methods follow
    ``numpy.random.Generator`` for the shapes used here: ``size`` is ``len(pids)``
    or ``(len(pids), k)``; distributions are by inversion, so a parameter change
    moves each person's value smoothly rather than reshuffling the numbers.
    """

    def __init__(self, key: np.uint64 | np.ndarray, pids: np.ndarray, occasion: np.ndarray | int) -> None:
        self.n = len(pids)
        self._base = hashing.person_words(_words(pids), np.uint64(key), _occasion_words(occasion))
        self._column = 0

    def _shape(self, size: int | tuple[int, ...]) -> tuple[int, ...]:
        if type(size) is int:  # the usual sizes, checked without NumPy
            shape: tuple[int, ...] = (size,)
        elif type(size) is tuple and len(size) == 2 and type(size[0]) is int and type(size[1]) is int:
            shape = size
        elif isinstance(size, (int, np.integer)):
            shape = (int(size),)
        else:
            shape = (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)  # type: ignore[union-attr]
        if len(shape) not in (1, 2) or shape[0] != self.n:
            raise ValueError(f"draws are per person: size must be ({self.n},) or ({self.n}, k), not {shape}")
        return shape

    def random(self, size: int | tuple[int, ...]) -> np.ndarray:
        """Uniforms in the open interval (0, 1)."""
        shape = self._shape(size)
        k = shape[1] if len(shape) == 2 else 1
        words = _slot_words(self._column, k)
        self._column += k
        u = hashing.uniforms(self._base, words)
        return u if len(shape) == 2 else u.reshape(self.n)

    def words(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(people's words, slot words)`` of the next ``k`` columns, for compiled code that draws
        as it goes: ``hashing.uniform(people[i], slots[j])`` is ``random((n, k))[i, j]``."""
        slots = _slot_words(self._column, k)
        self._column += k
        return self._base, slots

    def standard_normal(self, size: int | tuple[int, ...]) -> np.ndarray:
        return special.ndtri(self.random(size))

    def exponential(self, scale: float | np.ndarray = 1.0, size: int | tuple[int, ...] = 0) -> np.ndarray:
        return -np.log(self.random(size)) * scale

    def beta(self, a: float, b: float, size: int | tuple[int, ...]) -> np.ndarray:
        return special.betaincinv(a, b, self.random(size))

    def gamma(self, shape: float, scale: float, size: int | tuple[int, ...]) -> np.ndarray:
        return special.gammaincinv(shape, self.random(size)) * scale

    def poisson(self, lam: float, size: int | tuple[int, ...]) -> np.ndarray:
        """Poisson counts by inversion of the cumulative distribution."""
        u = self.random(size)
        count = np.zeros(u.shape, dtype=np.int64)
        if lam <= 0:
            return count
        term = cdf = np.exp(-lam)
        k = 0
        while True:
            below = u > cdf
            if not below.any():
                return count
            count += below
            k += 1
            term *= lam / k
            cdf += term
            if term < 1e-17 and cdf >= 1.0 - 1e-15:
                return count


class Streams:
    """Lazily created ``numpy.random.Generator`` per named activity, and draws keyed to people."""

    def __init__(self, seed: int, replication: int, unit: int) -> None:
        self.seed = seed
        self.replication = replication
        self.unit = unit
        self._generators: dict[str, np.random.Generator] = {}
        self._keys: dict[str, np.ndarray] = {}

    def _sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, self.unit, stream_key(name)))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(self._sequence(name)))
        return gen

    def for_people(self, name: str, pids: np.ndarray, occasion: int = 0) -> PersonDraws:
        """Draws of stream ``name`` for people ``pids`` (person ids) on ``occasion`` (e.g. the day).

        Each person's numbers depend only on the stream, their id, the occasion
        and the sequence of draws made from the returned object, never on who
        else is drawn for, nor on which practice or group of practices asks: person
        ids are unique across a county (:func:`person_id`), so the key is the
        replication's, not the unit's. Use a distinct occasion for each time the same people
        are drawn for again (a health step's day, a review's number).
        """
        key = self._keys.get(name)
        if key is None:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(self.replication, PEOPLE_UNIT, stream_key(f"people:{name}")))
            key = self._keys[name] = _word(int(sequence.generate_state(1, np.uint64)[0]))
        return PersonDraws(key, pids, occasion)
