"""Finite-difference gradient checks (float64) for every primitive op."""

import numpy as np
import pytest

from scratchnn import ops
from scratchnn.testing import check_gradients


def away_from_kinks(rng, shape, low=0.2, high=2.0):
    """Values with |x| in [low, high]: no element sits near 0, where relu/abs have kinks."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


UNARY = {
    "negative": (ops.negative, "any"),
    "exp": (ops.exp, "any"),
    "log": (ops.log, "positive"),
    "log1p": (ops.log1p, "positive"),
    "expm1": (ops.expm1, "any"),
    "sqrt": (ops.sqrt, "positive"),
    "square": (ops.square, "any"),
    "abs": (ops.abs, "any"),
    "relu": (ops.relu, "any"),
    "relu6": (lambda x: ops.relu6(ops.multiply(x, 4.0)), "any"),
    "leaky_relu": (lambda x: ops.leaky_relu(x, 0.2), "any"),
    "sigmoid": (ops.sigmoid, "any"),
    "tanh": (ops.tanh, "any"),
    "elu": (ops.elu, "any"),
    "selu": (ops.selu, "any"),
    "softplus": (ops.softplus, "any"),
    "softsign": (ops.softsign, "any"),
    "hard_sigmoid": (ops.hard_sigmoid, "any"),
    "silu": (ops.silu, "any"),
    "hard_silu": (ops.hard_silu, "any"),
    "gelu_exact": (lambda x: ops.gelu(x, approximate=False), "any"),
    "gelu_tanh": (lambda x: ops.gelu(x, approximate=True), "any"),
    "erf": (ops.erf, "any"),
    "softmax": (ops.softmax, "any"),
    "softmax_axis0": (lambda x: ops.softmax(x, axis=0), "any"),
    "log_softmax": (ops.log_softmax, "any"),
    "logsumexp": (lambda x: ops.logsumexp(x, axis=-1), "any"),
    "cast_same": (lambda x: ops.cast(x, "float64"), "any"),
    "clip": (lambda x: ops.clip(x, -1.0, 1.0), "any"),
    "sum_all": (ops.sum, "any"),
    "sum_axis": (lambda x: ops.sum(x, axis=1), "any"),
    "sum_keepdims": (lambda x: ops.sum(x, axis=0, keepdims=True), "any"),
    "mean_all": (ops.mean, "any"),
    "mean_axis": (lambda x: ops.mean(x, axis=-1), "any"),
    "mean_axes": (lambda x: ops.mean(x, axis=(0, 1)), "any"),
    "max_axis": (lambda x: ops.max(x, axis=1), "any"),
    "min_all": (ops.min, "any"),
    "var": (lambda x: ops.var(x, axis=0), "any"),
    "std": (lambda x: ops.std(x, axis=1), "any"),
    "reshape": (lambda x: ops.reshape(x, (-1,)), "any"),
    "transpose": (ops.transpose, "any"),
    "expand_dims": (lambda x: ops.expand_dims(x, 1), "any"),
    "squeeze": (lambda x: ops.squeeze(ops.expand_dims(x, 0), 0), "any"),
    "getitem_slice": (lambda x: x[1:, ::2], "any"),
    "getitem_fancy": (lambda x: x[:, np.array([0, 2, 2])], "any"),
    "take": (lambda x: ops.take(x, np.array([1, 0, 1]), axis=1), "any"),
    "pow_scalar": (lambda x: x**3, "any"),
    "rsub_scalar": (lambda x: 2.0 - x, "any"),
    "rdiv_scalar": (lambda x: 2.0 / x, "positive"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(3, 5), (1, 4)])
def test_unary_op_gradient(name, shape, rng):
    fn, domain = UNARY[name]
    x = rng.uniform(0.2, 2.0, shape) if domain == "positive" else away_from_kinks(rng, shape)
    check_gradients(fn, [x])


def test_clip_gradient_is_zero_outside_the_range():
    x = ops.Variable(np.array([-2.0, 0.5, 3.0]), dtype="float64")
    (g,) = ops.gradient(ops.sum(ops.clip(x, -1.0, 1.0)), [x])
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


BINARY = {
    "add": ops.add,
    "subtract": ops.subtract,
    "multiply": ops.multiply,
    "divide": ops.divide,
    "maximum": ops.maximum,
    "minimum": ops.minimum,
    "power": ops.power,
    "operators": lambda a, b: (a + b) * a - b / (a * a + 1.0),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 5), (3, 5)), ((3, 5), (5,)), ((4, 1, 3), (2, 1)), ((1,), (2, 3))])
def test_binary_op_gradient_with_broadcasting(name, shapes, rng):
    a = rng.uniform(0.5, 2.0, shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1]) + (0.3 if name in ("maximum", "minimum") else 0.0)
    check_gradients(BINARY[name], [a, b])


@pytest.mark.parametrize(
    "shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((2, 3, 4), (2, 4, 5))]
)
def test_matmul_gradient(shapes, rng):
    check_gradients(ops.matmul, [rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])])


@pytest.mark.parametrize("x_shape", [(5, 3), (1, 3), (2, 4, 3)])
def test_linear_gradient(x_shape, rng):
    check_gradients(
        ops.linear, [rng.standard_normal(x_shape), rng.standard_normal((3, 4)), rng.standard_normal(4)]
    )


def test_linear_with_fused_relu_gradient_and_values(rng):
    x, w, b = away_from_kinks(rng, (5, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)
    check_gradients(lambda x_, w_, b_: ops.linear(x_, w_, b_, relu=True), [x, w, b])
    np.testing.assert_array_equal(
        ops.linear(x, w, b, relu=True).numpy(), ops.relu(ops.linear(x, w, b)).numpy()
    )


def test_linear_without_bias_gradient(rng):
    check_gradients(lambda x, w: ops.linear(x, w), [rng.standard_normal((5, 3)), rng.standard_normal((3, 2))])


def test_join_ops_gradients(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    check_gradients(lambda x, y: ops.concatenate([x, y], axis=0), [a, b])
    c = rng.standard_normal((2, 3))
    check_gradients(lambda x, y: ops.stack([x, y], axis=1), [a, c])
    cond = rng.standard_normal((2, 3)) > 0
    check_gradients(lambda x, y: ops.where(cond, x, y), [a, c])


def test_fused_cross_entropies_gradients(rng):
    logits = rng.standard_normal((5, 4))
    labels = np.array([0, 3, 1, 1, 2])
    check_gradients(lambda z: ops.sparse_softmax_cross_entropy(labels, z), [logits])

    # Fed the probabilities and normalizer of a softmax op on the same logits, as the loss does:
    def reusing_softmax(z):
        probs = ops.softmax(z)
        return ops.sparse_softmax_cross_entropy(labels, z, probs)

    check_gradients(reusing_softmax, [logits])
    np.testing.assert_allclose(
        reusing_softmax(logits).numpy(), ops.sparse_softmax_cross_entropy(labels, logits).numpy(), rtol=1e-14
    )
    # The backward must not write into the softmax output it borrowed (the model's predictions).
    z = ops.Variable(logits, dtype="float64")
    probs = ops.softmax(z)
    before = probs.numpy().copy()
    loss = ops.sparse_softmax_cross_entropy(labels, z, probs)
    ops.gradient(ops.sum(loss), [z])
    np.testing.assert_array_equal(probs.numpy(), before)
    targets = rng.dirichlet(np.ones(4), size=5)
    check_gradients(lambda z, t: ops.softmax_cross_entropy(t, z), [logits, targets])
    binary = rng.uniform(0, 1, (5, 4))
    check_gradients(lambda z, t: ops.sigmoid_cross_entropy(t, z), [logits, binary])


def test_gradient_accumulates_when_a_tensor_is_used_twice(rng):
    x = rng.standard_normal((3, 3))
    check_gradients(lambda a: ops.multiply(ops.tanh(a), ops.sigmoid(a)) + a @ a, [x])


def test_softmax_and_sigmoid_do_not_overflow():
    z = ops.convert_to_tensor(np.array([[1000.0, -1000.0, 0.0]]))
    np.testing.assert_allclose(ops.softmax(z).numpy(), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(ops.sigmoid(z).numpy(), [[1.0, 0.0, 0.5]])
    np.testing.assert_allclose(ops.log_softmax(z).numpy()[0, 0], 0.0)


def test_no_grad_records_nothing():
    w = ops.Variable(np.ones((2, 2)))
    with ops.no_grad():
        y = ops.sum(w * 2.0)
    assert not y.requires_grad and y._backward is None


def test_tape_is_freed_after_gradient():
    w = ops.Variable(np.ones((2, 2)))
    hidden = ops.relu(w * 3.0)
    loss = ops.sum(hidden)
    ops.gradient(loss, [w])
    assert loss._parents == () and hidden._backward is None


def test_gradient_tape_api_matches_tensorflow_usage(rng):
    w = ops.Variable(rng.standard_normal((3, 2)), dtype="float64")
    x = rng.standard_normal((4, 3))
    with ops.GradientTape() as tape:
        loss = ops.mean(ops.square(x @ w))
    grad = tape.gradient(loss, [w])[0].numpy()
    np.testing.assert_allclose(grad, 2 * x.T @ (x @ w.numpy()) / 8, rtol=1e-12)


def test_python_scalars_keep_float32():
    x = ops.convert_to_tensor(np.ones(3, dtype="float32"))
    assert (x * 2.0).dtype == "float32"
    assert (1.0 - x).dtype == "float32"
    assert (x / 3).dtype == "float32"


def test_erf_matches_math_erf():
    import math

    xs = np.linspace(-6, 6, 241)
    expected = np.array([math.erf(v) for v in xs])
    np.testing.assert_allclose(ops.erf(xs).numpy(), expected, atol=1e-14)


def test_softmax_keeps_exp_dtype_for_integer_inputs():
    # The in-place exp only applies to float arrays; integers get exp's own float type as before.
    from scratchnn import ops

    assert ops.softmax(np.array([[1, 2, 3]])).numpy().dtype == np.float64
    np.testing.assert_allclose(ops.softmax(np.array([[1, 2, 3]])).numpy().sum(), 1.0)


def test_a_list_of_tensors_is_stacked_on_the_tape(rng):
    """`ops.sum(model.losses)`: converting the list must not cut its items off the tape."""
    a, b = rng.standard_normal(()), rng.standard_normal(())
    check_gradients(lambda x, y: ops.sum([x, ops.square(y)]), [a, b])
    check_gradients(lambda x, y: ops.mean(ops.convert_to_tensor([x, y])), [a, b])


def test_gradient_check_rejects_a_backward_that_is_not_linear_in_its_seed():
    def bad(x):
        t = ops.convert_to_tensor(x)
        return ops.record(t.data * 2.0, (t,), lambda g: (g * g,))

    with pytest.raises(AssertionError, match="not linear in its seed"):
        check_gradients(bad, [np.ones(3)])
