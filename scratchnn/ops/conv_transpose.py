"""Transposed convolution (channels-last), forward + backward.

Layout follows Keras: inputs NHWC (N, H, W, C); kernels (kh, kw, F, C), F output channels
("filters") and C input channels, the kernel of the convolution this op transposes.

A transposed convolution is the input-gradient of a convolution. The convolution
conv[n, i, j, c] = sum_{a, b, f} z[n, i*sh + a*dh, j*sw + b*dw, f] * K[a, b, f, c] maps a
(N, Hz, Wz, F) image z to (N, H, W, C); its transpose maps x (N, H, W, C) back by scattering
every input pixel, weighted by the kernel, onto the window it came from:

    z[n, i*sh + a*dh, j*sw + b*dw, f] += sum_c x[n, i, j, c] * K[a, b, f, c]

so the forward pass is one GEMM, cols = x2 @ K2^T with x2 (N*H*W, C) and K2 (kh*kw*F, C),
followed by col2im: kh*kw strided slice-adds of cols into z (a loop over kernel offsets,
never over pixels). z has the "full" size (H-1)*s + (k-1)*d + 1 per axis; Keras's padding
and output_padding then choose a window of it (cropping, or zeros past its end).

The backward pass is a plain convolution: with dz the output gradient placed back in the
full frame (zeros where the output was cropped), the windows of dz are exactly the
gradients of cols, dcols (N*H*W, kh*kw*F), and

    dx2 = dcols @ K2            (N*H*W, kh*kw*F) @ (kh*kw*F, C)
    dK2 = dcols^T @ x2          (kh*kw*F, N*H*W) @ (N*H*W, C)
    dbias = sum of g over N, oh, ow

The batch is processed in chunks of images whose cols fill about CHUNK_BYTES, so the
(N*H*W, kh*kw*F) matrix never exists for the whole batch at once.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.conv_geometry import (
    check_channels_last,
    image_chunks,
    normalize_padding,
    normalize_tuple,
    offset_slice,
    sum_rows,
    window_view,
)
from scratchnn.ops.shape import reshape
from scratchnn.ops.tensor import Tensor, convert, record

# Bytes of the cols matrix per chunk of images (as in ops/convolution.py).
CHUNK_BYTES = 4 << 20


def transpose_axis(
    size: int, k: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """(crop, length) of one axis: the output is full[crop : crop + length] (zeros past full's end).

    Keras's rule (keras/src/backend/common/backend_utils.py, the JAX conversion): with
    k_eff = (k-1)*d + 1 the stride-dilated input is padded by (lo, hi) and correlated with
    the flipped kernel, which gives length (size-1)*s + lo + hi - k_eff + 2 and skips the
    first k_eff - 1 - lo entries of the full scatter.
        valid: lo = k_eff - 1, hi = k_eff - 1 + op, op defaulting to max(k_eff, s) - k_eff;
        same:  total = s + k_eff - 2 (op None) or k_eff + k_eff % 2 - 2 + op, and
               lo = min(ceil(total / 2), k_eff - 1), hi = total - lo.
    """
    k_eff = (k - 1) * dilation + 1
    if padding == "valid":
        op = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        lo, hi = k_eff - 1, k_eff - 1 + op
    else:
        total = stride + k_eff - 2 if output_padding is None else k_eff + k_eff % 2 - 2 + output_padding
        lo = min(total // 2 + total % 2, k_eff - 1)
        hi = total - lo
    return k_eff - 1 - lo, (size - 1) * stride + lo + hi - k_eff + 2


def conv_transpose_output_length(
    size: int | None, k: int, stride: int, padding: str, output_padding: int | None, dilation: int = 1
) -> int | None:
    """Output length of one axis (None stays None), as Keras's compute_conv_transpose_output_shape."""
    if size is None:
        return None
    return transpose_axis(size, k, stride, dilation, padding, output_padding)[1]


def normalize_output_padding(output_padding: Any, n: int, strides: Any = None) -> tuple[int | None, ...]:
    """None, an int or n ints >= 0 -> an n-tuple (None entries: inferred from the padding rule).

    Raises:
        ValueError: for negative or non-integer entries or, given `strides`, an entry not
            strictly below its stride (Keras's rule: the extra rows fit in one stride).
    """
    if output_padding is None:
        return (None,) * n
    values = (output_padding,) * n if isinstance(output_padding, int) else output_padding
    try:
        values = tuple(values)
        ok = len(values) == n and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0) for v in values
        )
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            f"The `output_padding` argument must be None or a tuple of {n} integers >= 0. "
            f"Received: output_padding={output_padding!r}"
        )
    if strides is not None and any(v is not None and v >= s for v, s in zip(values, strides)):
        raise ValueError(
            "`output_padding` must be strictly less than `strides` on every axis. "
            f"Received: output_padding={values}, strides={tuple(strides)}"
        )
    return values


