"""Neural-network ops (ops/nn_activations.py, ops/nn_functions.py): gradients and Keras parity."""

import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, away_from_kinks, keras_result

ACTIVATIONS = {
    "celu": lambda m, x: m.celu(x, alpha=0.7),
    "glu": lambda m, x: m.glu(x),
    "glu_axis0": lambda m, x: m.glu(m.concatenate([x, x * 0.5], axis=0), axis=0),
    "hard_tanh": lambda m, x: m.hard_tanh(x),
    "hard_shrink": lambda m, x: m.hard_shrink(x, 0.5),
    "soft_shrink": lambda m, x: m.soft_shrink(x, 0.5),
    "tanh_shrink": lambda m, x: m.tanh_shrink(x),
    "log_sigmoid": lambda m, x: m.log_sigmoid(x),
    "sparse_plus": lambda m, x: m.sparse_plus(x),
    "sparse_sigmoid": lambda m, x: m.sparse_sigmoid(x),
    "squareplus": lambda m, x: m.squareplus(x, b=2),
    "threshold": lambda m, x: m.threshold(x, 0.5, -1.0),
}


def _activation_input(rng, shape):
    """|x| in [0.2, 0.45] or [0.55, 0.95] or [1.05, 2]: away from every kink (0, +-0.5, +-1)."""
    pieces = rng.choice(3, shape)
    low, high = np.array([0.2, 0.55, 1.05])[pieces], np.array([0.45, 0.95, 2.0])[pieces]
    return rng.uniform(low, high) * rng.choice([-1.0, 1.0], shape)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(3, 6), (1, 4)])
def test_activation_gradient(name, shape, rng):
    check_gradients(lambda t: ACTIVATIONS[name](ops, t), [_activation_input(rng, shape)])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("x64", [False, True])
def test_activation_matches_keras(name, x64, rng):
    x = _activation_input(rng, (3, 6)).astype("float64" if x64 else "float32")
    fn = ACTIVATIONS[name]
    assert_matches(fn(ops, x), keras_result(lambda t: fn(kops, t), x, x64=x64), float64=x64)


def _sparsemax_reference(z):
    """Projection onto the simplex, row by row (Martins & Astudillo, Algorithm 1)."""
    out = np.empty_like(z)
    for i, row in enumerate(z):
        s = np.sort(row)[::-1]
        cum = np.cumsum(s)
        k = max(j for j in range(1, len(s) + 1) if 1 + j * s[j - 1] > cum[j - 1])
        out[i] = np.maximum(row - (cum[k - 1] - 1) / k, 0)
    return out


def test_sparsemax_is_the_simplex_projection_and_has_gradients(rng):
    z = rng.standard_normal((4, 5))
    out = ops.sparsemax(z).numpy()
    np.testing.assert_allclose(out, _sparsemax_reference(z), atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0)
    check_gradients(ops.sparsemax, [z])
    check_gradients(lambda t: ops.sparsemax(t, axis=0), [z])


def test_sparsemax_matches_keras_where_keras_is_right():
    """Keras 3.15's sparsemax is right when one value is in the support (see ops/nn_activations.py)."""
    z = np.array([[3.0, 0.1, -1.0], [0.2, 2.5, 0.3]], "float32")
    assert_matches(ops.sparsemax(z), keras_result(kops.sparsemax, z))


