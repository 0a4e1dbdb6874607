"""The numpy_strict backend: xp's arrays refuse host arrays in scratchnn's code, and only there."""

import types

import numpy as np
import pytest

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.backend.strict_numpy import StrictArray
from scratchnn.ops import tensor as tensor_module
from scratchnn.ops.tensor import Tensor

# Ops written as a layer file would write them. Compiled as a scratchnn module (below), since the
# strict backend holds only scratchnn's own code to the seam.
PROBE_SOURCE = """
import numpy as np

from scratchnn.backend import xp
from scratchnn.ops.tensor import convert, record


def add_host_ones(x):  # the stray: np.ones beside a backend array
    t = convert(x)
    return record(t.data + np.ones(t.shape, dtype=t.data.dtype), (t,), lambda g: (g,))


def host_zeros_output(x):  # the stray: an op whose output NumPy made directly
    t = convert(x)
    return record(np.zeros(t.shape, dtype=t.data.dtype), (t,), lambda g: (None,))


def stack_host_rows(rows):  # the stray: an xp function handed host arrays
    return xp.stack([np.asarray(r) for r in rows])


def index_with_host_positions(x):  # the stray: a host index array
    t = convert(x)
    return t.data[np.arange(t.shape[0])]


def add_xp_ones(x):  # the same op through xp: fine on every backend
    t = convert(x)
    return record(t.data + xp.ones(t.shape, dtype=t.data.dtype), (t,), lambda g: (g,))
"""


@pytest.fixture(scope="module")
def probe():
    module = types.ModuleType("scratchnn._strict_probe")
    exec(compile(PROBE_SOURCE, "scratchnn/_strict_probe.py", "exec"), module.__dict__)  # noqa: S102
    return module


@pytest.fixture
def strict():
    previous = backend.get_backend()
    backend.set_backend("numpy_strict")
    yield
    backend.set_backend(previous)


@pytest.fixture
def plain_numpy():
    previous = backend.get_backend()
    backend.set_backend("numpy")
    yield
    backend.set_backend(previous)


def test_a_stray_np_ones_mixed_into_an_op_fails_naming_the_call_and_line(strict, probe):
    with pytest.raises(TypeError, match=r"numpy\.add received a plain NumPy array \(shape \(2, 3\)") as info:
        probe.add_host_ones(np.zeros((2, 3), dtype="float32"))
    assert "scratchnn/_strict_probe.py:10 in add_host_ones" in str(info.value)


def test_an_op_output_made_by_numpy_fails_at_tensor_creation(strict, probe):
    with pytest.raises(TypeError, match=r"Tensor received a plain NumPy array .*_strict_probe\.py:15"):
        probe.host_zeros_output(np.zeros((2, 3)))


def test_host_arrays_handed_to_xp_functions_or_used_as_indices_fail(strict, probe):
    with pytest.raises(TypeError, match=r"xp\.stack received a plain NumPy array"):
        probe.stack_host_rows([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match="indexing received a plain NumPy array"):
        probe.index_with_host_positions(np.zeros((3, 2)))


def test_the_same_strays_pass_on_the_numpy_backend(plain_numpy, probe):
    # The strict backend is what catches them: NumPy itself cannot tell the arrays apart.
    out = probe.add_host_ones(np.zeros((2, 3), dtype="float32"))
    np.testing.assert_array_equal(out.numpy(), np.ones((2, 3)))
    assert type(probe.host_zeros_output(np.zeros(2)).data) is np.ndarray


def test_xp_created_arrays_pass_through_ops_and_gradients(strict, probe):
    v = ops.Variable(np.arange(6.0).reshape(2, 3), dtype="float64")
    out = probe.add_xp_ones(ops.exp(v))
    assert type(out.data) is StrictArray
    (grad,) = ops.gradient(ops.sum(out * 2.0), [v])
    assert type(grad) is StrictArray
    np.testing.assert_allclose(backend.to_numpy(grad), 2.0 * np.exp(np.arange(6.0).reshape(2, 3)))


def test_every_xp_route_returns_strict_arrays(strict):
    a = xp.arange(6.0).reshape(2, 3)
    results = {
        "creation": xp.zeros((2, 2)),
        "conversion": xp.asarray([1.0, 2.0]),
        "ufunc": xp.exp(a),
        "operator": a * 2.0 + 1.0,
        "method": a.dot(xp.ones(3)),
        "function": xp.concatenate([a, a]),
        "numpy dispatch": np.concatenate([a, a]),  # np.<f> on a backend array, as on CuPy
        "submodule": xp.linalg.inv(xp.eye(2)),
        "named tuple": xp.linalg.eigh(xp.eye(2)).eigenvalues,
        "ufunc method": xp.add.reduce(a, axis=0),
        "grid": xp.ogrid[:2, :3][1],
        "strided view": xp.lib.stride_tricks.as_strided(a, (2,), (8,)),
        "slice": a[:, 1],
        "backend.asarray": backend.asarray(np.ones(2)),
    }
    assert {name: type(r).__name__ for name, r in results.items()} == dict.fromkeys(results, "StrictArray")
    assert xp.ndarray is StrictArray
    assert xp.float32 is np.float32 and xp.inf == np.inf


def test_out_arguments_and_in_place_updates_write_into_the_given_array(strict):
    a = xp.ones(3)
    assert xp.multiply(a, 2.0, out=a) is a
    xp.add.at(a, xp.asarray([0, 0]), 1.0)
    a[1:] = xp.zeros(2)
    np.testing.assert_array_equal(backend.to_numpy(a), [4.0, 0.0, 0.0])


def test_scalars_and_0d_host_arrays_combine_freely(strict):
    a = xp.ones(3)
    np.testing.assert_array_equal(backend.to_numpy(a * np.float32(2.0) + np.array(1.0)), [3.0, 3.0, 3.0])


def test_to_numpy_gives_a_plain_host_view_and_tests_may_compare_with_numpy(strict):
    a = xp.arange(3.0)
    host = backend.to_numpy(a)
    assert type(host) is np.ndarray and np.shares_memory(host, a)
    assert type(ops.convert_to_tensor(a).numpy()) is np.ndarray
    # Host code (this test) may hand backend arrays to NumPy: only scratchnn's code is refused.
    np.testing.assert_array_equal(a, np.array([0.0, 1.0, 2.0]))
    assert repr(a) == "array([0., 1., 2.])"


def test_set_backend_switches_xp_and_back():
    previous = backend.get_backend()
    try:
        backend.set_backend("numpy_strict")
        assert type(xp.zeros(2)) is StrictArray and "numpy_strict" in repr(xp)
        with pytest.raises(TypeError, match="Tensor received a plain NumPy array"):
            ops.Tensor(np.zeros(2))
        backend.set_backend("numpy")
        assert type(xp.zeros(2)) is np.ndarray
        # On NumPy, Tensor creation runs no check at all: the op path is what it was.
        assert Tensor.__init__ is tensor_module._unchecked_init
        assert type(ops.Tensor(np.zeros(2)).data) is np.ndarray
    finally:
        backend.set_backend(previous)
    with pytest.raises(
        ValueError, match=r"Expected one of \['numpy', 'numpy_strict'\]. Received: name='cupy'"
    ):
        backend.set_backend("cupy")
