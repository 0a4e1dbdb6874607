"""Neural-network primitives: activations, the fused dense op, softmax and cross-entropies.

Several of these could be composed from `math.py` ops; they are primitives
because one fused forward/backward is both faster and numerically safer
(e.g. sigmoid never computes exp of a large positive number, and softmax +
cross-entropy never takes the log of a rounded-to-zero probability).
"""

from __future__ import annotations

import math as _math
import operator
from typing import Any, NamedTuple

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops import fast_passes
from scratchnn.ops.math import multiply
from scratchnn.ops.tensor import Tensor, convert, record

_SQRT_PI = _math.sqrt(_math.pi)
_matmul = operator.matmul


# -- the dense layer's fused op -----------------------------------------------


def linear(x: Any, kernel: Any, bias: Any = None, relu: bool = False) -> Tensor:
    """y = x @ kernel + bias, for x (..., in), kernel (in, out), bias (out,); optionally max(y, 0).

    With x2 = x reshaped to (n, in) and g2 = g reshaped to (n, out):
    dL/dx = g2 @ kernel^T  (n, in);  dL/dkernel = x2^T @ g2  (in, out);
    dL/dbias = sum over rows of g2  (out,).
    With `relu`, the ReLU is applied in place (one array and one tape entry fewer than
    a separate `relu` op) and g is first masked where y == 0.
    The three products are single `@` calls, not split across scratchnn's thread pool: on the
    two-vCPU benchmark machine two concurrent halves of the tutorial's (32, 784) @ (784, 250)
    took 1.4x the whole product on one thread (the vCPUs share a core's FMA units), so only
    the convolutions' and pooling's image chunks, whose NumPy passes gain most, use the pool.
    """
    matmul = _matmul
    x, w = convert(x), convert(kernel)
    b = None if bias is None else convert(bias)
    xd = x.data
    x2 = xd.reshape(-1, xd.shape[-1]) if xd.ndim != 2 else xd
    out = matmul(x2, w.data)
    if b is not None:
        out += b.data  # in place: `out` is a fresh array owned by this op
    if relu:
        fast_passes.relu(out, out=out)
    if xd.ndim != 2:
        out = out.reshape(xd.shape[:-1] + (w.data.shape[-1],))

    def backward(g):
        if relu:
            g = g * (out > 0)
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        dx = matmul(g2, w.data.T).reshape(xd.shape) if x.requires_grad else None
        dw = matmul(x2.T, g2) if w.requires_grad else None
        if b is None:
            return dx, dw
        return dx, dw, (g2.sum(axis=0) if b.requires_grad else None)

    parents = (x, w) if b is None else (x, w, b)
    return record(out, parents, backward)


# -- activations --------------------------------------------------------------


def relu(x: Any) -> Tensor:
    """max(x, 0). d/dx = g where x > 0, else 0."""
    t = convert(x)
    out = fast_passes.relu(t.data)
    return record(out, (t,), lambda g: (g * (out > 0),))


def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6). d/dx = g where 0 < x < 6."""
    t = convert(x)
    out = xp.clip(t.data, 0, 6)
    return record(out, (t,), lambda g: (g * ((t.data > 0) & (t.data < 6)),))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x if x > 0 else negative_slope * x. d/dx = g * (1 or negative_slope)."""
    t = convert(x)
    positive = t.data > 0
    out = xp.where(positive, t.data, t.data * negative_slope)
    return record(out, (t,), lambda g: (g * xp.where(positive, 1, negative_slope).astype(g.dtype),))


