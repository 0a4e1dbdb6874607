"""Geometry shared by the convolution and pooling ops (channels-last, NHWC).

"same" padding follows TensorFlow/Keras: total = max((out-1)*stride + k_eff - size, 0),
with the odd pixel at the end (bottom/right). Window views are strided views of the
padded input, so building them copies nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

from scratchnn.backend import xp

# The fewest image chunks a batch is cut into where it has the images (see `image_chunks`).
MIN_CHUNKS = 8


def sum_rows(a: Any, out: Any = None) -> Any:
    """The sum of the rows of a 2-D (m, o) array, (o,): the bias gradient of m output pixels.

    Taken as the matrix-vector product ones(m) @ a through BLAS. NumPy's `sum(axis=0)`
    over an array with few columns measured 2-9x slower here (the tutorial CNN's first
    layer at batch 32, (25088, 32): 0.63 ms against 0.07 on one thread), and BLAS's
    blocked accumulation measured closer to the float64 sum.
    """
    ones = xp.ones(a.shape[0], dtype=a.dtype)
    return xp.matmul(ones, a, out=out)


def normalize_tuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of `n` positive ints -> an n-tuple (Keras's `standardize_tuple`).

    Raises:
        ValueError: naming `name`, when the value is not positive ints of length n.
    """
    values = (value,) * n if isinstance(value, int) else value
    try:
        ok = len(values) == n and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values
        )
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} positive integers. Received: {name}={value!r}"
        )
    return tuple(int(v) for v in values)


def normalize_padding(padding: Any) -> str:
    """'valid' / 'same' (any case) -> lower case; anything else is a ValueError."""
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be 'valid' or 'same'. Received: padding={padding!r}")
    return p


@overload
def output_length(size: int, k: int, stride: int, padding: str, dilation: int = 1) -> int: ...
@overload
def output_length(size: None, k: int, stride: int, padding: str, dilation: int = 1) -> None: ...
def output_length(size: int | None, k: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """Output length of one spatial axis (None stays None)."""
    if size is None:
        return None
    k_eff = (k - 1) * dilation + 1
    if padding == "same":
        return -(-size // stride)
    return max((size - k_eff) // stride + 1, 0)


def same_pads(size: int, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same' padding of one axis: (before, after), the extra pixel after."""
    k_eff = (k - 1) * dilation + 1
    total = max((-(-size // stride) - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def spatial_pads(
    shape: Sequence[int], kernel: Sequence[int], strides, dilation, padding
) -> list[tuple[int, int]]:
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * len(kernel)
        return [same_pads(n, k, s, d) for n, k, s, d in zip(shape, kernel, strides, dilation)]
    return [tuple(p) for p in padding]  # explicit ((top, bottom), (left, right)), e.g. causal


def pad_spatial(x: Any, pads: Sequence[tuple[int, int]], value: float = 0.0) -> Any:
    """Pads axes 1 and 2 of an NHWC array; returns x itself when there is nothing to pad.

    Writing into a preallocated array is several times faster than xp.pad for these shapes.
    """
    (t, b), (left, r) = pads
    if t == b == left == r == 0:
        return x
    n, h, w, c = x.shape
    out = xp.full((n, h + t + b, w + left + r, c), value, dtype=x.dtype)
    out[:, t : t + h, left : left + w, :] = x
    return out


def window_view(xp_: Any, k: Sequence[int], out_hw: Sequence[int], strides, dilation) -> Any:
    """Strided view (N, oh, ow, kh, kw, C) of a padded NHWC array; no copy.

    window[n, i, j, a, b, c] = xp_[n, i*sh + a*dh, j*sw + b*dw, c].
    """
    s0, s1, s2, s3 = xp_.strides
    shape = (xp_.shape[0], out_hw[0], out_hw[1], k[0], k[1], xp_.shape[3])
    st = (s0, s1 * strides[0], s2 * strides[1], s1 * dilation[0], s2 * dilation[1], s3)
    return xp.lib.stride_tricks.as_strided(xp_, shape, st, writeable=False)


def offset_slice(a: int, b: int, out_hw, strides, dilation) -> tuple[slice, ...]:
    """The slice of the padded input that kernel offset (a, b) reads for every output pixel."""
    h0, w0 = a * dilation[0], b * dilation[1]
    return (
        slice(None),
        slice(h0, h0 + strides[0] * (out_hw[0] - 1) + 1, strides[0]),
        slice(w0, w0 + strides[1] * (out_hw[1] - 1) + 1, strides[1]),
        slice(None),
    )


def check_channels_last(data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"Only data_format='channels_last' is supported. Received: data_format={data_format!r}"
        )


def image_chunks(
    n: int, bytes_per_image: int, chunk_bytes: int, min_chunks: int | None = None
) -> list[tuple[int, int]]:
    """[(start, stop), ...] image ranges covering range(n), each about `chunk_bytes` of work space.

    Ops that make several passes over per-image temporaries run chunk by chunk, so the
    temporaries stay in cache between the passes. The chunks are also the units the
    execution layer (`scratchnn.backend.parallel`) hands to its threads, so a batch is cut
    into at least `min_chunks` of them where it has the images: a thread slowed by another
    process then takes fewer chunks instead of holding up a fixed half of the work. The
    chunking depends on the shapes only, never on the thread count.
    """
    fewest = MIN_CHUNKS if min_chunks is None else max(min_chunks, 1)
    size = max(1, min(chunk_bytes // max(bytes_per_image, 1), -(-n // fewest)))
    return [(i, min(i + size, n)) for i in range(0, n, size)]
