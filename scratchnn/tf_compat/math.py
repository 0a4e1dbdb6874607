"""`tf.math`: TensorFlow's names for the elementwise ops of `keras.ops`, the reductions and
`confusion_matrix`.

Every function maps to one `scratchnn.ops` op (or a short composition of them, named in its
docstring), so gradients flow as they do through keras.ops. Python numbers take the dtype of the
other operand; Python lists get TensorFlow's float32/int32 (see `array_ops.as_tensor`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor
from scratchnn.tf_compat import missing
from scratchnn.tf_compat import reductions as _reductions
from scratchnn.tf_compat.array_ops import as_tensor, axis_arg, operand
from scratchnn.tf_compat.nn import l2_normalize, log_softmax, sigmoid, softmax, softplus, tanh
from scratchnn.tf_compat.reductions import *  # noqa: F403 - tf.math holds every reduction (reductions.__all__)
from scratchnn.tf_compat.sort_ops import top_k


def _unary(op: Callable[[Any], Tensor], name: str) -> Callable[..., Tensor]:
    def fn(x: Any, name: str | None = None) -> Tensor:
        return op(as_tensor(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"tf.math.{name}(x): keras.ops.{op.__name__}, elementwise."
    return fn


def _binary(op: Callable[[Any, Any], Tensor], name: str) -> Callable[..., Tensor]:
    def fn(x: Any, y: Any, name: str | None = None) -> Tensor:
        if not isinstance(x, Tensor) and not isinstance(y, Tensor):
            return op(as_tensor(x), as_tensor(y))  # two Python values: TensorFlow's int32/float32
        return op(operand(x), operand(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"tf.math.{name}(x, y): keras.ops.{op.__name__}, elementwise with broadcasting."
    return fn


abs = _unary(ops.abs, "abs")  # noqa: A001 - TensorFlow's name
exp = _unary(ops.exp, "exp")
expm1 = _unary(ops.expm1, "expm1")
log = _unary(ops.log, "log")
log1p = _unary(ops.log1p, "log1p")
sqrt = _unary(ops.sqrt, "sqrt")
square = _unary(ops.square, "square")
negative = _unary(ops.negative, "negative")
sign = _unary(ops.sign, "sign")
floor = _unary(ops.floor, "floor")
round = _unary(ops.round, "round")  # noqa: A001 - half to even, as TensorFlow (and NumPy) round
erf = _unary(ops.erf, "erf")
erfc = _unary(ops.erfc, "erfc")
erfinv = _unary(ops.erfinv, "erfinv")
sin = _unary(ops.sin, "sin")
cos = _unary(ops.cos, "cos")
tan = _unary(ops.tan, "tan")
asin = _unary(ops.arcsin, "asin")
acos = _unary(ops.arccos, "acos")
atan = _unary(ops.arctan, "atan")
sinh = _unary(ops.sinh, "sinh")
cosh = _unary(ops.cosh, "cosh")
asinh = _unary(ops.arcsinh, "asinh")
acosh = _unary(ops.arccosh, "acosh")
atanh = _unary(ops.arctanh, "atanh")
is_nan = _unary(ops.isnan, "is_nan")
is_finite = _unary(ops.isfinite, "is_finite")
logical_not = _unary(ops.logical_not, "logical_not")

add = _binary(ops.add, "add")
subtract = _binary(ops.subtract, "subtract")
multiply = _binary(ops.multiply, "multiply")
divide = _binary(ops.divide, "divide")
truediv = _binary(ops.divide, "truediv")
pow = _binary(ops.power, "pow")  # noqa: A001 - TensorFlow's name
maximum = _binary(ops.maximum, "maximum")
minimum = _binary(ops.minimum, "minimum")
equal = _binary(ops.equal, "equal")
not_equal = _binary(ops.not_equal, "not_equal")
greater = _binary(ops.greater, "greater")
greater_equal = _binary(ops.greater_equal, "greater_equal")
less = _binary(ops.less, "less")
less_equal = _binary(ops.less_equal, "less_equal")
logical_and = _binary(ops.logical_and, "logical_and")
logical_or = _binary(ops.logical_or, "logical_or")
atan2 = _binary(ops.arctan2, "atan2")
floormod = _binary(ops.mod, "floormod")


def ceil(x: Any, name: str | None = None) -> Tensor:
    """tf.math.ceil: -floor(-x) (piecewise constant, no gradient)."""
    return ops.negative(ops.floor(ops.negative(as_tensor(x))))


def reciprocal(x: Any, name: str | None = None) -> Tensor:
    """tf.math.reciprocal: 1 / x."""
    t = as_tensor(x)
    return ops.divide(ops.ones_like(t), t)


def rsqrt(x: Any, name: str | None = None) -> Tensor:
    """tf.math.rsqrt: 1 / sqrt(x)."""
    return reciprocal(ops.sqrt(as_tensor(x)))


def is_inf(x: Any, name: str | None = None) -> Tensor:
    """tf.math.is_inf: True at +inf and -inf."""
    return ops.isinf(as_tensor(x))


def log_sigmoid(x: Any, name: str | None = None) -> Tensor:
    """tf.math.log_sigmoid: log(1 / (1 + e^-x)), computed without overflow for any x."""
    return ops.log_sigmoid(as_tensor(x))


def _scan(
    op: Callable[..., Tensor], identity: float, x: Any, axis: Any, exclusive: bool, reverse: bool
) -> Tensor:
    """TensorFlow's scan options over a keras.ops scan, composed of differentiable ops.

    reverse runs the scan from the end (flip, scan, flip); exclusive shifts it by one, so entry i
    combines the entries before i (the first gets the identity: 0 for sums, 1 for products).
    """
    t = as_tensor(x)
    ax = int(axis_arg(axis)) % t.ndim
    if reverse:
        t = ops.flip(t, ax)
    if exclusive:
        lead = (slice(None),) * ax
        first = ops.full_like(t[lead + (slice(0, 1),)], identity)
        t = ops.concatenate([first, t[lead + (slice(None, -1),)]], axis=ax)
    out = op(t, axis=ax)
    return ops.flip(out, ax) if reverse else out


def cumsum(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """tf.math.cumsum (tf.cumsum): cumulative sum along `axis` (0 by default, as TensorFlow)."""
    return _scan(ops.cumsum, 0, x, axis, exclusive, reverse)


def cumprod(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """tf.math.cumprod: cumulative product along `axis` (0 by default); exact gradients with zeros."""
    return _scan(ops.cumprod, 1, x, axis, exclusive, reverse)


def floordiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """tf.math.floordiv: floor(x / y) (no gradient); integers stay integers."""
    a, b = as_tensor(x), as_tensor(y)
    out = ops.floor(ops.divide(a, b))
    return ops.cast(out, a.dtype) if a.data.dtype.kind in "iu" and b.data.dtype.kind in "iu" else out


def squared_difference(x: Any, y: Any, name: str | None = None) -> Tensor:
    """tf.math.squared_difference: (x - y)**2."""
    return ops.square(subtract(x, y))


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """tf.math.divide_no_nan: x / y, and 0 where y == 0 (the gradient there is 0 too)."""
    a, b = as_tensor(x), as_tensor(y)
    zero = ops.equal(b, 0)
    safe = ops.where(zero, ops.ones_like(b), b)  # never divides by 0, so no inf reaches the tape
    return ops.where(zero, 0, ops.divide(a, safe))


def add_n(inputs: Sequence[Any], name: str | None = None) -> Tensor:
    """tf.math.add_n: the elementwise sum of a list of same-shaped tensors."""
    tensors = [as_tensor(t) for t in inputs]
    total = tensors[0]
    for t in tensors[1:]:
        total = ops.add(total, t)
    return total


def logical_xor(x: Any, y: Any, name: str = "LogicalXor") -> Tensor:
    """tf.math.logical_xor: x != y on booleans."""
    return ops.not_equal(ops.cast(as_tensor(x), "bool"), ops.cast(as_tensor(y), "bool"))


def confusion_matrix(
    labels: Any,
    predictions: Any,
    num_classes: int | None = None,
    weights: Any = None,
    dtype: Any = "int32",
    name: str | None = None,
) -> Tensor:
    """tf.math.confusion_matrix: counts of (true label, prediction) pairs.

    Row i, column j counts the samples whose label is i and whose prediction is j, as in
    TensorFlow (and scikit-learn). With `weights`, each sample adds its weight, cast to `dtype`
    first as TensorFlow does.

    Args:
        labels: (N,) integer class labels (an (N, 1) array is flattened).
        predictions: (N,) integer predicted classes.
        num_classes: number of classes; default max(labels, predictions) + 1.
        weights: optional (N,) per-sample weights.
        dtype: dtype of the result, int32 by default.

    Returns:
        A (num_classes, num_classes) Tensor.

    Raises:
        ValueError: for mismatched lengths, negative values or values >= num_classes.
    """
    y = as_tensor(labels).data.reshape(-1)
    p = as_tensor(predictions).data.reshape(-1)
    if y.shape != p.shape:
        raise ValueError(
            f"`labels` and `predictions` must have the same length. Received: {y.size} and {p.size}"
        )
    if y.size and (y.min() < 0 or p.min() < 0):
        raise ValueError(
            "`labels` and `predictions` must be non-negative class indices. Received a negative value."
        )
    largest = int(max(y.max(), p.max())) if y.size else -1
    if num_classes is None:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise ValueError(
            f"`labels` and `predictions` must be < num_classes={num_classes}. Received the value {largest}."
        )
    dtype = backend.standardize_dtype(dtype)
    w = xp.ones(y.shape, dtype=dtype) if weights is None else as_tensor(weights).data.reshape(-1)
    if w.shape != y.shape:
        raise ValueError(
            f"`weights` must have one value per sample. Received: {w.size} weights for {y.size} samples"
        )
    # Flat index label * K + prediction; one accumulation into the K*K cells (no loop over samples).
    cells = xp.zeros(num_classes * num_classes, dtype=dtype)
    xp.add.at(cells, y.astype("int64") * num_classes + p.astype("int64"), w.astype(dtype))
    return Tensor(cells.reshape(num_classes, num_classes))


def __getattr__(name: str) -> Any:
    raise missing("tf.math", name)


__all__ = [
    "abs",
    "acos",
    "acosh",
    "add",
    "add_n",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "confusion_matrix",
    "cos",
    "cosh",
    "cumprod",
    "cumsum",
    "divide",
    "divide_no_nan",
    "equal",
    "erf",
    "erfc",
    "erfinv",
    "exp",
    "expm1",
    "floor",
    "floordiv",
    "floormod",
    "greater",
    "greater_equal",
    "is_finite",
    "is_inf",
    "is_nan",
    "l2_normalize",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log_sigmoid",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "pow",
    "reciprocal",
    "round",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softmax",
    "softplus",
    "sqrt",
    "square",
    "squared_difference",
    "subtract",
    "tan",
    "tanh",
    "top_k",
    "truediv",
]
__all__ += _reductions.__all__
