"""Creation, conversion and inspection ops (ops/creation.py): Keras parity, default dtypes, and
gradients of the ones composed of differentiable ops."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result

CREATION = {
    "eye": lambda m: m.eye(3),
    "eye_rect": lambda m: m.eye(3, 5, k=1, dtype="int32"),
    "identity": lambda m: m.identity(4),
    "tri": lambda m: m.tri(3, 4, k=-1),
    "full": lambda m: m.full((2, 3), 7),
    "full_dtype": lambda m: m.full((2,), 1.5, dtype="int32"),
    "full_like": lambda m: m.full_like(np.ones((2, 2), "int32"), 3),
    "empty": lambda m: m.zeros_like(m.empty((2, 3))),
    "empty_like": lambda m: m.zeros_like(m.empty_like(np.ones(3, "int32"))),
    "linspace": lambda m: m.linspace(0, 1, 7),
    "linspace_open": lambda m: m.linspace(-2.0, 3.0, 6, endpoint=False),
    "linspace_retstep": lambda m: m.linspace(0.0, 1.0, 5, retstep=True),
    "linspace_arrays": lambda m: m.linspace(np.zeros(2, "float32"), np.ones(2, "float32"), 4, axis=1),
    "logspace": lambda m: m.logspace(0, 2, 5),
    "logspace_base2": lambda m: m.logspace(0.0, 3.0, 4, base=2),
    "geomspace": lambda m: m.geomspace(1, 1000, 4),
    "meshgrid_xy": lambda m: m.meshgrid(np.arange(3.0, dtype="float32"), np.arange(2.0, dtype="float32")),
    "meshgrid_ij": lambda m: m.meshgrid(
        np.arange(3, dtype="int32"), np.arange(2, dtype="int32"), indexing="ij"
    ),
    "vander": lambda m: m.vander(np.array([1.0, 2.0, 3.0], "float32")),
    "vander_increasing": lambda m: m.vander(np.array([1.0, 2.0], "float32"), N=3, increasing=True),
    "bartlett": lambda m: m.bartlett(5),
    "blackman": lambda m: m.blackman(6),
    "hamming": lambda m: m.hamming(5),
    "hanning": lambda m: m.hanning(7),
    "kaiser": lambda m: m.kaiser(6, 2.5),
    "array": lambda m: m.array([[1.0, 2.0]]),
    "array_int": lambda m: m.array([1, 2], dtype="int32"),
    "saturate_cast": lambda m: m.saturate_cast(np.array([-5.0, 100.0, 300.0], "float32"), "uint8"),
    "saturate_cast_int": lambda m: m.saturate_cast(np.array([-70000, 5, 70000], "int32"), "int16"),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_matches_keras(name):
    fn = CREATION[name]
    assert_matches(fn(ops), keras_result(lambda: fn(kops)))


def test_inspection_matches_keras():
    x = np.ones((2, 3, 4), "float32")
    assert ops.size(x) == int(kops.size(x)) == 24
    assert ops.ndim(x) == int(kops.ndim(x)) == 3
    assert ops.dtype(x) == kops.dtype(x) == "float32"


def test_linspace_and_logspace_gradients(rng):
    a, b = rng.standard_normal(2), rng.standard_normal(2) + 3
    check_gradients(lambda s, e: ops.linspace(s, e, 5), [a, b])
    check_gradients(lambda s, e: ops.linspace(s, e, 4, endpoint=False, axis=1), [a, b])
    check_gradients(lambda s, e: ops.logspace(s, e, 3, base=2.0), [a, b])
    np.testing.assert_array_equal(ops.linspace(a, b, 5).numpy()[-1], b)  # the endpoint is exact


def test_meshgrid_and_vander_gradients(rng):
    check_gradients(lambda p, q: ops.meshgrid(p, q)[0] * ops.meshgrid(p, q)[1], [rng.standard_normal(3),
                                                                                 rng.standard_normal(2)])  # fmt: skip
    check_gradients(lambda v: ops.vander(v, 4), [rng.uniform(0.5, 2.0, 3)])
    v = ops.Variable(np.array([0.5, -2.0, 1e39]), dtype="float64")
    out = ops.saturate_cast(v, "float32")
    assert out.dtype == "float32" and out.numpy()[2] == np.finfo("float32").max
    (g,) = ops.gradient(ops.sum(out), [v])
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.0])  # 1 inside the range, 0 where it saturated


def test_geomspace_refuses_gradients():
    with pytest.raises(NotImplementedError, match="geomspace"):
        ops.geomspace(ops.Variable(np.array(1.0), dtype="float64"), 10.0, 3)


def test_default_dtypes_are_floatx():
    for t in (
        ops.eye(2),
        ops.full((2,), 1),
        ops.empty((1,)),
        ops.tri(2),
        ops.linspace(0, 1, 3),
        ops.hamming(3),
        ops.arange(0.5, 3),
        ops.arange(3, step=0.5),
    ):
        assert t.dtype == "float32"
