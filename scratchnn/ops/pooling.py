"""Max and average pooling (channels-last), forward + backward.

Pooling loops over the ph*pw window offsets only: each offset reads one strided
slice (N, oh, ow, C) of the padded input, so the cost is ph*pw NumPy calls
whatever the batch size.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import parallel, xp
from scratchnn.ops.conv_geometry import (
    check_channels_last,
    image_chunks,
    normalize_padding,
    normalize_tuple,
    offset_slice,
    output_length,
    pad_spatial,
    spatial_pads,
)
from scratchnn.ops.shape import reshape
from scratchnn.ops.tensor import Tensor, convert, record

# Bytes of one pooled-output chunk in the max backward (see `_pool`).
CHUNK_BYTES = 256 << 10


def _pool(x: Any, pool_size: Any, strides: Any, padding: Any, mode: str) -> Tensor:
    """Max or mean over (ph, pw) windows, as a loop over the ph*pw window offsets.

    Each offset (a, b) reads one strided slice (N, oh, ow, C) of the padded
    input; an elementwise maximum/sum over the offsets is several times faster
    than reducing a 6-D window view, and needs no copy of the windows.
    """
    t = convert(x)
    xd = t.data
    n, h, w, c = xd.shape
    ph, pw = normalize_tuple(pool_size, 2, "pool_size")
    st = (ph, pw) if strides is None else normalize_tuple(strides, 2, "strides")
    padding = normalize_padding(padding)
    oh, ow = output_length(h, ph, st[0], padding), output_length(w, pw, st[1], padding)
    if oh <= 0 or ow <= 0:
        raise ValueError(
            f"Pooling window {(ph, pw)} is larger than the input {(h, w)}. Received: x.shape={xd.shape}"
        )
    pads = spatial_pads((h, w), (ph, pw), st, (1, 1), padding)
    # Max pads with -inf so a padded pixel never wins; mean pads with 0 and divides by the real count.
    xpad = pad_spatial(xd, pads, -xp.inf if mode == "max" else 0.0)
    offsets = [offset_slice(a, b, (oh, ow), st, (1, 1)) for a in range(ph) for b in range(pw)]
    combine = xp.maximum if mode == "max" else xp.add
    counts = None
    if mode == "avg":
        if pads == [(0, 0), (0, 0)]:
            counts = ph * pw
        else:
            # Keras/TF average a border window over its real pixels only: count them the same way.
            ones = pad_spatial(xp.ones((1, h, w, 1), dtype=xd.dtype), pads)
            counts = sum(ones[sl] for sl in offsets)  # (1, oh, ow, 1)
    out = xp.empty((n, oh, ow, c), dtype=xpad.dtype)
    # Image chunks whose (oh, ow, C) temporaries stay in the per-core cache: the max
    # backward reads each several times, which costs a memory pass each when a whole
    # batch-128 (N, oh, ow, C) array is handled at once (the tutorial CNN's first pooling
    # backward at batch 128: 9.8 ms whole, 6 ms in chunks). The chunks run on the
    # execution layer's threads.
    chunks = image_chunks(n, oh * ow * c * xpad.dtype.itemsize, CHUNK_BYTES)

    def forward_chunk(k: int) -> None:
        i0, i1 = chunks[k]
        x_c, out_c = xpad[i0:i1], out[i0:i1]
        out_c[...] = x_c[offsets[0]]
        for sl in offsets[1:]:
            combine(out_c, x_c[sl], out=out_c)
        if counts is not None:
            out_c /= counts

    parallel.run(forward_chunk, len(chunks))
    overlapping = st[0] < ph or st[1] < pw

    # max:  dL/dx = g at the first maximal pixel of each window (TF/JAX also route to one pixel).
    #       `taken` marks the windows whose maximum an earlier offset already held.
    # mean: dL/dx = g / count at every pixel of the window.
    # Overlapping windows (stride < pool) accumulate; otherwise each slice is written once.
    # Every padded pixel lies in exactly one window when the windows tile the padded input.
    tiles = st == (ph, pw) and xpad.shape[1:3] == (oh * ph, ow * pw)
    last = len(offsets) - 1

    def backward(g):
        dxpad = xp.empty(xpad.shape, dtype=g.dtype)

        def backward_chunk(k: int) -> None:
            i0, i1 = chunks[k]
            x_c, out_c, dx_c, g_c = xpad[i0:i1], out[i0:i1], dxpad[i0:i1], g[i0:i1]
            if not tiles:
                dx_c.fill(0)  # pixels in no window (or in several) start from zero
            if mode == "avg":
                d = g_c / counts
                for sl in offsets:
                    if overlapping:
                        dx_c[sl] += d
                    else:
                        dx_c[sl] = d
                return
            for j, sl in enumerate(offsets):
                hit = x_c[sl] == out_c  # this offset holds its window's maximum
                if j == 0:
                    first, taken = hit, (hit.copy() if last else hit)
                else:
                    # hit and not taken: on booleans `>` is "and not", so ties after the
                    # first maximal pixel get nothing (bool masks: a quarter of a float pass).
                    first = xp.greater(hit, taken)
                    if j < last:
                        taken |= hit
                if overlapping:
                    dx_c[sl] += g_c * first
                else:  # write straight into dx's slice, no temporary
                    xp.multiply(g_c, first, out=dx_c[sl])

        parallel.run(backward_chunk, len(chunks))
        (tp, _), (lp, _) = pads
        return (dxpad[:, tp : tp + h, lp : lp + w, :],)

    return record(out, (t,), backward)


def max_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Max over (ph, pw) windows of an NHWC input: (N, H, W, C) -> (N, oh, ow, C)."""
    return _pool(x, pool_size, strides, padding, "max")


def avg_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """Mean over (ph, pw) windows of an NHWC input ("same": over the unpadded pixels)."""
    return _pool(x, pool_size, strides, padding, "avg")


def _pool_any(inputs: Any, pool_size: Any, strides: Any, padding: str, mode: str) -> Tensor:
    x = convert(inputs)
    if x.ndim == 4:
        return _pool(x, pool_size, strides, padding, mode)
    if x.ndim != 3:
        raise ValueError(
            f"Pooling supports 3-D (N, L, C) or 4-D (N, H, W, C) inputs. Received: inputs.shape={x.shape}"
        )
    (p,) = normalize_tuple(pool_size, 1, "pool_size")
    s = p if strides is None else normalize_tuple(strides, 1, "strides")[0]
    out = _pool(reshape(x, (x.shape[0], 1, x.shape[1], x.shape[2])), (1, p), (1, s), padding, mode)
    return reshape(out, (out.shape[0], out.shape[2], out.shape[3]))


def max_pool(
    inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: Any = None
) -> Tensor:
    """keras.ops.max_pool for channels-last 3-D (N, L, C) or 4-D (N, H, W, C) inputs."""
    check_channels_last(data_format)
    return _pool_any(inputs, pool_size, strides, padding, "max")


def average_pool(
    inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: Any = None
) -> Tensor:
    """keras.ops.average_pool for channels-last 3-D or 4-D inputs."""
    check_channels_last(data_format)
    return _pool_any(inputs, pool_size, strides, padding, "avg")
