"""Sorting, searching, gathers, scatters, slices and segments (ops/sorting.py, ops/indexing.py)."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result

IDX = np.array([[2, 0, 1, 1], [3, 3, 0, 2], [1, 2, 2, 0]])
SEG = np.array([0, 2, 2, 0, 1])

# name -> (call on (module, x) with x of shape (3, 4), differentiable, index output)
OPS = {
    "sort": (lambda m, x: m.sort(x), True, False),
    "sort_axis0": (lambda m, x: m.sort(x, axis=0), True, False),
    "sort_flat": (lambda m, x: m.sort(x, axis=None), True, False),
    "top_k": (lambda m, x: m.top_k(x, 2)[0], True, False),
    "top_k_indices": (lambda m, x: m.top_k(x, 3)[1], False, False),
    "take_along_axis": (lambda m, x: m.take_along_axis(x, IDX, axis=1), True, False),
    "take_along_axis_0": (lambda m, x: m.take_along_axis(x, IDX[:2] % 3, axis=0), True, False),
    "take_along_axis_flat": (
        lambda m, x: m.take_along_axis(x, np.array([0, 5, 5, 11]), axis=None),
        True,
        False,
    ),
    "take_along_axis_broadcast": (lambda m, x: m.take_along_axis(x, IDX[:1], axis=1), True, False),
    "slice": (lambda m, x: m.slice(x, (1, 1), (2, 2)), True, False),
    "slice_rest": (lambda m, x: m.slice(x, (1, 0), (-1, 3)), True, False),
    "slice_update": (lambda m, x: m.slice_update(x, (1, 2), x[:2, :2] * 2.0), True, False),
    "scatter": (lambda m, x: m.scatter(np.array([[0, 1], [2, 2], [0, 1]]), x[0, :3], (3, 3)), True, False),
    "scatter_update": (
        lambda m, x: m.scatter_update(x, np.array([[0, 1], [2, 3]]), x[1, :2] * 3.0),
        True,
        False,
    ),
    "scatter_update_rows": (lambda m, x: m.scatter_update(x, np.array([[2], [0]]), x[:2] + 1.0), True, False),
    "scatter_update_add": (
        lambda m, x: m.scatter_update(x, np.array([[0, 1], [0, 1]]), x[1, :2], "add"),
        True,
        False,
    ),
    "segment_sum": (lambda m, x: m.segment_sum(m.concatenate([x, x[:2]]), SEG, num_segments=3), True, False),
    "segment_max": (lambda m, x: m.segment_max(m.concatenate([x, x[:2]]), SEG, num_segments=4), True, False),
    "segment_min": (lambda m, x: m.segment_min(m.concatenate([x, x[:2]]), SEG, num_segments=3), True, False),
    "segment_prod": (
        lambda m, x: m.segment_prod(m.concatenate([x, x[:2]]), SEG, num_segments=3),
        True,
        False,
    ),
    "select": (lambda m, x: m.select([x > 1.0, x < -1.0], [x, x * 2.0], 0.5), True, False),
    "get_item": (lambda m, x: m.get_item(x, (slice(1, None), 2)), True, False),
    "extract_sequences": (lambda m, x: m.extract_sequences(x, 2, 1), True, False),
    "argsort": (lambda m, x: m.argsort(x, axis=0), False, True),
    "argsort_flat": (lambda m, x: m.argsort(x, axis=None), False, True),
    "searchsorted": (lambda m, x: m.searchsorted(np.array([-1.0, 0.0, 1.0], "float32"), x), False, True),
    "searchsorted_right": (
        lambda m, x: m.searchsorted(np.array([-1.0, 0.5], "float32"), x, "right"),
        False,
        True,
    ),
    "digitize": (lambda m, x: m.digitize(x, np.array([-1.0, 0.0, 1.0], "float32")), False, True),
    "isin": (lambda m, x: m.isin(m.round(x), np.array([0.0, 1.0], "float32")), False, False),
    "in_top_k": (lambda m, x: m.in_top_k(np.array([0, 3, 2]), x, 2), False, False),
    "nonzero": (lambda m, x: m.nonzero(x > 0.5), False, True),
    "unravel_index": (lambda m, x: m.unravel_index(np.array([0, 5, 11]), (3, 4)), False, True),
}


@pytest.mark.parametrize("name", sorted(n for n, v in OPS.items() if v[1]))
def test_gather_scatter_gradient(name, rng):
    x = rng.standard_normal((3, 4)) * 2.0  # distinct values: no ties in sort, top_k, segment max
    check_gradients(lambda t: OPS[name][0](ops, t), [x])


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("x64", [False, True])
def test_matches_keras(name, x64, rng):
    fn, _, index = OPS[name]
    x = (rng.standard_normal((3, 4)) * 2.0).astype("float64" if x64 else "float32")
    assert_matches(fn(ops, x), keras_result(lambda t: fn(kops, t), x, x64=x64), index=index, float64=x64)


def test_top_k_ties_and_values():
    x = np.array([[1.0, 3.0, 3.0, 2.0]], "float32")
    values, indices = ops.top_k(x, 3)
    assert_matches((values, indices), keras_result(kops.top_k, x, 3))
    np.testing.assert_array_equal(indices.numpy(), [[1, 2, 3]])


def test_argpartition_partitions(rng):
    x = rng.standard_normal((3, 7))
    idx = ops.argpartition(x, 3, axis=1).numpy()
    part = np.take_along_axis(x, idx, axis=1)
    assert np.all(part[:, :3] <= part[:, 3:4]) and np.all(part[:, 4:] >= part[:, 3:4])
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.tile(np.arange(7), (3, 1)))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"minlength": 7}, {"weights": np.array([0.5, 1.0, 2.0, 0.25, 1.5], "float32")}],
)
def test_bincount_matches_keras(kwargs):
    x = np.array([1, 1, 3, 0, 5], "int32")
    assert_matches(ops.bincount(x, **kwargs), keras_result(kops.bincount, x, **kwargs), index=True)
    rows = np.array([[0, 1, 1], [2, 2, 2]], "int32")
    assert_matches(
        ops.bincount(rows, minlength=4), keras_result(kops.bincount, rows, minlength=4), index=True
    )


def test_bincount_weights_gradient():
    check_gradients(
        lambda w: ops.bincount(np.array([1, 1, 3, 0]), weights=w), [np.array([0.5, 1.0, 2.0, 3.0])]
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"return_index": True, "return_inverse": True, "return_counts": True}, {"size": 6}, {"size": 2}],
)
def test_unique_matches_keras(kwargs):
    x = np.array([[3, 1, 3], [2, 1, 5]], "int32")
    assert_matches(ops.unique(x, **kwargs), keras_result(kops.unique, x, **kwargs), index=True)


def test_histogram_matches_keras(rng):
    x = rng.standard_normal(50).astype("float32")
    for kwargs in ({}, {"bins": 4, "range": (-1.0, 1.0)}):
        assert_matches(ops.histogram(x, **kwargs), keras_result(kops.histogram, x, **kwargs), index=True)


def test_scatter_update_overwritten_updates_get_no_gradient():
    x = ops.Variable(np.zeros((2, 2)), dtype="float64")
    u = ops.Variable(np.array([1.0, 2.0]), dtype="float64")
    out = ops.scatter_update(x, np.array([[0, 0], [0, 0]]), u)
    assert out.numpy()[0, 0] == 2.0
    gx, gu = ops.gradient(ops.sum(out * 3.0), [x, u])
    np.testing.assert_array_equal(gu, [0.0, 3.0])
    np.testing.assert_array_equal(gx, [[0.0, 3.0], [3.0, 3.0]])


@pytest.mark.parametrize("reduction", ["mul", "max", "min"])
def test_scatter_update_reductions_forward_and_refuse_gradients(reduction):
    x = np.array([[1.0, 4.0], [2.0, 3.0]], "float32")
    idx, upd = np.array([[0, 1], [1, 0]]), np.array([2.0, 5.0], "float32")
    assert_matches(
        ops.scatter_update(x, idx, upd, reduction), keras_result(kops.scatter_update, x, idx, upd, reduction)
    )
    v = ops.Variable(x, dtype="float64")
    with pytest.raises(NotImplementedError, match=reduction):
        ops.gradient(ops.sum(ops.scatter_update(v, idx, upd, reduction)), [v])


def test_segment_ops_with_ties_zeros_and_empty_segments(rng):
    data = np.array([[1.0, 0.0], [1.0, 2.0], [3.0, 0.0], [-1.0, 5.0]])
    ids = np.array([0, 0, 1, 3])
    for name in ("segment_sum", "segment_max", "segment_min", "segment_prod"):
        fn = getattr(ops, name)
        assert_matches(fn(data, ids, num_segments=4), keras_result(getattr(kops, name), data, ids, 4, x64=True),
                       float64=True)  # fmt: skip
    check_gradients(lambda d: ops.segment_prod(d, ids, num_segments=4), [data])
    v = ops.Variable(data, dtype="float64")
    (g,) = ops.gradient(ops.sum(ops.segment_max(v, ids, num_segments=4)), [v])
    np.testing.assert_array_equal(g[:2, 0], [0.5, 0.5])  # a tie shares the gradient


def test_searchsorted_rejects_nd_sequences():
    with pytest.raises(ValueError, match="1-D"):
        ops.searchsorted(np.ones((2, 2)), np.ones(2))
