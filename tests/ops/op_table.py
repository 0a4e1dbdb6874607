"""One index of every callable in scratchnn.ops.__all__: how to gradient-check it, or why not.

tests/ops/test_op_table.py reads it: an exported op without a row fails CI, every `Grad` row gets a
float64 finite-difference check (which also checks the backward is linear in its seed), every row
whose op keras.ops has gets a float32 parity check, and every `NoGrad` row is checked to really have
no gradient path. Where a family test already holds a natural row (UNARY in test_elementwise.py,
MOVES in test_manipulation.py, ...), the row is built from that table, not written twice.

A row's `call(m, *inputs)` runs on a module `m`: scratchnn.ops for the gradient check, keras.ops for
parity; `inputs(rng)` gives float64 NumPy arrays (cast to float32 for parity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.ops import (
    test_binary,
    test_contraction,
    test_creation,
    test_elementwise,
    test_indexing,
    test_linalg,
    test_manipulation,
    test_nn_ops,
    test_reductions,
)
from tests.ops.parity import away_from_kinks


@dataclass(frozen=True)
class Grad:
    """A differentiable op: float64 inputs from `inputs(rng)`, gradient-checked through `call`."""

    call: Callable[..., Any]
    inputs: Callable[[np.random.Generator], list]
    keras: bool = True  # real keras.ops has it: parity runs
    rtol: float = 1e-5
    atol: float = 1e-6
    index: bool = False
    source: str = ""  # the family table the row comes from


@dataclass(frozen=True)
class NoGrad:
    """Forward-only: `reason` says why; the honesty test checks no gradient reaches `inputs`."""

    reason: str
    call: Callable[..., Any] | None = None
    inputs: Callable[[np.random.Generator], list] = lambda rng: []
    keras: bool = True
    raises: bool = False  # asking for the gradient raises by design
    index: bool = False  # int64 where Keras on JAX gives int32
    rtol: float = 1e-5
    atol: float = 1e-6


@dataclass(frozen=True)
class Alias:
    """The very same function object as `target`'s."""

    target: str


@dataclass(frozen=True)
class Covered:
    """Checked (gradients and, where Keras has it, parity) by `test` ("file::function")."""

    test: str


def _shapes(*shapes, low=None, high=None):
    """Standard-normal inputs of these shapes (or |x| in [low, high] with random signs)."""
    if low is None:
        return lambda rng: [rng.standard_normal(s) for s in shapes]
    return lambda rng: [away_from_kinks(rng, s, low, high) for s in shapes]


def _positive(*shapes):
    return lambda rng: [rng.uniform(0.5, 2.0, s) for s in shapes]


def _unary(name, domain="any"):
    sampler = test_elementwise.DOMAINS[domain]
    return Grad(lambda m, x: getattr(m, name)(x), lambda rng: [sampler(rng, (3, 5))])


def _binary(name, shapes=((3, 4), (4,))):
    return Grad(lambda m, a, b: getattr(m, name)(a, b), _positive(*shapes))


# Families: op name -> the key of its row in a family table (its most plain variant).
def _from_elementwise(op):
    domain, differentiable = test_elementwise.UNARY[op]
    if differentiable:
        return Grad(**{**_unary(op, domain).__dict__, "source": "test_elementwise.UNARY"})
    x = lambda rng: [test_elementwise.DOMAINS[domain](rng, (3, 5))]  # noqa: E731
    return NoGrad("piecewise constant or boolean output", lambda m, t: getattr(m, op)(t), x)


def _from_binary(op):
    spec_a, spec_b, differentiable = test_binary.BINARY[op]

    def inputs(rng):
        a = test_binary._sample(spec_a, rng, (3, 4))
        if op in ("mod", "fmod"):
            a = rng.choice([0.35, 1.1, -2.05, 2.45], (3, 4))  # no multiple of a divisor
        return [a, test_binary._sample(spec_b, rng, (4,))]

    call = lambda m, a, b: getattr(m, op)(a, b)  # noqa: E731
    if differentiable:
        return Grad(call, inputs, source="test_binary.BINARY")
    return NoGrad("piecewise constant, comparison or boolean output", call, inputs)