def _stable_sigmoid(z: Any) -> Any:
    """1 / (1 + e^-z) in four passes over one fresh array.

    The formula keeps full relative precision for every z (for z << 0 it is
    1 / (1 + huge)). For z below -log(max float) (about -88.7 in float32) e^-z
    overflows to inf and the result is exactly 0, the correctly rounded value, so
    that overflow is expected and not reported.
    """
    s = xp.negative(z) if z.dtype.kind == "f" else xp.negative(z, dtype=backend.floatx())
    with xp.errstate(over="ignore"):
        xp.exp(s, out=s)
    s += 1
    return xp.reciprocal(s, out=s)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x). d/dx = g * s * (1 - s). Keeps x as logits for binary cross-entropy."""
    t = convert(x)
    s = _stable_sigmoid(t.data)
    out = record(s, (t,), lambda g: (g * s * (1 - s),))
    out._keras_logits = t
    return out


def tanh(x: Any) -> Tensor:
    """tanh(x). d/dx = g * (1 - tanh(x)**2)."""
    t = convert(x)
    out = xp.tanh(t.data)
    return record(out, (t,), lambda g: (g * (1 - out * out),))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else alpha * (e^x - 1). d/dx = g * (1 or alpha * e^x)."""
    t = convert(x)
    positive = t.data > 0
    em1 = xp.expm1(xp.minimum(t.data, 0))  # the min keeps exp from overflowing on the unused branch
    out = xp.where(positive, t.data, alpha * em1)
    return record(out, (t,), lambda g: (g * xp.where(positive, 1, alpha * (em1 + 1)).astype(g.dtype),))


def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with Klambauer et al.'s self-normalising constants."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    t = convert(x)
    positive = t.data > 0
    em1 = xp.expm1(xp.minimum(t.data, 0))
    out = scale * xp.where(positive, t.data, alpha * em1)
    local = scale * xp.where(positive, 1, alpha * (em1 + 1))
    return record(out.astype(t.data.dtype), (t,), lambda g: (g * local.astype(g.dtype),))


def softplus(x: Any) -> Tensor:
    """log(1 + e^x), computed as logaddexp(0, x). d/dx = g * sigmoid(x)."""
    t = convert(x)
    out = xp.logaddexp(0, t.data).astype(t.data.dtype)
    return record(out, (t,), lambda g: (g * _stable_sigmoid(t.data),))


def softsign(x: Any) -> Tensor:
    """x / (1 + |x|). d/dx = g / (1 + |x|)**2."""
    t = convert(x)
    d = 1 + xp.abs(t.data)
    return record(t.data / d, (t,), lambda g: (g / (d * d),))


def hard_sigmoid(x: Any) -> Tensor:
    """Keras 3's piecewise-linear sigmoid: clip(x/6 + 1/2, 0, 1). d/dx = g/6 inside (-3, 3)."""
    t = convert(x)
    out = xp.clip(t.data / 6 + 0.5, 0, 1).astype(t.data.dtype)
    inside = (t.data > -3) & (t.data < 3)
    return record(out, (t,), lambda g: (g * inside / 6,))


def silu(x: Any) -> Tensor:
    """x * sigmoid(x) (swish). d/dx = g * (s + x * s * (1 - s))."""
    t = convert(x)
    s = _stable_sigmoid(t.data)
    return record(t.data * s, (t,), lambda g: (g * (s + t.data * s * (1 - s)),))


swish = silu


def hard_silu(x: Any) -> Tensor:
    """x * hard_sigmoid(x); composed of differentiable ops."""
    t = convert(x)
    return multiply(t, hard_sigmoid(t))


hard_swish = hard_silu


def erf(x: Any) -> Tensor:
    """The error function. d/dx = g * 2/sqrt(pi) * exp(-x**2)."""
    t = convert(x)
    out = _erf(t.data)
    return record(out, (t,), lambda g: (g * (2 / _SQRT_PI) * xp.exp(-t.data * t.data),))


