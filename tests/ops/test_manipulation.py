"""Ops that move values (ops/manipulation.py, ops/rearrange.py): gradients and Keras parity."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result

# name -> a call on (module, x) with x of shape (3, 4, 2); every one of them moves values.
MOVES = {
    "tile": lambda m, x: m.tile(x, (2, 1, 3)),
    "tile_more_axes": lambda m, x: m.tile(x, (2, 1, 1, 2)),
    "tile_int": lambda m, x: m.tile(x, 2),
    "repeat": lambda m, x: m.repeat(x, 3, axis=1),
    "repeat_flat": lambda m, x: m.repeat(x, 2),
    "repeat_counts": lambda m, x: m.repeat(x, np.array([2, 0, 1]), axis=0),
    "flip": lambda m, x: m.flip(x, axis=1),
    "flip_all": lambda m, x: m.flip(x),
    "fliplr": lambda m, x: m.fliplr(x),
    "flipud": lambda m, x: m.flipud(x),
    "rot90": lambda m, x: m.rot90(x),
    "rot90_k3": lambda m, x: m.rot90(x, k=3, axes=(1, 2)),
    "rot90_k2": lambda m, x: m.rot90(x, k=2),
    "roll": lambda m, x: m.roll(x, 2, axis=1),
    "roll_flat": lambda m, x: m.roll(x, -5),
    "roll_axes": lambda m, x: m.roll(x, (1, -1), axis=(0, 2)),
    "pad_constant": lambda m, x: m.pad(x, ((1, 2), (0, 1), (2, 0))),
    "pad_value": lambda m, x: m.pad(x, 1, constant_values=0.5),
    "pad_reflect": lambda m, x: m.pad(x, ((2, 1), (3, 2), (1, 1)), mode="reflect"),
    "pad_symmetric": lambda m, x: m.pad(x, ((2, 3), (1, 4), (1, 0)), mode="symmetric"),
    "pad_edge": lambda m, x: m.pad(x, 2, mode="edge"),
    "pad_wrap": lambda m, x: m.pad(x, ((1, 1), (5, 2), (0, 0)), mode="wrap"),
    "split": lambda m, x: m.split(x, 2, axis=1),
    "split_indices": lambda m, x: m.split(x, [1, 3], axis=1),
    "array_split": lambda m, x: m.array_split(x, 3, axis=1),
    "hsplit": lambda m, x: m.hsplit(x, 2),
    "vsplit": lambda m, x: m.vsplit(x, 3),
    "dsplit": lambda m, x: m.dsplit(x, 2),
    "unstack": lambda m, x: m.unstack(x, axis=1),
    "swapaxes": lambda m, x: m.swapaxes(x, 0, 2),
    "moveaxis": lambda m, x: m.moveaxis(x, 0, -1),
    "moveaxis_many": lambda m, x: m.moveaxis(x, [0, 1], [2, 0]),
    "broadcast_to": lambda m, x: m.broadcast_to(x[:, :1], (2, 3, 4, 2)),
    "ravel": lambda m, x: m.ravel(x),
    "copy": lambda m, x: m.copy(x),
    "append": lambda m, x: m.append(x, x[:1], axis=0),
    "append_flat": lambda m, x: m.append(x, x[0]),
    "hstack": lambda m, x: m.hstack([x, x[:, :2]]),
    "vstack": lambda m, x: m.vstack([x[0], x[1, :2]]),
    "dstack": lambda m, x: m.dstack([x[0], x[1]]),
    "diff": lambda m, x: m.diff(x, axis=1),
    "diff_2": lambda m, x: m.diff(x, n=2, axis=1),
    "tril": lambda m, x: m.tril(x[..., 0]),
    "tril_k": lambda m, x: m.tril(m.moveaxis(x, 2, 0), k=-1),
    "triu": lambda m, x: m.triu(x[..., 1], k=1),
    "diag_matrix": lambda m, x: m.diag(x[..., 0], k=1),
    "diag_vector": lambda m, x: m.diag(x[0, :, 0], k=-1),
    "diagflat": lambda m, x: m.diagflat(x[0]),
    "diagonal": lambda m, x: m.diagonal(x, offset=1, axis1=0, axis2=1),
    "diagonal_batched": lambda m, x: m.diagonal(x, axis1=1, axis2=2),
    "trace": lambda m, x: m.trace(x),
    "trace_offset": lambda m, x: m.trace(x, offset=-1, axis1=1, axis2=0),
    "rearrange": lambda m, x: m.rearrange(x, "a b c -> b (a c)"),
    "rearrange_split": lambda m, x: m.rearrange(x, "a (b1 b) c -> (b1 a) b c", b1=2),
}


@pytest.mark.parametrize("name", sorted(MOVES))
def test_move_gradient(name, rng):
    fn = MOVES[name]
    x = rng.standard_normal((3, 4, 2))

    def single(t):  # ops that return several tensors: check them all through one concatenation
        out = fn(ops, t)
        return ops.concatenate([ops.reshape(o, (-1,)) for o in out]) if isinstance(out, list) else out

    check_gradients(single, [x])


@pytest.mark.parametrize("name", sorted(MOVES))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_move_matches_keras(name, dtype, rng):
    fn = MOVES[name]
    x = (rng.standard_normal((3, 4, 2)) * 5).astype(dtype)
    x64 = dtype == "float64"
    assert_matches(fn(ops, x), keras_result(lambda t: fn(kops, t), x, x64=x64), float64=x64)


def test_pad_gradient_adds_up_mirrored_copies():
    x = ops.Variable(np.array([1.0, 2.0, 3.0]), dtype="float64")
    (g,) = ops.gradient(ops.sum(ops.pad(x, 2, mode="reflect")), [x])
    # reflect gives [3, 2, 1, 2, 3, 2, 1]: x0 = 1 appears twice, x1 = 2 three times, x2 = 3 twice.
    np.testing.assert_array_equal(g, [2.0, 3.0, 2.0])


def test_pad_errors():
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(np.ones(3), 1, mode="reflect", constant_values=1.0)
    with pytest.raises(ValueError, match="mode"):
        ops.pad(np.ones(3), 1, mode="spiral")
    x = ops.Variable(np.ones(3), dtype="float64")
    out = ops.pad(x, 1, mode="mean")
    np.testing.assert_array_equal(out.numpy(), np.ones(5))
    with pytest.raises(NotImplementedError, match="mean"):
        ops.gradient(ops.sum(out), [x])


def test_split_and_unstack_errors():
    with pytest.raises(ValueError, match="equal sections"):
        ops.split(np.ones((5, 2)), 2)
    with pytest.raises(ValueError, match="num"):
        ops.unstack(np.ones((3, 2)), num=2)


def test_rearrange_errors():
    with pytest.raises(ValueError, match="->"):
        ops.rearrange(np.ones((2, 3)), "a b")
    with pytest.raises(ValueError, match="same axes"):
        ops.rearrange(np.ones((2, 3)), "a b -> a c")