def _from_x_table(table, key, sampler, source, differentiable=True, index=False, **tol):
    call = table[key] if callable(table[key]) else table[key][0]
    if differentiable:
        return Grad(call, sampler, index=index, source=f"{source}[{key!r}]", **tol)
    return NoGrad("integer, boolean or index output", call, sampler, index=index, **tol)


def _reduction(op, key=None):
    key = key or op
    sampler = lambda rng: [away_from_kinks(rng, (3, 5, 2), 0.5, 1.5)]  # noqa: E731
    differentiable = test_reductions.REDUCTIONS[key][1]
    index = key in test_reductions.INDEX_OUTPUTS
    return _from_x_table(test_reductions.REDUCTIONS, key, sampler, "REDUCTIONS", differentiable, index)


def _indexing(op, key=None):
    key = key or op
    _, differentiable, index = test_indexing.OPS[key]
    sampler = lambda rng: [rng.standard_normal((3, 4)) * 2.0]  # noqa: E731
    return _from_x_table(test_indexing.OPS, key, sampler, "OPS", differentiable, index)


def _linalg(op, key=None):
    key = key or op
    _, shape, differentiable = test_linalg.LINALG[key]
    sampler = lambda rng: [test_linalg._well_conditioned(rng, shape)]  # noqa: E731
    return _from_x_table(test_linalg.LINALG, key, sampler, "LINALG", differentiable, rtol=2e-5, atol=1e-5)


def _move(op, key=None):
    return _from_x_table(test_manipulation.MOVES, key or op, _shapes((3, 4, 2)), "MOVES")


def _activation(op):
    sampler = lambda rng: [test_nn_ops._activation_input(rng, (3, 6))]  # noqa: E731
    return _from_x_table(test_nn_ops.ACTIVATIONS, op, sampler, "ACTIVATIONS")


def _nn_function(op, key=None):
    fn = test_nn_ops.FUNCTIONS[key or op][0]
    inputs = lambda rng: [away_from_kinks(rng, (2, 3, 4)), rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)]  # noqa: E731
    return Grad(fn, inputs, source=f"FUNCTIONS[{key or op!r}]")


def _product(op, key=None):
    fn, shapes = test_contraction.PRODUCTS[key or op]
    return Grad(fn, _shapes(*shapes), source=f"PRODUCTS[{key or op!r}]")


def _creation(op):
    return NoGrad("creation op: no tensor input", test_creation.CREATION[op])


_IDX = np.array([[2, 0, 1, 1], [3, 3, 0, 2], [1, 2, 2, 0]])
_INTS = lambda rng: []  # noqa: E731  (int inputs live inside the call: only floats are Variables)


def _flat_sum(m, outs):
    return m.concatenate([m.reshape(o, (-1,)) for o in outs])


ROWS: dict[str, Any] = {}
ROWS.update({op: _from_elementwise(op) for op in test_elementwise.UNARY})
ROWS.update({op: _from_binary(op) for op in test_binary.BINARY})
ROWS.update(
    {op: _reduction(op) for op in test_reductions.REDUCTIONS if "_" not in op or op.startswith("nan")}
)
ROWS.update({"prod": _reduction("prod", "prod_all"), "count_nonzero": _reduction("count_nonzero")})
ROWS.update({op: _indexing(op) for op in test_indexing.OPS if op in ("sort", "top_k", "take_along_axis", "slice",
             "slice_update", "scatter", "scatter_update", "segment_sum", "segment_max", "segment_min",
             "segment_prod", "select", "get_item", "extract_sequences", "argsort", "searchsorted",
             "digitize", "isin", "in_top_k", "nonzero", "unravel_index")})  # fmt: skip