def _erf(z: Any) -> Any:
    """erf to ~1e-15 without SciPy: Maclaurin series for |z| < 3, continued fraction beyond.

    Both are loops over series terms (a fixed count), vectorised over elements.
    """
    a = xp.abs(z).astype("float64")
    small = xp.minimum(a, 3.0)
    # erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    term = small.copy()
    total = small.copy()
    x2 = small * small
    for n in range(1, 60):
        term = -term * x2 / n
        total += term / (2 * n + 1)
    series = total * (2 / _SQRT_PI)
    # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) for x >= 3
    large = xp.maximum(a, 3.0)
    frac = xp.zeros_like(large)
    for k in range(60, 0, -1):
        frac = (k / 2) / (large + frac)
    tail = 1 - xp.exp(-large * large) / _SQRT_PI / (large + frac)
    result = xp.where(a < 3.0, series, tail)
    return (xp.sign(z) * result).astype(z.dtype)


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """Gaussian error linear unit, Keras 3 default `approximate=True` for ops.gelu.

    exact:       x * Phi(x),  Phi(x) = (1 + erf(x/sqrt 2))/2,  d/dx = Phi(x) + x * phi(x)
    approximate: 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3),
                 d/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3*0.044715 x^2)
    """
    t = convert(x)
    z = t.data
    if approximate:
        c = _math.sqrt(2 / _math.pi)
        th = xp.tanh(c * (z + 0.044715 * z**3))
        out = 0.5 * z * (1 + th)
        local = 0.5 * (1 + th) + 0.5 * z * (1 - th * th) * c * (1 + 3 * 0.044715 * z * z)
    else:
        cdf = 0.5 * (1 + _erf(z / _math.sqrt(2)))
        pdf = xp.exp(-0.5 * z * z) / _math.sqrt(2 * _math.pi)
        out = z * cdf
        local = cdf + z * pdf
    return record(out.astype(z.dtype), (t,), lambda g: (g * local.astype(g.dtype),))


# -- softmax family -----------------------------------------------------------


class SoftmaxStats(NamedTuple):
    """What `softmax` leaves on its output for a cross-entropy to reuse.

    Attributes:
        axis: the softmax axis.
        shift: max(x) along `axis` (keepdims), subtracted so exp never overflows.
        normalizer: sum(e^(x - shift)) along `axis` (keepdims).
    """

    axis: int
    shift: Any
    normalizer: Any


def softmax(x: Any, axis: int = -1) -> Tensor:
    """e^x / sum(e^x) along `axis`, shifted by the max so exp never overflows.

    With s = softmax(x): d/dx = s * (g - sum(g * s, axis)).
    The output keeps x as `_keras_logits` (as Keras does) and its `SoftmaxStats`, so a
    cross-entropy on it (`cross_entropy_from_softmax`) is computed from the logits without a
    second softmax. The log of the normalizer is left to that loss: predict never needs it.
    """
    t = convert(x)
    # Array methods, not xp.max/xp.sum: the module functions' dispatch costs more than the
    # reduction itself on a (32, 10) batch, and predict runs this once per batch.
    shift = t.data.max(axis=axis, keepdims=True)
    s = t.data - shift  # becomes e^(x - shift), then the softmax, in place
    s = xp.exp(s, out=s) if s.dtype.kind == "f" else xp.exp(s)  # integers: exp's own float type
    total = s.sum(axis=axis, keepdims=True)
    s /= total

    def backward(g):
        return (s * (g - xp.sum(g * s, axis=axis, keepdims=True)),)

    out = record(s, (t,), backward)
    out._keras_logits = t
    out._softmax_stats = SoftmaxStats(axis, shift, total)
    return out


def softmax_stats(probs: Any) -> SoftmaxStats | None:
    """The `SoftmaxStats` of a `softmax` output taken over its last axis, else None."""
    stats = getattr(probs, "_softmax_stats", None)
    if stats is not None and stats.axis in (-1, probs.ndim - 1):
        return stats
    return None


def cross_entropy_from_softmax(targets: Any, probs: Tensor, sparse: bool) -> Tensor:
    """Per-sample cross-entropy of softmax probabilities, differentiated through their logits.

    `probs` must be a `softmax` output over its last axis (`softmax_stats(probs)` not None).
    The loss is computed from the logits the softmax saw, reusing its shift and normalizer:
    log p = (z - shift) - log(normalizer), so no probability that rounded to 0 is ever logged,
    and the tape's parent is the logits (dL/dz = p * sum(t) - t), skipping the softmax node.

    Args:
        targets: (N,) integer labels when `sparse`, else (N, K) class weights (one-hot).
        probs: (N, K) softmax output.
        sparse: which of the two target forms `targets` is.
    """
    if sparse:
        return sparse_softmax_cross_entropy(targets, probs._keras_logits, probs)
    return softmax_cross_entropy(targets, probs._keras_logits, probabilities=probs)