def conv_transpose2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """2-D transposed convolution with an optional fused bias (Keras's Conv2DTranspose op).

    out = crop(z) + bias, z[n, i*sh + a*dh, j*sw + b*dw, f] += sum_c x[n, i, j, c] * kernel[a, b, f, c]

    Args:
        x: (N, H, W, C).
        kernel: (kh, kw, F, C): F output channels, C input channels.
        bias: (F,) or None.
        strides, dilation_rate: int or pair.
        padding: "valid" or "same" (output H*s when output_padding is None).
        output_padding: None, int or pair; the extra rows/columns at the end.

    Returns:
        (N, oh, ow, F), oh = (H-1)*sh + kh_eff + op ("valid") or H*sh ("same", op None).

    Raises:
        ValueError: for mismatched channels or bad arguments. An even kernel with "same",
            output_padding=0 and a 1-pixel input gives an empty axis, as in Keras.
    """
    x, w = convert(x), convert(kernel)
    b = None if bias is None else convert(bias)
    xd, wd = x.data, w.data
    if xd.ndim != 4 or wd.ndim != 4 or xd.shape[3] != wd.shape[3]:
        raise ValueError(
            "conv_transpose2d expects x (N, H, W, C) and kernel (kh, kw, filters, C) with the same C. "
            f"Received: x.shape={xd.shape}, kernel.shape={wd.shape}"
        )
    n, h, wid, c = xd.shape
    kh, kw, f, _ = wd.shape
    strides = normalize_tuple(strides, 2, "strides")
    dil = normalize_tuple(dilation_rate, 2, "dilation_rate")
    padding = normalize_padding(padding)
    ops_ = normalize_output_padding(output_padding, 2)
    (ch, oh), (cw, ow) = (
        transpose_axis(size, k, s, d, padding, op)
        for size, k, s, d, op in zip((h, wid), (kh, kw), strides, dil, ops_)
    )
    # The scatter frame: the full size, or longer when the output reaches past it (zeros there).
    frame = (
        max((h - 1) * strides[0] + (kh - 1) * dil[0] + 1, ch + oh),
        max((wid - 1) * strides[1] + (kw - 1) * dil[1] + 1, cw + ow),
    )
    dtype = xp.result_type(xd.dtype, wd.dtype)
    pixels, t = h * wid, kh * kw * f
    k2 = wd.reshape(t, c)  # (kh, kw, F, C) -> (kh*kw*F, C), row (a, b, f)
    chunks = image_chunks(n, pixels * t * dtype.itemsize, CHUNK_BYTES)
    crop = (slice(None), slice(ch, ch + oh), slice(cw, cw + ow), slice(None))

    def scatter(z: Any, cols: Any) -> None:
        """col2im: z[window of offset (a, b)] += cols[:, :, :, a, b, :]; cols (n, H, W, kh, kw, F)."""
        for a in range(kh):
            for bb in range(kw):
                z[offset_slice(a, bb, (h, wid), strides, dil)] += cols[:, :, :, a, bb, :]

    out = xp.empty((n, oh, ow, f), dtype=dtype)
    for i0, i1 in chunks:
        # (m, C) @ (C, kh*kw*F) -> (m, kh*kw*F), m = images * H * W; the transpose is a BLAS flag.
        cols = (xd[i0:i1].reshape(-1, c) @ k2.T).reshape(i1 - i0, h, wid, kh, kw, f)
        z = xp.zeros((i1 - i0, *frame, f), dtype=dtype)
        scatter(z, cols)
        out[i0:i1] = z[crop]
    if b is not None:
        out += b.data

    def backward(g):
        need_x, need_w = x.requires_grad, w.requires_grad
        dx = xp.empty(xd.shape, dtype=dtype) if need_x else None
        dw = xp.zeros((t, c), dtype=dtype) if need_w else None
        if need_x or need_w:
            for i0, i1 in chunks:
                dz = xp.zeros((i1 - i0, *frame, f), dtype=g.dtype)
                dz[crop] = g[i0:i1]
                # dcols[n, i, j, a, b, f] = dz[n, i*sh + a*dh, j*sw + b*dw, f]: (m, kh*kw*F)
                dcols = window_view(dz, (kh, kw), (h, wid), strides, dil).reshape(-1, t)
                if need_x:
                    dx[i0:i1] = (dcols @ k2).reshape(i1 - i0, h, wid, c)
                if need_w:
                    dw += dcols.T @ xd[i0:i1].reshape(-1, c)
        dw = dw.reshape(wd.shape) if need_w else None
        if b is None:
            return (dx, dw)
        return (dx, dw, sum_rows(g.reshape(-1, g.shape[-1])) if b.requires_grad else None)

    return record(out, (x, w) if b is None else (x, w, b), backward)


def conv_transpose1d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """1-D transposed convolution as a 2-D one of height 1.

    Args:
        x: (N, L, C); kernel (k, F, C); bias (F,) or None; output_padding None or int.

    Returns:
        (N, out_len, F).
    """
    x, w = convert(x), convert(kernel)
    (s,) = normalize_tuple(strides, 1, "strides")
    (d,) = normalize_tuple(dilation_rate, 1, "dilation_rate")
    (op,) = normalize_output_padding(output_padding, 1)
    # (N, L, C) -> (N, 1, L, C); (k, F, C) -> (1, k, F, C); a height-1 axis with a 1-tall kernel
    # keeps length 1 under both paddings.
    x4 = reshape(x, (x.shape[0], 1, *x.shape[1:]))
    w4 = reshape(w, (1, *w.shape))
    out = conv_transpose2d(x4, w4, bias, (1, s), padding, (None if op is None else 0, op), (1, d))
    return reshape(out, (out.shape[0], out.shape[2], out.shape[3]))


def conv_transpose(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    data_format: Any = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """keras.ops.conv_transpose: (N, L, C) with kernel (k, F, C), or (N, H, W, C) with (kh, kw, F, C)."""
    check_channels_last(data_format)
    x = convert(inputs)
    if x.ndim == 4:
        return conv_transpose2d(x, kernel, None, strides, padding, output_padding, dilation_rate)
    if x.ndim == 3:
        return conv_transpose1d(x, kernel, None, strides, padding, output_padding, dilation_rate)
    raise ValueError(f"conv_transpose supports 3-D and 4-D inputs. Received: inputs.shape={x.shape}")
