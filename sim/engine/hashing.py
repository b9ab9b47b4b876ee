"""SplitMix64 hashing of person keys into uniforms, compiled (Numba).

:class:`~sim.engine.streams.PersonDraws` turns (stream, person, occasion, draw) into a
uniform by two rounds of SplitMix64's finaliser. In NumPy each round is eight passes
over the array, with temporaries; here each word is hashed in registers in one pass,
about eight times faster. Integer arithmetic wraps modulo 2**64 in both, and the
conversion to a double is exact, so the numbers are the same bit for bit as NumPy's
(``tests/test_pairing.py`` checks both against the hash worked out in plain integers).
"""

from __future__ import annotations

import numba
import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_ULP = 2.0**-53


@numba.njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:  # pragma: no cover - compiled
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True)
def person_words(pids: np.ndarray, key: np.uint64, occasions: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Each person's base word: ``mix(mix(pid * golden ^ key) ^ occasion)``; ``occasions`` has one
    (mixed) word for everyone or one per person."""
    n = pids.shape[0]
    out = np.empty(n, dtype=np.uint64)
    one = occasions.shape[0] == 1
    for i in range(n):
        z = _mix(pids[i] * _GOLDEN ^ key)
        out[i] = _mix(z ^ (occasions[0] if one else occasions[i]))
    return out


@numba.njit(cache=True, inline="always")
def uniform(base: np.uint64, slot: np.uint64) -> float:  # pragma: no cover - compiled
    """One uniform in (0, 1): the top 53 bits of ``mix(base ^ slot)``, centred in their interval
    (for compiled model code that draws as it goes)."""
    return (np.float64(_mix(base ^ slot) >> _S11) + 0.5) * _ULP


@numba.njit(cache=True)
def uniforms(base: np.ndarray, slots: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Uniforms in (0, 1), ``[people, slots]``: the top 53 bits of ``mix(base ^ slot)``, centred in their interval."""
    n, k = base.shape[0], slots.shape[0]
    out = np.empty((n, k))
    for i in range(n):
        b = base[i]
        for j in range(k):
            out[i, j] = uniform(b, slots[j])
    return out