ROWS.update({op: _linalg(op) for op in ("inv", "det", "logdet", "cholesky", "cholesky_inverse", "pinv",
                                         "matrix_rank")})  # fmt: skip
ROWS.update({"slogdet": _linalg("slogdet", "slogdet_logabs"), "qr": _linalg("qr", "qr_q"),
             "eigh": _linalg("eigh", "eigh_values"), "svd": _linalg("svd", "svd_values"),
             "norm": _linalg("norm", "norm_fro")})  # fmt: skip
ROWS.update({op: _move(op) for op in test_manipulation.MOVES if "_" not in op or op in (
    "array_split", "broadcast_to", "diagflat")})  # fmt: skip
ROWS.update({"pad": _move("pad", "pad_constant"), "diag": _move("diag", "diag_matrix")})
ROWS.update({op: _activation(op) for op in test_nn_ops.ACTIVATIONS if "_axis" not in op})
ROWS.update({op: _nn_function(op) for op in ("layer_normalization", "rms_normalization", "normalize", "psnr",
                                             "depth_to_space", "space_to_depth")})  # fmt: skip
ROWS["moments"] = _nn_function("moments", "moments_mean")
ROWS.update({op: _product(op) for op in ("tensordot", "inner", "outer", "vdot", "kron", "cross", "cdist")})
ROWS["dot"] = _product("dot", "dot_matrix")
ROWS.update({op: _creation(op) for op in ("eye", "identity", "tri", "full", "full_like", "empty", "empty_like",
                                          "geomspace", "bartlett", "blackman", "hamming", "hanning", "kaiser",
                                          "array", "saturate_cast")})  # fmt: skip

