"""Composite neural-network functions of keras.ops (keras.ops.nn): normalizations, moments, the
per-sample cross-entropies, dot-product attention, PSNR, multi-hot encoding, depth/space
rearrangements and separable convolution.

Each is composed of differentiable ops exactly as keras/src/ops/nn.py (or its JAX backend) writes
it, so gradients come from the tape and the values match Keras's rounding choices (an epsilon
clip, an rsqrt instead of a division).
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axes
from scratchnn.ops.contraction import einsum
from scratchnn.ops.convolution import conv2d, depthwise_conv
from scratchnn.ops.elementwise import log10, rsqrt
from scratchnn.ops.linalg import norm
from scratchnn.ops.manipulation import repeat
from scratchnn.ops.math import (
    abs,
    add,
    cast,
    clip,
    divide,
    log,
    maximum,
    mean,
    minimum,
    multiply,
    negative,
    square,
    subtract,
    sum,
    var,
)
from scratchnn.ops.nn import log_softmax, softmax
from scratchnn.ops.nn_activations import log_sigmoid
from scratchnn.ops.promotion import result_type
from scratchnn.ops.shape import expand_dims, one_hot, reshape, transpose, where
from scratchnn.ops.tensor import Tensor, convert


def _axis_arg(axis: Any, ndim: int) -> Any:
    axes = normalize_axes(axis, ndim)
    return axes if len(axes) != 1 else axes[0]


# -- normalizations -----------------------------------------------------------


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> tuple[Tensor, Tensor]:
    """(mean, variance) over `axes`; float16 inputs are reduced in float32 and cast back (as Keras).

    `synchronized` (a cross-replica mean) is accepted: scratchnn runs on one replica, where the
    synchronized moments are these.
    """
    t = convert(x)
    original = t.dtype
    if original in ("float16", "bfloat16"):
        t = cast(t, "float32")
    ax = _axis_arg(axes, t.ndim)
    m, v = mean(t, axis=ax, keepdims=keepdims), var(t, axis=ax, keepdims=keepdims)
    if original in ("float16", "bfloat16"):
        info = xp.finfo("float16")
        m, v = cast(clip(m, info.min, info.max), original), cast(clip(v, info.min, info.max), original)
    return m, v


def rms_normalization(x: Any, scale: Any = None, axis: Any = -1, epsilon: float | None = None) -> Tensor:
    """x * rsqrt(mean(x**2) + epsilon) * scale over `axis` (Zhang & Sennrich), in at least float32."""
    eps = backend.epsilon() if epsilon is None else epsilon
    t = convert(x)
    original = t.dtype
    t = cast(t, result_type(original, "float32"))
    if t.ndim == 0:
        t = reshape(t, (1,))
    out = multiply(t, rsqrt(add(mean(square(t), axis=_axis_arg(axis, t.ndim), keepdims=True), eps)))
    if scale is not None:
        out = multiply(out, cast(convert(scale), t.dtype))
    return cast(out, original)


def normalize(x: Any, axis: Any = -1, order: int = 2, epsilon: float | None = None) -> Tensor:
    """x / max(norm(x, order), epsilon) over `axis`; for order 2, x * min(rsqrt(sum(x**2)), 1/epsilon).

    Raises:
        ValueError: for an order that is not an int >= 1.
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    eps = backend.epsilon() if epsilon is None else epsilon
    t = convert(x)
    if t.ndim == 0:
        t = reshape(t, (1,))
    ax = _axis_arg(axis, t.ndim)
    if order == 2:
        return multiply(t, minimum(rsqrt(sum(square(t), axis=ax, keepdims=True)), 1.0 / eps))
    return divide(t, maximum(norm(t, ord=order, axis=ax, keepdims=True), eps))


# -- per-sample cross-entropies -------------------------------------------------


def _clipped(output: Tensor) -> Tensor:
    eps = backend.epsilon()
    return clip(output, eps, 1.0 - eps)


def binary_crossentropy(target: Any, output: Any, from_logits: bool = False) -> Tensor:
    """Elementwise -(t log p + (1 - t) log(1 - p)), p clipped to [eps, 1 - eps]; from logits z:
    -(t log_sigmoid(z) + (1 - t) log_sigmoid(-z)).

    Raises:
        ValueError: if target and output differ in shape.
    """
    t, o = convert(target), convert(output)
    if t.shape != o.shape:
        raise ValueError(f"`target` and `output` must have the same shape. Received: {t.shape} and {o.shape}")
    t = cast(t, o.dtype)
    if from_logits:
        return negative(
            add(multiply(t, log_sigmoid(o)), multiply(subtract(1.0, t), log_sigmoid(negative(o))))
        )
    p = _clipped(o)
    return negative(add(multiply(t, log(p)), multiply(subtract(1.0, t), log(subtract(1.0, p)))))


