"""Row-wise reductions (sim.engine.arrays) equal NumPy's own, for short and tall arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.arrays import TALL, any_by_row, max_by_row, min_by_row, take_rows

shapes = st.tuples(st.sampled_from([0, 1, 5, TALL - 1, TALL, 3 * TALL + 7]), st.integers(1, 14))


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1), share=st.sampled_from([0.0, 0.01, 0.5, 1.0]))
def test_any_by_row_is_any(shape: tuple[int, int], seed: int, share: float):
    """Contiguous masks (rows read as words), and column slices and Fortran order (columns combined)."""
    mask = np.random.default_rng(seed).random((shape[0], 2 * shape[1])) < share
    for each in (mask, mask[:, ::2], mask[:, 1:], np.asfortranarray(mask)):
        np.testing.assert_array_equal(any_by_row(each), each.any(axis=1))


@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_min_and_max_by_row_are_min_and_max(shape: tuple[int, int], seed: int):
    rng = np.random.default_rng(seed)
    values = np.where(rng.random(shape) < 0.3, np.inf, rng.normal(size=shape))
    days = rng.integers(-5, 5, size=shape).astype(np.int32)
    if shape[0]:
        np.testing.assert_array_equal(min_by_row(values), values.min(axis=1))
        np.testing.assert_array_equal(max_by_row(days), days.max(axis=1))
        assert max_by_row(days).dtype == days.dtype


def test_take_rows_is_indexing():
    array = np.arange(24).reshape(8, 3)
    for rows in (np.array([5, 0, 5]), np.array([], dtype=np.int64), slice(2, 6), np.arange(8) % 3 == 0):
        np.testing.assert_array_equal(take_rows(array, rows), array[rows])