FUNCTIONS = {
    "layer_normalization": (lambda m, x, g, b: m.layer_normalization(x, g, b), True),
    "layer_normalization_plain": (lambda m, x, g, b: m.layer_normalization(x, axis=-1, epsilon=1e-3), True),
    "layer_normalization_axes": (lambda m, x, g, b: m.layer_normalization(x, axis=(1, 2)), True),
    "rms_normalization": (lambda m, x, g, b: m.rms_normalization(x, g), True),
    "rms_normalization_axis": (lambda m, x, g, b: m.rms_normalization(x, axis=1), True),
    "normalize": (lambda m, x, g, b: m.normalize(x), True),
    "normalize_l1": (lambda m, x, g, b: m.normalize(x, axis=1, order=1), True),
    "moments_mean": (lambda m, x, g, b: m.moments(x, axes=(0, 1))[0], True),
    "moments_var": (lambda m, x, g, b: m.moments(x, axes=[1], keepdims=True)[1], True),
    "psnr": (lambda m, x, g, b: m.psnr(x, m.multiply(x, 0.9), 2.0), True),
    "depth_to_space": (lambda m, x, g, b: m.depth_to_space(m.reshape(x, (1, 3, 1, 8)), 2), True),
    "space_to_depth": (lambda m, x, g, b: m.space_to_depth(m.reshape(x, (1, 2, 4, 3)), 2), True),
    "depth_to_space_cf": (
        lambda m, x, g, b: m.depth_to_space(m.reshape(x, (1, 8, 3, 1)), 2, "channels_first"),
        True,
    ),
    "space_to_depth_cf": (
        lambda m, x, g, b: m.space_to_depth(m.reshape(x, (1, 3, 2, 4)), 2, "channels_first"),
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_nn_function_gradient(name, rng):
    fn = FUNCTIONS[name][0]
    x, g, b = away_from_kinks(rng, (2, 3, 4)), rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    check_gradients(lambda t, gg, bb: fn(ops, t, gg, bb), [x, g, b])  # gamma/beta/scale where used


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("x64", [False, True])
def test_nn_function_matches_keras(name, x64, rng):
    fn = FUNCTIONS[name][0]
    dtype = "float64" if x64 else "float32"
    x, g, b = (a.astype(dtype) for a in (away_from_kinks(rng, (2, 3, 4)), rng.uniform(0.5, 1.5, 4),
                                         rng.standard_normal(4)))  # fmt: skip
    theirs = keras_result(lambda *a: fn(kops, *a), x, g, b, x64=x64)
    assert_matches(fn(ops, x, g, b), theirs, float64=x64)


CROSSENTROPIES = {
    "binary": lambda m, t, p, z: m.binary_crossentropy(t, p),
    "binary_logits": lambda m, t, p, z: m.binary_crossentropy(t, z, from_logits=True),
    "categorical": lambda m, t, p, z: m.categorical_crossentropy(t, p),
    "categorical_logits": lambda m, t, p, z: m.categorical_crossentropy(t, z, from_logits=True),
    "categorical_axis0": lambda m, t, p, z: m.categorical_crossentropy(t, z, from_logits=True, axis=0),
}


@pytest.mark.parametrize("name", sorted(CROSSENTROPIES))
@pytest.mark.parametrize("x64", [False, True])
def test_crossentropy_matches_keras_and_has_gradients(name, x64, rng):
    fn = CROSSENTROPIES[name]
    dtype = "float64" if x64 else "float32"
    t = rng.dirichlet(np.ones(4), size=3).astype(dtype)
    p = rng.dirichlet(np.ones(4), size=3).astype(dtype)
    z = rng.standard_normal((3, 4)).astype(dtype)
    assert_matches(fn(ops, t, p, z), keras_result(lambda *a: fn(kops, *a), t, p, z, x64=x64), float64=x64)
    if x64:
        check_gradients(lambda a, b, c: fn(ops, a, b, c), [t, p, z])


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits, rng):
    labels = np.array([0, 3, 1])
    z = rng.standard_normal((3, 4))
    out = z if from_logits else rng.dirichlet(np.ones(4), size=3)
    for y in (labels, labels[:, None]):
        assert_matches(ops.sparse_categorical_crossentropy(y, out, from_logits=from_logits),
                       keras_result(kops.sparse_categorical_crossentropy, y, out, from_logits=from_logits, x64=True),
                       float64=True)  # fmt: skip
    check_gradients(lambda o: ops.sparse_categorical_crossentropy(labels, o, from_logits=from_logits), [out])
    with pytest.raises(ValueError, match="shape"):
        ops.sparse_categorical_crossentropy(np.zeros(2), out)


ATTENTION = {
    "plain": {},
    "scale": {"scale": 0.3},
    "causal": {"is_causal": True},
    "bias": {"bias": "bias"},
    "mask": {"mask": "mask"},
    "grouped": {"grouped": True},
    "grouped_causal_mask": {"grouped": True, "is_causal": True, "mask": "mask"},
}


def _attention_inputs(case, rng, dtype):
    b, t, s, n, h = 2, 3, 4, 4, 5
    k_heads = 2 if case.get("grouped") else n
    q = rng.standard_normal((b, t, n, h)).astype(dtype)
    k = rng.standard_normal((b, s, k_heads, h)).astype(dtype)
    v = rng.standard_normal((b, s, k_heads, h)).astype(dtype)
    kwargs = {key: val for key, val in case.items() if key != "grouped"}
    if kwargs.get("bias") == "bias":
        kwargs["bias"] = rng.standard_normal((b, 1, t, s)).astype(dtype)
    if kwargs.get("mask") == "mask":
        mask = rng.uniform(size=(b, n, t, s)) > 0.3
        mask[..., 0] = True  # every query sees one key
        kwargs["mask"] = mask
    return q, k, v, kwargs


@pytest.mark.parametrize("case", sorted(ATTENTION))
@pytest.mark.parametrize("x64", [False, True])
def test_dot_product_attention_matches_keras(case, x64, rng):
    q, k, v, kwargs = _attention_inputs(ATTENTION[case], rng, "float64" if x64 else "float32")
    theirs = keras_result(lambda *a: kops.dot_product_attention(*a, **kwargs), q, k, v, x64=x64)
    assert_matches(ops.dot_product_attention(q, k, v, **kwargs), theirs, float64=x64)


@pytest.mark.parametrize("case", ["plain", "grouped_causal_mask", "bias"])
def test_dot_product_attention_gradient(case, rng):
    q, k, v, kwargs = _attention_inputs(ATTENTION[case], rng, "float64")
    check_gradients(lambda a, b, c: ops.dot_product_attention(a, b, c, **kwargs), [q, k, v])


def test_dot_product_attention_soft_cap_follows_the_documented_formula(rng):
    q, k, v, _ = _attention_inputs({}, rng, "float64")
    capped = ops.dot_product_attention(q, k, v, attn_logits_soft_cap=2.0).numpy()
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    logits = logits / (1 + np.abs(logits) / 2.0)
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    np.testing.assert_allclose(capped, np.einsum("bnts,bsnh->btnh", probs, v), rtol=1e-12)


def test_multi_hot_matches_keras():
    for x in (np.array([[0, 2], [1, 1]], "int32"), np.array([3, 0], "int32")):
        assert_matches(ops.multi_hot(x, 4), keras_result(kops.multi_hot, x, 4))
    assert_matches(ops.multi_hot(np.array([1]), num_tokens=3), keras_result(kops.multi_hot, np.array([1]), 3))
    with pytest.raises(ValueError, match="num_classes"):
        ops.multi_hot(np.array([1]))


def test_separable_conv_matches_keras_and_has_gradients(rng):
    x = rng.standard_normal((2, 5, 6, 3))
    dw, pw = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal((1, 1, 6, 4))
    for kwargs in ({}, {"strides": 2, "padding": "same"}):
        args32 = [a.astype("float32") for a in (x, dw, pw)]
        assert_matches(ops.separable_conv(*args32, **kwargs), keras_result(kops.separable_conv, *args32, **kwargs),
                       atol=1e-5)  # fmt: skip
    check_gradients(lambda a, b, c: ops.separable_conv(a, b, c), [x[:1, :4, :4], dw, pw])


def test_layer_normalization_keeps_float16_outputs(rng):
    x = rng.standard_normal((2, 4)).astype("float16")
    assert ops.layer_normalization(x).dtype == "float16"
    assert ops.rms_normalization(x).dtype == "float16"