_BITWISE = "integer op on integer inputs"
_CMP = "comparison: boolean output"
ROWS.update({
    # Aliases: the same function object under a second Keras/NumPy name.
    "absolute": Alias("abs"), "amax": Alias("max"), "amin": Alias("min"), "true_divide": Alias("divide"),
    "swish": Alias("silu"), "hard_swish": Alias("hard_silu"), "bitwise_not": Alias("bitwise_invert"),
    "left_shift": Alias("bitwise_left_shift"), "right_shift": Alias("bitwise_right_shift"),
    "exponential": Alias("exp"),
    # Core elementwise ops (test_gradients.py checks them with their own variants too).
    **{op: _unary(op) for op in ("negative", "exp", "expm1", "square", "abs", "relu", "sigmoid", "tanh", "elu",
                                  "selu", "softplus", "softsign", "hard_sigmoid", "silu", "hard_silu", "gelu",
                                  "erf", "softmax", "log_softmax", "sparsemax")},
    **{op: _unary(op, "positive") for op in ("log", "log1p", "sqrt")},
    "relu6": Grad(lambda m, x: m.relu6(m.multiply(x, 4.0)), _shapes((3, 5), low=0.2, high=2.0)),
    "leaky_relu": Grad(lambda m, x: m.leaky_relu(x, 0.2), _shapes((3, 5), low=0.2, high=2.0)),
    "logsumexp": Grad(lambda m, x: m.logsumexp(x, axis=-1), _shapes((3, 5))),
    "clip": Grad(lambda m, x: m.clip(x, -1.0, 1.0), _shapes((3, 5), low=0.2, high=2.0)),
    "cast": Grad(lambda m, x: m.cast(x, m.dtype(x)), _shapes((3, 5))),
    "sum": Grad(lambda m, x: m.sum(x, axis=1), _shapes((3, 5))),
    "mean": Grad(lambda m, x: m.mean(x, axis=-1), _shapes((3, 5))),
    "max": Grad(lambda m, x: m.max(x, axis=1), _shapes((3, 5))),
    "min": Grad(lambda m, x: m.min(x), _shapes((3, 5))),
    "var": Grad(lambda m, x: m.var(x, axis=0), _shapes((3, 5))),
    "std": Grad(lambda m, x: m.std(x, axis=1), _shapes((3, 5))),
    "reshape": Grad(lambda m, x: m.reshape(x, (-1,)), _shapes((3, 5))),
    "transpose": Grad(lambda m, x: m.transpose(x), _shapes((3, 5))),
    "expand_dims": Grad(lambda m, x: m.expand_dims(x, 1), _shapes((3, 5))),
    "squeeze": Grad(lambda m, x: m.squeeze(x, 0), _shapes((1, 5))),
    "take": Grad(lambda m, x: m.take(x, np.array([1, 0, 1]), axis=1), _shapes((3, 5))),
    "getitem": Grad(lambda m, x: x[1:, ::2] if m.__name__.startswith("keras") else m.getitem(x, (slice(1, None),
                    slice(None, None, 2))), _shapes((3, 5))),  # fmt: skip
    **{op: _binary(op) for op in ("add", "subtract", "multiply", "divide", "power")},
    "maximum": Grad(lambda m, a, b: m.maximum(a, b), lambda rng: [rng.uniform(0.5, 2.0, (3, 4)),
                    rng.uniform(0.5, 2.0, (4,)) + 0.3]),  # fmt: skip
    "minimum": Grad(lambda m, a, b: m.minimum(a, b), lambda rng: [rng.uniform(0.5, 2.0, (3, 4)),
                    rng.uniform(0.5, 2.0, (4,)) + 0.3]),  # fmt: skip
    "matmul": Grad(lambda m, a, b: m.matmul(a, b), _shapes((2, 3, 4), (4, 2))),
    "einsum": Grad(lambda m, a, b: m.einsum("ij,jk->ik", a, b), _shapes((3, 4), (4, 2))),
    "correlate": Grad(lambda m, a, b: m.correlate(a, b, mode="full"), _shapes((5,), (3,))),
    "corrcoef": Grad(lambda m, x: m.corrcoef(x), _shapes((3, 6)), rtol=1e-4, atol=1e-5),
    "concatenate": Grad(lambda m, a, b: m.concatenate([a, b], axis=0), _shapes((2, 3), (1, 3))),
    "stack": Grad(lambda m, a, b: m.stack([a, b], axis=1), _shapes((2, 3), (2, 3))),
    "where": Grad(lambda m, a, b: m.where(np.array([True, False, True]), a, b), _shapes((2, 3), (3,))),
    "ldexp": Grad(lambda m, x: m.ldexp(x, np.array([1, -2, 3])), _shapes((2, 3))),
    "bincount": Grad(lambda m, w: m.bincount(np.array([0, 2, 2, 1]), weights=w, minlength=4), _shapes((4,))),
    "argpartition": NoGrad("index output", lambda m, x: m.sort(m.argpartition(x, 2, axis=1), axis=1),
                           _shapes((3, 5)), index=True),  # fmt: skip
    "linspace": Grad(lambda m, a, b: m.linspace(a, b, 4, axis=1), _shapes((2,), (2,))),
    "logspace": Grad(lambda m, a, b: m.logspace(a, b, 4, axis=1), _shapes((2,), (2,))),
    "meshgrid": Grad(lambda m, a, b: m.meshgrid(a, b), _shapes((3,), (2,))),
    "vander": Grad(lambda m, x: m.vander(x, N=3), _shapes((3,))),
    "solve": Grad(lambda m, a, b: m.solve(a, b), lambda rng: [rng.standard_normal((3, 3)) + 3 * np.eye(3),
                  rng.standard_normal((3, 2))], rtol=2e-5, atol=1e-5),  # fmt: skip
    "solve_triangular": Grad(lambda m, a, b: m.solve_triangular(a, b, lower=True),
                             lambda rng: [rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 2))],
                             rtol=2e-5, atol=1e-5),  # fmt: skip
    "lstsq": Grad(lambda m, a, b: m.lstsq(a, b), _shapes((5, 3), (5, 2)), rtol=2e-5, atol=1e-5),
    "eig": NoGrad("forward only: complex eigenvectors, the gradient raises", lambda m, x: m.eig(x),
                  _shapes((3, 3)), raises=True, keras=False),  # fmt: skip
    "lu_factor": NoGrad("forward only: pivoted factors, the gradient raises", lambda m, x: m.lu_factor(x),
                        _shapes((3, 3)), raises=True, keras=False),  # fmt: skip
    # Losses.
    "binary_crossentropy": Grad(lambda m, t, p: m.binary_crossentropy(t, p), lambda rng: [
        rng.uniform(0.1, 0.9, (3, 4)), rng.uniform(0.1, 0.9, (3, 4))]),  # fmt: skip
    "categorical_crossentropy": Grad(lambda m, t, z: m.categorical_crossentropy(t, z, from_logits=True),
                                     lambda rng: [rng.dirichlet(np.ones(4), 3), rng.standard_normal((3, 4))]),
    "sparse_categorical_crossentropy": Grad(lambda m, z: m.sparse_categorical_crossentropy(
        np.array([0, 3, 1]), z, from_logits=True), _shapes((3, 4))),  # fmt: skip
    "sigmoid_cross_entropy": Grad(lambda m, t, z: m.sigmoid_cross_entropy(t, z), lambda rng: [
        rng.uniform(0.0, 1.0, (3, 4)), rng.standard_normal((3, 4))], keras=False),  # fmt: skip
    "softmax_cross_entropy": Grad(lambda m, t, z: m.softmax_cross_entropy(t, z), lambda rng: [
        rng.dirichlet(np.ones(4), 3), rng.standard_normal((3, 4))], keras=False),  # fmt: skip
    "sparse_softmax_cross_entropy": Grad(lambda m, z: m.sparse_softmax_cross_entropy(np.array([0, 3, 1]), z),
                                         _shapes((3, 4)), keras=False),  # fmt: skip
    # Convolution, pooling and normalisation: small channels-last shapes.
    "conv": Grad(lambda m, x, k: m.conv(x, k, padding="same"), _shapes((1, 5, 4, 2), (3, 3, 2, 3))),
    "depthwise_conv": Grad(lambda m, x, k: m.depthwise_conv(x, k, strides=2), _shapes((1, 5, 5, 2), (3, 3, 2, 2))),
    "conv_transpose": Grad(lambda m, x, k: m.conv_transpose(x, k, strides=2), _shapes((1, 3, 3, 2), (3, 3, 4, 2))),
    "separable_conv": Grad(lambda m, x, d, p: m.separable_conv(x, d, p),
                           _shapes((1, 4, 4, 2), (3, 3, 2, 2), (1, 1, 4, 3))),  # fmt: skip
    "max_pool": Grad(lambda m, x: m.max_pool(x, (2, 2), (2, 2)), _shapes((1, 4, 4, 2))),
    "average_pool": Grad(lambda m, x: m.average_pool(x, (2, 2), (2, 2), padding="same"), _shapes((1, 5, 5, 2))),
    "conv1d": Grad(lambda m, x, k, b: m.conv1d(x, k, b, padding="same"), _shapes((2, 6, 2), (3, 2, 3), (3,)),
                   keras=False),  # fmt: skip
    "conv2d": Grad(lambda m, x, k, b: m.conv2d(x, k, b, strides=2), _shapes((1, 5, 5, 2), (3, 3, 2, 3), (3,)),
                   keras=False),  # fmt: skip
    "depthwise_conv2d": Grad(lambda m, x, k: m.depthwise_conv2d(x, k, padding="same"),
                             _shapes((1, 4, 4, 2), (3, 3, 2, 2)), keras=False),  # fmt: skip
    "conv_transpose1d": Grad(lambda m, x, k: m.conv_transpose1d(x, k, strides=2), _shapes((2, 4, 2), (3, 3, 2)),
                             keras=False),  # fmt: skip
    "conv_transpose2d": Grad(lambda m, x, k: m.conv_transpose2d(x, k, strides=2),
                             _shapes((1, 3, 3, 2), (3, 3, 4, 2)), keras=False),  # fmt: skip
    "max_pool2d": Grad(lambda m, x: m.max_pool2d(x, 2), _shapes((1, 4, 4, 2)), keras=False),
    "avg_pool2d": Grad(lambda m, x: m.avg_pool2d(x, 2), _shapes((1, 4, 4, 2)), keras=False),
    "upsample_nearest2d": Grad(lambda m, x: m.upsample_nearest2d(x, (2, 3)), _shapes((1, 2, 3, 2)), keras=False),
    "zero_pad2d": Grad(lambda m, x: m.zero_pad2d(x, ((1, 0), (2, 1))), _shapes((1, 2, 3, 2)), keras=False),
    "crop2d": Grad(lambda m, x: m.crop2d(x, ((1, 0), (1, 1))), _shapes((1, 4, 4, 2)), keras=False),
    "batch_norm_train": Grad(lambda m, x, g, b: m.batch_norm_train(x, g, b)[0],
                             lambda rng: [rng.standard_normal((4, 3)), rng.uniform(0.5, 1.5, 3),
                                          rng.standard_normal(3)], keras=False),  # fmt: skip
    "batch_normalization": Grad(lambda m, x, mu, v, o, s: m.batch_normalization(x, mu, v, -1, offset=o, scale=s),
                                lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal(3),
                                             rng.uniform(0.5, 1.5, 3), rng.standard_normal(3),
                                             rng.uniform(0.5, 1.5, 3)]),  # fmt: skip
    "linear": Grad(lambda m, x, k, b: m.linear(x, k, b), _shapes((3, 4), (4, 2), (2,)), keras=False),
    "dot_product_attention": Grad(lambda m, q, k, v: m.dot_product_attention(q, k, v),
                                  _shapes((1, 3, 2, 4), (1, 4, 2, 4), (1, 4, 2, 4))),  # fmt: skip
    "stop_gradient": NoGrad("by design: the gradient is cut", lambda m, x: m.stop_gradient(x), _shapes((3,))),
    # Control flow and function transforms: their own tests check gradients through them.
    "cond": Covered("tests/ops/test_control_flow.py::test_cond"),
    "switch": Grad(lambda m, x: m.switch(1, [lambda a: m.sin(a), lambda a: m.cos(a) * a], x), _shapes((2, 3))),
    "while_loop": Covered("tests/ops/test_control_flow.py::test_while_loop_matches_keras"),
    "fori_loop": Covered("tests/ops/test_control_flow.py::test_fori_loop"),
    "scan": Covered("tests/ops/test_control_flow.py::test_scan"),
    "map": Covered("tests/ops/test_control_flow.py::test_map_and_vectorized_map"),
    "vectorized_map": Covered("tests/ops/test_control_flow.py::test_map_and_vectorized_map"),
    "associative_scan": Covered("tests/ops/test_control_flow.py::test_associative_scan_matches_keras"),
    "vectorize": Covered("tests/ops/test_control_flow.py::test_vectorize"),
    "custom_gradient": Covered("tests/ops/test_control_flow.py::test_custom_gradient_replaces_the_backward"),
    # The value output is differentiable; the tangent's gradient raises (test_control_flow).
    "jvp": Grad(lambda m, x: m.jvp(lambda a: m.sin(a) * a, (x,), (m.ones_like(x),))[0], _shapes((3,))),
    # Forward only.
    **{op: NoGrad(_CMP, (lambda o: lambda m, a, b: getattr(m, o)(a, b))(op), _shapes((3, 4), (4,)))
       for op in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal")},
    **{op: NoGrad("boolean output", (lambda o: lambda m, a, b: getattr(m, o)(a > 0, b > 0))(op),
                  _shapes((3, 4), (4,))) for op in ("logical_and", "logical_or")},
    "logical_not": NoGrad("boolean output", lambda m, x: m.logical_not(x > 0), _shapes((3, 4))),
    "isfinite": NoGrad("boolean output", lambda m, x: m.isfinite(x), _shapes((3, 4))),
    "isnan": NoGrad("boolean output", lambda m, x: m.isnan(x), _shapes((3, 4))),
    "allclose": NoGrad("boolean output", lambda m, a, b: m.allclose(a, b), _shapes((3,), (3,))),
    "floor": NoGrad("piecewise constant: zero gradient", lambda m, x: m.floor(x), _shapes((3, 4))),
    "round": NoGrad("piecewise constant: zero gradient", lambda m, x: m.round(x), _shapes((3, 4))),
    "sign": NoGrad("piecewise constant: zero gradient", lambda m, x: m.sign(x), _shapes((3, 4))),
    "argmax": NoGrad("index output", lambda m, x: m.argmax(x, axis=1), _shapes((3, 4)), index=True),
    "argmin": NoGrad("index output", lambda m, x: m.argmin(x, axis=0), _shapes((3, 4)), index=True),
    "histogram": NoGrad("counts and bin edges of the data", lambda m, x: m.histogram(x, bins=4)[0],
                        _shapes((20,)), index=True),  # fmt: skip
    "unique": NoGrad("integer op here", lambda m: m.unique(np.array([3, 1, 3, 2], "int32")), keras=False),
    "one_hot": NoGrad("integer input", lambda m: m.one_hot(np.array([0, 2, 1]), 4)),
    "multi_hot": NoGrad("integer input", lambda m: m.multi_hot(np.array([[0, 2], [1, 1]]), 4)),
    **{op: NoGrad(_BITWISE, (lambda o: lambda m: getattr(m, o)(np.array([5, 12, 7], "int32"),
                                                               np.array([1, 2, 3], "int32")))(op))
       for op in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
                  "gcd", "lcm")},  # fmt: skip
    "bitwise_invert": NoGrad(_BITWISE, lambda m: m.bitwise_invert(np.array([5, 12, 7], "int32"))),
    "arange": NoGrad("creation op: no tensor input", lambda m: m.arange(1, 7, 2), index=True),
    "zeros": NoGrad("creation op: no tensor input", lambda m: m.zeros((2, 3))),
    "ones": NoGrad("creation op: no tensor input", lambda m: m.ones((2, 3))),
    "zeros_like": NoGrad("constant output: zero gradient", lambda m, x: m.zeros_like(x), _shapes((2, 3))),
    "ones_like": NoGrad("constant output: zero gradient", lambda m, x: m.ones_like(x), _shapes((2, 3))),
    "shape": NoGrad("metadata, not a tensor", lambda m, x: np.asarray(m.shape(x)), _shapes((2, 3)), keras=False),
    "size": NoGrad("metadata, not a tensor", lambda m, x: m.size(x), _shapes((2, 3)), keras=False),
    "ndim": NoGrad("metadata, not a tensor", lambda m, x: m.ndim(x), _shapes((2, 3)), keras=False),
    "dtype": NoGrad("metadata, not a tensor", lambda m, x: m.dtype(x), _shapes((2, 3)), keras=False),
    "is_tensor": NoGrad("metadata, not a tensor", lambda m, x: m.is_tensor(x), _shapes((2, 3)), keras=False),
    "convert_to_numpy": NoGrad("leaves the tape: a NumPy array", lambda m, x: m.convert_to_numpy(x),
                               _shapes((2, 3)), keras=False),  # fmt: skip
    "convert_to_tensor": Grad(lambda m, x: m.convert_to_tensor(x), _shapes((2, 3)), keras=False),
    "view": NoGrad("bit reinterpretation: integer view", lambda m, x: m.view(x, "int64"), _shapes((2, 3)),
                   keras=False),  # fmt: skip
    "gradient": NoGrad("autodiff machinery, not a tensor op", keras=False),
    "record": NoGrad("autodiff machinery, not a tensor op", keras=False),
    "grad_enabled": NoGrad("autodiff machinery, not a tensor op", keras=False),
})  # fmt: skip