def _log_softmax_array(z: Any, axis: int) -> Any:
    shifted = z - xp.max(z, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - logsumexp(x). d/dx = g - softmax(x) * sum(g, axis)."""
    t = convert(x)
    out = _log_softmax_array(t.data, axis)

    def backward(g):
        return (g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),)

    return record(out, (t,), backward)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(e^x)) computed with the max shift. d/dx = g * softmax(x)."""
    t = convert(x)
    m = xp.max(t.data, axis=axis, keepdims=True)
    e = xp.exp(t.data - m)
    sums = xp.sum(e, axis=axis, keepdims=True)
    out_keep = m + xp.log(sums)
    out = out_keep if keepdims else xp.squeeze(out_keep, axis=axis)

    def backward(g):
        gk = g if keepdims else xp.expand_dims(g, axis) if axis is not None else g
        return (gk * e / sums,)

    return record(out, (t,), backward)


# -- fused cross-entropies (per-sample values) --------------------------------


def sparse_softmax_cross_entropy(labels: Any, logits: Any, probabilities: Tensor | None = None) -> Tensor:
    """-log softmax(logits)[label] per sample: (N, K) logits, (N,) int labels -> (N,).

    L_i = logsumexp(z_i) - z_i[y_i];  dL_i/dz_i = softmax(z_i) - onehot(y_i).

    Args:
        probabilities: optional output of a `softmax` op on these logits (it carries its
            `SoftmaxStats`); its values and normalizer are reused, not recomputed.
    """
    z = convert(logits)
    y = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
    y = y.astype("int64", copy=False).reshape(-1)
    z2 = z.data.reshape(-1, z.data.shape[-1])  # (N, K), leading axes flattened
    rows = xp.arange(z2.shape[0])
    if probabilities is None:
        logp = _log_softmax_array(z2, -1)
        picked = logp[rows, y]
        probs = None
    else:
        stats = probabilities._softmax_stats
        probs = probabilities.data.reshape(z2.shape)
        # The same rounding as _log_softmax_array: (z - shift) - log sum e^(z - shift).
        picked = (z2[rows, y] - stats.shift.reshape(-1)) - xp.log(stats.normalizer).reshape(-1)

    def backward(g):
        dz = xp.exp(logp) if probs is None else probs.copy()  # softmax(z), a fresh array we can modify
        dz[rows, y] -= 1
        dz *= g.reshape(-1, 1)
        return (dz.reshape(z.data.shape),)

    return record(-picked.reshape(z.data.shape[:-1]), (z,), backward)


def softmax_cross_entropy(
    targets: Any, logits: Any, axis: int = -1, probabilities: Tensor | None = None
) -> Tensor:
    """-sum(t * log softmax(z)) per sample.

    dL/dz = softmax(z) * sum(t) - t;  dL/dt = -log softmax(z).

    Args:
        probabilities: optional output of a `softmax` op on these logits along `axis`; its
            values, shift and normalizer are reused: log p = (z - shift) - log(normalizer).
    """
    z = convert(logits)
    t = convert(targets, like=z)
    if probabilities is None:
        logp = _log_softmax_array(z.data, axis)
        probs = None
    else:
        stats = probabilities._softmax_stats
        logp = (z.data - stats.shift) - xp.log(stats.normalizer)
        probs = probabilities.data
    out = -xp.sum(t.data * logp, axis=axis)

    def backward(g):
        gk = xp.expand_dims(g, axis)
        p = xp.exp(logp) if probs is None else probs
        dz = (p * xp.sum(t.data, axis=axis, keepdims=True) - t.data) * gk
        dt = -logp * gk if t.requires_grad else None
        return dz, dt

    return record(out, (z, t), backward)


def sigmoid_cross_entropy(targets: Any, logits: Any) -> Tensor:
    """Elementwise binary cross-entropy on logits, stable for any z:

    L = max(z, 0) - z*t + log(1 + e^-|z|);  dL/dz = sigmoid(z) - t;  dL/dt = -z.
    """
    z = convert(logits)
    t = convert(targets, like=z)
    out = xp.maximum(z.data, 0) - z.data * t.data + xp.log1p(xp.exp(-xp.abs(z.data)))

    def backward(g):
        dz = g * (_stable_sigmoid(z.data) - t.data)
        dt = -g * z.data if t.requires_grad else None
        return dz, dt

    return record(out, (z, t), backward)