def categorical_crossentropy(target: Any, output: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    """-sum(t * log p) along `axis`, p = output / sum(output) clipped to [eps, 1 - eps] (or
    log_softmax of the logits).

    Raises:
        ValueError: if target and output differ in shape or are 0-d.
    """
    t, o = convert(target), convert(output)
    if t.shape != o.shape or o.ndim < 1:
        raise ValueError(
            f"`target` and `output` must have the same shape, of rank >= 1. Received: {t.shape} and {o.shape}"
        )
    return negative(sum(multiply(cast(t, o.dtype), _log_prob(o, from_logits, axis)), axis=axis))


def _log_prob(o: Tensor, from_logits: bool, axis: int) -> Tensor:
    if from_logits:
        return log_softmax(o, axis=axis)
    return log(_clipped(divide(o, sum(o, axis=axis, keepdims=True))))


def sparse_categorical_crossentropy(
    target: Any, output: Any, from_logits: bool = False, axis: int = -1
) -> Tensor:
    """-log p[target] per sample, for integer targets (a trailing size-1 axis is squeezed).

    Raises:
        ValueError: if target's shape is not output's without its last axis.
    """
    o = convert(output)
    t = convert(target).data.astype("int64")
    if t.ndim == o.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    if o.ndim < 1 or t.shape != o.shape[:-1]:
        raise ValueError(
            "`target` must have `output`'s shape without its last axis. "
            f"Received: target.shape={t.shape}, output.shape={o.shape}"
        )
    hot = one_hot(t, o.shape[axis], axis=axis, dtype=o.dtype)
    return negative(sum(multiply(hot, _log_prob(o, from_logits, axis)), axis=axis))


# -- attention --------------------------------------------------------------------


def _to_heads(t: Any, n: int, name: str) -> Tensor:
    """A bias or mask broadcastable to (B, N, T, S), given as Keras allows ((B, N, S) is (B, N, 1, S))."""
    t = convert(t)
    while t.ndim < 4:
        t = expand_dims(t, 2) if t.ndim == 3 and t.shape[1] == n else expand_dims(t, 1)
    if t.shape[1] not in (1, n):
        raise ValueError(
            f"Expected `{name}` to have shape (B, 1, T, S) or (B, {n}, T, S). Received: {t.shape}"
        )
    return t


def dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    bias: Any = None,
    mask: Any = None,
    scale: float | None = None,
    is_causal: bool = False,
    flash_attention: bool | None = None,
    attn_logits_soft_cap: float | None = None,
) -> Tensor:
    """softmax(q k^T * scale + bias, masked) v per head, for (B, T, N, H) queries and (B, S, K, H)
    keys/values; K may divide N (grouped-query attention: query head n uses key head n // (N/K)).

    Masked logits become -0.7 * max(dtype) (as Keras); is_causal keeps key positions <= query
    positions; attn_logits_soft_cap c caps the logits as logits / (1 + |logits| / c), Keras's
    documented formula (Keras on JAX applies it only in its flash/TPU paths). The softmax runs in
    float32 at least.

    Raises:
        ValueError: for inputs that are not 4-D or head counts that do not divide.
        RuntimeError: for flash_attention=True (not available on the CPU).
    """
    if flash_attention:
        raise RuntimeError(
            "Flash attention is not supported by scratchnn (a GPU kernel); pass flash_attention=None."
        )
    q, k, v = (convert(a) for a in (query, key, value))
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            "dot_product_attention only supports 4-D inputs. "
            f"Received: query.shape={q.shape}, key.shape={k.shape}, value.shape={v.shape}."
        )
    dtype = result_type(q.dtype, k.dtype, v.dtype)
    q, k, v = cast(q, dtype), cast(k, dtype), cast(v, dtype)
    n, heads_kv = q.shape[2], k.shape[2]
    if n % heads_kv:
        raise ValueError(f"The query heads ({n}) must be a multiple of the key heads ({heads_kv}).")
    if n != heads_kv:  # (B, S, K, H) -> (B, S, N, H): each key head serves N/K query heads
        k, v = repeat(k, n // heads_kv, axis=2), repeat(v, n // heads_kv, axis=2)
    scale = 1.0 / float(q.shape[-1]) ** 0.5 if scale is None else scale
    logits = multiply(einsum("btnh,bsnh->bnts", q, k), scale)  # (B, N, T, S)
    if attn_logits_soft_cap is not None:
        logits = divide(logits, add(divide(abs(logits), attn_logits_soft_cap), 1.0))
    if bias is not None:
        logits = add(logits, cast(_to_heads(bias, n, "bias"), dtype))
    keep = None
    if mask is not None:
        keep = xp.broadcast_to(_to_heads(mask, n, "mask").data.astype(bool), logits.shape)
    if is_causal:
        causal = xp.tril(xp.ones(logits.shape[-2:], dtype=bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = where(keep, logits, -0.7 * float(xp.finfo(logits.data.dtype).max))
    probs = cast(softmax(cast(logits, result_type(dtype, "float32")), axis=-1), dtype)
    return einsum("bnts,bsnh->btnh", probs, v)


# -- image metrics and encodings -----------------------------------------------------


def psnr(x1: Any, x2: Any, max_val: Any) -> Tensor:
    """Peak signal-to-noise ratio 20 log10(max_val) - 10 log10(mean((x1 - x2)**2)), a scalar.

    Raises:
        ValueError: if the shapes differ.
    """
    a, b = convert(x1), convert(x2)
    if a.shape != b.shape:
        raise ValueError(f"Input shapes {a.shape} and {b.shape} must match for PSNR calculation.")
    peak = convert(max_val, dtype=b.dtype)
    return subtract(multiply(log10(peak), 20.0), multiply(log10(mean(square(subtract(a, b)))), 10.0))


def multi_hot(
    inputs: Any,
    num_classes: int | None = None,
    axis: int = -1,
    dtype: Any = None,
    sparse: bool = False,
    **kwargs: Any,
) -> Tensor:
    """Marks the classes present in each sample: (N, k) integer labels -> (N, num_classes)
    (a 1-D input gives one (num_classes,) row). No gradient.

    Raises:
        ValueError: without num_classes (Keras 2's `num_tokens` is accepted), or with sparse=True.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("multi_hot(sparse=True) is not supported: scratchnn has no sparse tensors.")
    labels = convert(inputs)
    hot = one_hot(labels.data.astype("int64"), int(num_classes), axis=axis, dtype=dtype)
    return Tensor(xp.max(hot.data, axis=1 if labels.ndim > 1 else 0))


def depth_to_space(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """Pixel shuffle: (N, H, W, C) -> (N, H*b, W*b, C / b**2), channel blocks to spatial blocks."""
    t = convert(x)
    b = int(block_size)
    if data_format == "channels_last":
        n, h, w, c = t.shape
        out = reshape(t, (n, h, w, b, b, c // (b * b)))  # (N, H, W, bH, bW, C')
        out = transpose(out, (0, 1, 3, 2, 4, 5))  # (N, H, bH, W, bW, C')
        return reshape(out, (n, h * b, w * b, c // (b * b)))
    n, c, h, w = t.shape
    out = reshape(t, (n, c // (b * b), b, b, h, w))  # (N, C', bH, bW, H, W)
    out = transpose(out, (0, 1, 4, 2, 5, 3))  # (N, C', H, bH, W, bW)
    return reshape(out, (n, c // (b * b), h * b, w * b))


def space_to_depth(x: Any, block_size: int, data_format: str = "channels_last") -> Tensor:
    """The inverse of depth_to_space: (N, H, W, C) -> (N, H/b, W/b, C*b**2)."""
    t = convert(x)
    b = int(block_size)
    if data_format == "channels_last":
        n, h, w, c = t.shape
        out = reshape(t, (n, h // b, b, w // b, b, c))  # (N, H', bH, W', bW, C)
        out = transpose(out, (0, 1, 3, 2, 4, 5))  # (N, H', W', bH, bW, C)
        return reshape(out, (n, h // b, w // b, c * b * b))
    n, c, h, w = t.shape
    out = reshape(t, (n, c, h // b, b, w // b, b))  # (N, C, H', bH, W', bW)
    out = transpose(out, (0, 1, 3, 5, 2, 4))  # (N, C, bH, bW, H', W')
    return reshape(out, (n, c * b * b, h // b, w // b))


def separable_conv(
    inputs: Any,
    depthwise_kernel: Any,
    pointwise_kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: Any = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """A depthwise convolution followed by a 1x1 (pointwise) convolution, channels-last 4-D inputs.

    depthwise_kernel: (kh, kw, C, depth_multiplier); pointwise_kernel: (1, 1, C * depth_multiplier, O).
    """
    mid = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv2d(mid, pointwise_kernel, None, 1, "valid", 1, 1)
