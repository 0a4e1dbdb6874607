"""einsum and the products built on it, cross, cdist, correlate (ops/contraction.py)."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result

EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 1)]),
    ("ij->ji", [(3, 5)]),
    ("ij->i", [(3, 5)]),  # j only in the operand: its gradient is broadcast back
    ("ii->i", [(4, 4)]),  # a repeated label: the gradient lands on the diagonal
    ("ii", [(3, 3)]),  # implicit output: the trace
    ("iij->j", [(3, 3, 2)]),
    ("ij,ij->ij", [(1, 3), (4, 3)]),  # a size-1 axis broadcast: its gradient is summed back
    ("...ij,...jk->...ik", [(2, 3, 4), (1, 4, 5)]),
    ("...i,...i", [(2, 3), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ba", [(2, 3)]),
    ("btnh,bsnh->bnts", [(1, 3, 2, 4), (1, 5, 2, 4)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM)
def test_einsum_gradient_and_values(spec, shapes, rng):
    xs = [rng.standard_normal(s) for s in shapes]
    check_gradients(lambda *a: ops.einsum(spec, *a), xs)
    assert_matches(ops.einsum(spec, *xs), keras_result(kops.einsum, spec, *xs, x64=True), float64=True)
    xs32 = [x.astype("float32") for x in xs]
    assert_matches(ops.einsum(spec, *xs32), keras_result(kops.einsum, spec, *xs32))


def test_einsum_errors():
    with pytest.raises(ValueError, match="operands"):
        ops.einsum("ij,jk->ik", np.ones((2, 2)))
    with pytest.raises(ValueError, match="rank"):
        ops.einsum("ijk->i", np.ones((2, 2)))


PRODUCTS = {
    "tensordot": (lambda m, a, b: m.tensordot(a, b, axes=1), [(3, 4), (4, 2)]),
    "tensordot_2": (lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    "tensordot_pairs": (lambda m, a, b: m.tensordot(a, b, axes=([0, 2], [2, 0])), [(2, 3, 4), (4, 5, 2)]),
    "dot_matrix": (lambda m, a, b: m.dot(a, b), [(3, 4), (4, 2)]),
    "dot_vector": (lambda m, a, b: m.dot(a, b), [(2, 3, 4), (4,)]),
    "dot_nd": (lambda m, a, b: m.dot(a, b), [(2, 3), (4, 3, 5)]),
    "dot_scalar": (lambda m, a, b: m.dot(a, b), [(), (3,)]),
    "inner": (lambda m, a, b: m.inner(a, b), [(2, 4), (3, 4)]),
    "outer": (lambda m, a, b: m.outer(a, b), [(3,), (2, 2)]),
    "vdot": (lambda m, a, b: m.vdot(a, b), [(2, 3), (6,)]),
    "kron": (lambda m, a, b: m.kron(a, b), [(2, 3), (2, 2)]),
    "kron_ranks": (lambda m, a, b: m.kron(a, b), [(3,), (2, 2)]),
    "cross": (lambda m, a, b: m.cross(a, b), [(4, 3), (4, 3)]),
    "cross_2d": (lambda m, a, b: m.cross(a, b), [(4, 2), (4, 2)]),
    "cross_mixed": (lambda m, a, b: m.cross(a, b), [(4, 2), (1, 3)]),
    "cross_axes": (lambda m, a, b: m.cross(a, b, axisa=0, axisb=0, axisc=0), [(3, 4), (3, 4)]),
    "cdist": (lambda m, a, b: m.cdist(a, b), [(3, 4), (5, 4)]),
    "cdist_batched": (lambda m, a, b: m.cdist(a, b), [(2, 3, 4), (2, 2, 4)]),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_product_gradient(name, rng):
    fn, shapes = PRODUCTS[name]
    check_gradients(lambda a, b: fn(ops, a, b), [rng.standard_normal(s) for s in shapes])


@pytest.mark.parametrize("name", sorted(PRODUCTS))
@pytest.mark.parametrize("x64", [False, True])
def test_product_matches_keras(name, x64, rng):
    fn, shapes = PRODUCTS[name]
    a, b = (rng.standard_normal(s).astype("float64" if x64 else "float32") for s in shapes)
    assert_matches(fn(ops, a, b), keras_result(lambda p, q: fn(kops, p, q), a, b, x64=x64), float64=x64)


@pytest.mark.parametrize("lengths", [(5, 3), (3, 5), (4, 4), (1, 3), (6, 1)])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_correlate_gradient_and_keras(lengths, mode, rng):
    a, v = rng.standard_normal(lengths[0]), rng.standard_normal(lengths[1])
    check_gradients(lambda p, q: ops.correlate(p, q, mode), [a, v])
    np.testing.assert_allclose(ops.correlate(a, v, mode).numpy(), np.correlate(a, v, mode), atol=1e-12)
    a32, v32 = a.astype("float32"), v.astype("float32")
    assert_matches(ops.correlate(a32, v32, mode), keras_result(kops.correlate, a32, v32, mode))


def test_products_promote_like_keras():
    a, b = np.ones((2, 3), "int32"), np.ones((3, 2), "float32")
    assert_matches(ops.dot(a, b), keras_result(kops.dot, a, b))
    assert_matches(ops.einsum("ij,jk->ik", a, b), keras_result(kops.einsum, "ij,jk->ik", a, b))
