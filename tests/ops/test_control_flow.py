"""Control flow and user-defined gradients (ops/control_flow.py, ops/autodiff.py): same results as
keras.ops on JAX, and gradients through the loops."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result


@pytest.mark.parametrize("pred", [True, False])
def test_cond(pred, rng):
    x = rng.standard_normal(3).astype("float32")
    ours = ops.cond(pred, lambda: ops.sin(x), lambda: ops.cos(x))
    assert_matches(ours, keras_result(lambda: kops.cond(pred, lambda: kops.sin(x), lambda: kops.cos(x))))
    check_gradients(lambda t: ops.cond(ops.sum(t) > -100, lambda: t * t, lambda: t), [x.astype("float64")])


@pytest.mark.parametrize("index", [-1, 0, 1, 5])
def test_switch_clamps_the_index(index, rng):
    x = rng.standard_normal(3).astype("float32")

    def branches(m):
        return [lambda a: m.sin(a), lambda a: m.cos(a), lambda a: a * 2.0]

    assert_matches(
        ops.switch(index, branches(ops), x), keras_result(lambda: kops.switch(index, branches(kops), x))
    )


def test_while_loop_matches_keras(rng):
    x = rng.standard_normal(3).astype("float32")

    def run(m, maximum_iterations=None):
        return m.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, v * 1.5 + 1.0), (0, x),
                            maximum_iterations=maximum_iterations)  # fmt: skip

    for limit in (None, 2):
        assert_matches(run(ops, limit)[1], keras_result(lambda n=limit: run(kops, n)[1]))
    single = ops.while_loop(lambda v: ops.sum(v) < 100.0, lambda v: v * 2.0, ops.ones((2,)))
    assert isinstance(single, ops.Tensor) and float(ops.sum(single)) >= 100
    check_gradients(lambda t: run(ops)[1] * t, [x.astype("float64")])
    check_gradients(lambda t: ops.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, ops.sin(v)), (0, t))[1],
                    [x.astype("float64")])  # fmt: skip


def test_fori_loop(rng):
    x = rng.standard_normal(4).astype("float32")
    assert_matches(ops.fori_loop(0, 3, lambda i, v: v * 2.0 + i, x),
                   keras_result(lambda: kops.fori_loop(0, 3, lambda i, v: v * 2.0 + i, x)))  # fmt: skip
    check_gradients(
        lambda t: ops.fori_loop(1, 4, lambda i, v: ops.tanh(v * float(i)), t), [x.astype("float64")]
    )


@pytest.mark.parametrize("reverse", [False, True])
def test_scan(reverse, rng):
    xs = rng.standard_normal((5, 3)).astype("float32")
    init = np.zeros(3, "float32")

    def step(m):
        return lambda c, x: (c * 0.5 + x, m.sum(c * x))

    carry, ys = ops.scan(step(ops), init, xs, reverse=reverse)
    assert_matches((carry, ys), keras_result(lambda: kops.scan(step(kops), init, xs, reverse=reverse)))
    check_gradients(lambda c0, t: ops.scan(step(ops), c0, t, reverse=reverse)[1], [init.astype("float64"),
                                                                                   xs.astype("float64")])  # fmt: skip


def test_scan_with_length_and_structures(rng):
    carry, ys = ops.scan(lambda c, _: (c + 1.0, c * 2.0), np.float32(0.0), length=4)
    np.testing.assert_array_equal(ys.numpy(), [0.0, 2.0, 4.0, 6.0])
    pair = {"a": rng.standard_normal((3, 2)).astype("float32"), "b": rng.standard_normal(3).astype("float32")}

    def step(m):
        return lambda c, x: (c + m.sum(x["a"]) * x["b"], (x["b"], x["a"] * 2.0))

    carry, ys = ops.scan(step(ops), np.float32(0.0), pair)
    assert_matches((carry, ys), keras_result(lambda: kops.scan(step(kops), np.float32(0.0), pair)))
    with pytest.raises(ValueError, match="length"):
        ops.scan(lambda c, x: (c, x), 0.0)


def test_map_and_vectorized_map(rng):
    xs = rng.standard_normal((4, 3)).astype("float32")
    assert_matches(
        ops.map(lambda x: ops.sum(x * x), xs), keras_result(lambda: kops.map(lambda x: kops.sum(x * x), xs))
    )
    both = (xs, xs[:, :2])
    assert_matches(ops.vectorized_map(lambda p: ops.sum(p[0]) * p[1], both),
                   keras_result(lambda: kops.vectorized_map(lambda p: kops.sum(p[0]) * p[1], both)))  # fmt: skip
    check_gradients(lambda t: ops.map(lambda x: ops.outer(x, x), t), [xs.astype("float64")])


def _affine_compose(m):
    """Composition of affine maps x -> a x + b: associative but not commutative."""
    return lambda f, g: (f[0] * g[0], g[0] * f[1] + g[1])


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("length", [1, 5, 8])
def test_associative_scan_matches_keras(reverse, length, rng):
    a = rng.uniform(0.5, 1.5, (length, 2)).astype("float32")
    b = rng.standard_normal((length, 2)).astype("float32")
    ours = ops.associative_scan(_affine_compose(ops), (a, b), reverse=reverse)
    theirs = keras_result(lambda: kops.associative_scan(_affine_compose(kops), (a, b), reverse=reverse))
    assert_matches(ours, theirs)
    cumsum = ops.associative_scan(lambda p, q: p + q, np.arange(6.0).reshape(2, 3), axis=1)
    np.testing.assert_array_equal(cumsum.numpy(), np.cumsum(np.arange(6.0).reshape(2, 3), axis=1))
    check_gradients(lambda p, q: ops.associative_scan(_affine_compose(ops), (p, q), reverse=reverse)[1],
                    [a.astype("float64"), b.astype("float64")])  # fmt: skip


def test_vectorize(rng):
    x, y = rng.standard_normal((2, 3)).astype("float32"), rng.standard_normal(3).astype("float32")
    assert_matches(ops.vectorize(lambda a, b: a * b + 1.0)(x, y),
                   keras_result(lambda: kops.vectorize(lambda a, b: a * b + 1.0)(x, y)))  # fmt: skip
    dots = ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
    assert_matches(dots(x, y), keras_result(lambda: kops.vectorize(lambda a, b: kops.sum(a * b),
                                                                   signature="(n),(n)->()")(x, y)))  # fmt: skip
    check_gradients(lambda a: dots(a, y.astype("float64")), [x.astype("float64")])


def test_custom_gradient_replaces_the_backward(rng):
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1.0, e))

        return ops.log(1.0 + e), grad

    x = rng.standard_normal(4)
    check_gradients(log1pexp, [x])
    v = ops.Variable(np.array([100.0]), dtype="float64")
    (g,) = ops.gradient(ops.sum(log1pexp(v)), [v])  # the naive backward would give inf / inf
    np.testing.assert_allclose(g, [1.0])

    @ops.custom_gradient
    def scaled_identity(x):
        return x * 1.0, lambda up: up * 3.0  # a deliberately different gradient

    w = ops.Variable(np.ones(2), dtype="float64")
    np.testing.assert_array_equal(ops.gradient(ops.sum(scaled_identity(w)), [w])[0], [3.0, 3.0])


def test_jvp_matches_keras(rng):
    x, t = rng.standard_normal(3).astype("float32"), rng.standard_normal(3).astype("float32")
    ours = ops.jvp(lambda a: ops.sin(a) * a, (x,), (t,))
    theirs = keras_result(lambda: kops.linalg.jvp(lambda a: kops.sin(a) * a, (x,), (t,)))
    assert_matches(ours, theirs)
    out, tangent, aux = ops.linalg.jvp(lambda a, b: (ops.matmul(a, b), "aux"), (np.eye(2), np.ones((2, 2))),
                                       (np.ones((2, 2)), np.zeros((2, 2))), has_aux=True)  # fmt: skip
    np.testing.assert_array_equal(tangent.numpy(), np.full((2, 2), 2.0))
    assert aux == "aux"


def test_jvp_value_has_the_functions_gradient_and_the_tangent_refuses_one():
    # jvp used to return detached copies: a loss built on its value got zero gradient, silently.
    x = ops.Variable(np.array([0.3, -1.2, 2.0]))
    with ops.GradientTape() as tape:
        value, tangent = ops.jvp(lambda a: ops.sin(a) * a, (x,), (np.ones(3),))
        loss = ops.sum(value)
    (grad,) = tape.gradient(loss, [x])
    xv = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(np.asarray(grad), np.cos(xv) * xv + np.sin(xv), rtol=1e-6)
    np.testing.assert_allclose(tangent.numpy(), np.cos(xv) * xv + np.sin(xv), rtol=1e-6)
    with ops.GradientTape() as tape:
        _, tangent = ops.jvp(lambda a: ops.sin(a) * a, (x,), (np.ones(3),))
        loss = ops.sum(tangent)
    with pytest.raises(NotImplementedError, match="second derivative"):
        tape.gradient(loss, [x])
