"""Convolution primitives (channels-last), forward + backward.

Layout follows Keras: inputs NHWC (N, H, W, C); kernels HWIO (kh, kw, C/groups, O).

Convolution is a matrix product over an im2col matrix. The windows of the padded
input are a strided *view* (no copy) of shape (N, oh, ow, kh, kw, C); copying it
gives cols (N*oh*ow, kh*kw*C), and out = cols @ W. The backward pass computes
dW = cols^T @ g and scatters dcols = g @ W^T back to the input with kh*kw strided
slice-adds (col2im): a loop over kernel offsets only, never over pixels.

The batch is processed in chunks of images whose cols fill about `CHUNK_BYTES`:
each chunk's cols are written and read again by the matrix product while they are
still in cache, and the backward pass rebuilds them instead of keeping a
(N*oh*ow, kh*kw*C) matrix alive between the passes (53 MB for the tutorial CNN at
batch 128). Measured on that network, the rebuild costs what the stored matrix's
extra memory traffic cost, so the step time is unchanged and its memory is smaller.
The chunks run on the execution layer's threads (`scratchnn.backend.parallel`): each
writes its own rows of out and dx and its own partial dW, summed in chunk order, so
every thread count gives the serial result bit for bit.

This im2col path is the reference and the fallback. A 3x3 stride-1 convolution with
enough channels takes the Winograd F(4x4, 3x3) path of `ops/winograd.py` instead where
that measured faster (`use_winograd`; `SCRATCHNN_CONV_ALGORITHM=im2col|winograd|auto`).
"""

from __future__ import annotations

import os
from typing import Any

from scratchnn.backend import parallel, xp
from scratchnn.ops import fast_passes
from scratchnn.ops.conv_geometry import (
    check_channels_last,
    image_chunks,
    normalize_padding,
    normalize_tuple,
    offset_slice,
    pad_spatial,
    same_pads,
    spatial_pads,
    sum_rows,
    window_view,
)
from scratchnn.ops.shape import reshape
from scratchnn.ops.tensor import Tensor, convert, record
from scratchnn.ops.winograd import conv2d_winograd

# Bytes of im2col matrix per chunk: small enough to stay in this kind of CPU's
# last-level cache next to the chunk's output, large enough for an efficient GEMM.
CHUNK_BYTES = 4 << 20

# Which algorithm a 3x3 stride-1 convolution uses: "auto" (Winograd where it wins, see
# `use_winograd`), "im2col" (the reference path, always) or "winograd" (wherever it applies).
ALGORITHM = os.environ.get("SCRATCHNN_CONV_ALGORITHM", "auto")
_ALGORITHMS = ("auto", "im2col", "winograd")


def use_winograd(kernel, strides, dilation, c: int, o: int, out_shape: tuple[int, int, int]) -> bool:
    """Whether conv2d takes the Winograd F(4x4, 3x3) path (ops/winograd.py) for these shapes.

    It applies to 3x3 kernels at stride 1 without dilation. Under "auto" it is taken where
    it measured faster than im2col, forward and backward (tutorial CNN layers, 2-core AMD
    EPYC, execution layer on 2 threads, fused bias and ReLU, best of 30). Its products
    cost 1/4 of im2col's, but they are 36 small GEMMs (tiles x C) @ (C x O) and its
    transforms are memory-bound passes, so it needs many channels and enough work:
    64 -> 128 channels at 7x7 lost at batch 32 (fwd / bwd 2.70 / 4.34 ms against
    1.73 / 4.18), tied at 64 and won at 128 (5.32 / 8.39 against 6.58 / 12.92), while
    32 -> 64 at 14x14 lost or tied at every batch. Hence C, O >= 64 and
    N * oh * ow * C * O >= 2^24. Elsewhere im2col, the reference, runs.

    Args:
        kernel, strides, dilation: pairs; c, o: input and output channels;
        out_shape: (N, oh, ow).
    """
    if ALGORITHM not in _ALGORITHMS:
        raise ValueError(f"SCRATCHNN_CONV_ALGORITHM must be one of {_ALGORITHMS}. Received: {ALGORITHM!r}")
    if tuple(kernel) != (3, 3) or tuple(strides) != (1, 1) or tuple(dilation) != (1, 1):
        return False
    if ALGORITHM != "auto":
        return ALGORITHM == "winograd"
    n, oh, ow = out_shape
    return min(c, o) >= WINOGRAD_MIN_CHANNELS and n * oh * ow * c * o >= WINOGRAD_MIN_WORK


WINOGRAD_MIN_CHANNELS = 64
WINOGRAD_MIN_WORK = 1 << 24


def conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
    groups: int = 1,
    relu: bool = False,
) -> Tensor:
    """2-D cross-correlation (what Keras calls convolution), with an optional fused bias and ReLU.

    out[n, i, j, o] = bias[o] + sum_{a, b, c} xpad[n, i*sh + a*dh, j*sw + b*dw, c] * kernel[a, b, c, o]

    Args:
        x: (N, H, W, C).
        kernel: (kh, kw, C // groups, O); O must divide by groups.
        bias: (O,) or None.
        strides, dilation_rate: int or pair.
        padding: "valid", "same", or explicit ((top, bottom), (left, right)).
        groups: channel groups; group g sees input channels [g*C/G, (g+1)*C/G)
            and produces output channels [g*O/G, (g+1)*O/G).
        relu: apply max(out, 0) in place (saves one (N, oh, ow, O) array per call);
            the backward first masks g where out == 0.

    Returns:
        (N, oh, ow, O).
    """
    x, w = convert(x), convert(kernel)
    b = None if bias is None else convert(bias)
    xd, wd = x.data, w.data
    kh, kw, cg, o = wd.shape
    n, h, wid, c = xd.shape
    strides = normalize_tuple(strides, 2, "strides")
    dil = normalize_tuple(dilation_rate, 2, "dilation_rate")
    if isinstance(padding, str):
        padding = normalize_padding(padding)
    if c != cg * groups or o % groups:
        raise ValueError(
            f"conv2d: the input has {c} channels and the kernel has shape {wd.shape} with groups={groups}; "
            f"expected input channels == kernel.shape[2] * groups and filters divisible by groups. "
            f"Received: kernel.shape={wd.shape}, groups={groups}"
        )
    pads = spatial_pads((h, wid), (kh, kw), strides, dil, padding)
    hp, wp = h + sum(pads[0]), wid + sum(pads[1])
    oh = (hp - (kh - 1) * dil[0] - 1) // strides[0] + 1
    ow = (wp - (kw - 1) * dil[1] - 1) // strides[1] + 1
    if oh <= 0 or ow <= 0:
        raise ValueError(
            f"conv2d: the kernel {(kh, kw)} (dilation {dil}) is larger than the padded input {(hp, wp)}. "
            f"Received: x.shape={xd.shape}, padding={padding!r}"
        )
    bd = None if b is None else b.data
    if groups == 1 and use_winograd((kh, kw), strides, dil, c, o, (n, oh, ow)):
        out, backward = conv2d_winograd(xd, wd, bd, pads, relu, x, w, b)
    else:
        xpad = pad_spatial(xd, pads)
        geometry = _Geometry(xpad.shape, (kh, kw), (oh, ow), strides, dil, pads, (h, wid))
        if groups == 1:
            out, backward = _dense_conv(xpad, wd, bd, geometry, relu, x, w, b)
        else:
            out, backward = _grouped_conv(xpad, wd, bd, geometry, relu, groups, x, w, b)
    parents = (x, w) if b is None else (x, w, b)
    return record(out, parents, backward)


class _Geometry:
    """Shapes of one convolution call: padded input, kernel, output, strides, dilation, pads."""

    __slots__ = ("xpad_shape", "kernel", "out_hw", "strides", "dilation", "pads", "in_hw")

    def __init__(self, xpad_shape, kernel, out_hw, strides, dilation, pads, in_hw):
        self.xpad_shape, self.kernel, self.out_hw = xpad_shape, kernel, out_hw
        self.strides, self.dilation, self.pads, self.in_hw = strides, dilation, pads, in_hw

    def windows(self, xpad: Any) -> Any:
        """(N, oh, ow, kh, kw, C) view of the padded input."""
        return window_view(xpad, self.kernel, self.out_hw, self.strides, self.dilation)

    def col2im_add(self, dxpad: Any, dcols: Any) -> None:
        """dxpad[window of offset (a, b)] += dcols[a*kw + b] for each kernel offset.

        dxpad: (n, Hp, Wp, C); dcols: (kh*kw, n, oh, ow, C).
        """
        kh, kw = self.kernel
        for a in range(kh):
            for bb in range(kw):
                dxpad[offset_slice(a, bb, self.out_hw, self.strides, self.dilation)] += dcols[a * kw + bb]

    def unpad(self, dxpad: Any) -> Any:
        """The gradient of the unpadded input: the centre of dxpad."""
        (t, _), (left, _) = self.pads
        return dxpad[:, t : t + self.in_hw[0], left : left + self.in_hw[1], :]


def _dense_conv(xpad, wd, bd, geo: _Geometry, relu: bool, x: Tensor, w: Tensor, b: Tensor | None):
    """groups == 1: forward and backward in image chunks on the execution layer's threads.

    Returns (out (N, oh, ow, O), backward). Each chunk writes its own rows of out and of
    dx, and its own partial dW and db (summed in chunk order afterwards), so the result
    is the same for every thread count.
    """
    kh, kw, c, o = wd.shape
    n = xpad.shape[0]
    oh, ow = geo.out_hw
    pixels, k = oh * ow, kh * kw * c
    dtype = xp.result_type(xpad.dtype, wd.dtype)
    w2 = wd.reshape(k, o)  # (kh, kw, C, O) -> (K, O), rows in the order of cols' columns
    windows = geo.windows(xpad)
    chunks = image_chunks(n, pixels * k * xpad.dtype.itemsize, CHUNK_BYTES)
    # With one input channel (a grayscale first layer) each window row is kw single floats
    # apart from the next, so copying windows into (pixel, K) rows moves one float at a time.
    # Stored offset-major instead, (K, pixels), each row of cols^T is the image shifted by one
    # kernel offset and the copy moves whole image rows. The GEMMs take the transposed
    # operand through BLAS's transpose flag, with no copy.
    offset_major = c == 1

    def cols_of(i0: int, i1: int) -> Any:
        """The im2col matrix of images i0..i1-1: ((i1-i0)*oh*ow, K), in a fresh buffer per chunk."""
        m = (i1 - i0) * pixels
        if offset_major:
            cols_t = xp.empty((k, m), dtype=xpad.dtype)
            xp.copyto(cols_t.reshape(kh, kw, c, i1 - i0, oh, ow).transpose(3, 4, 5, 0, 1, 2), windows[i0:i1])
            return cols_t.T
        cols = xp.empty((m, k), dtype=xpad.dtype)
        xp.copyto(cols.reshape(i1 - i0, oh, ow, kh, kw, c), windows[i0:i1])
        return cols

    out = xp.empty((n, oh, ow, o), dtype=dtype)
    out2 = out.reshape(n * pixels, o)

    def forward_chunk(j: int) -> None:
        i0, i1 = chunks[j]
        rows = out2[i0 * pixels : i1 * pixels]
        xp.matmul(cols_of(i0, i1), w2, out=rows)
        if bd is not None:
            rows += bd
        if relu:
            fast_passes.relu(rows, out=rows)

    parallel.run(forward_chunk, len(chunks))

    # Per chunk, with g2 = g's rows (m, O) (masked by out > 0 under the fused ReLU):
    #   dW_j = cols^T @ g2  (K, m) @ (m, O);  db_j = sum of g2's rows  (O,)
    #   dcols = g2 @ W^T, taken per kernel offset t as g2 @ W[t]^T (m, C) so each
    #   slice-add of col2im reads contiguous memory.
    # dW = sum_j dW_j and db = sum_j db_j, added in chunk order.
    def backward(g):
        g2 = g.reshape(n * pixels, o)
        need_x, need_w, need_b = x.requires_grad, w.requires_grad, b is not None and b.requires_grad
        dw_parts = xp.empty((len(chunks), k, o), dtype=dtype) if need_w else None
        db_parts = xp.empty((len(chunks), o), dtype=dtype) if need_b else None
        dxpad = xp.empty(xpad.shape, dtype=g.dtype) if need_x else None
        w_t = w2.reshape(kh * kw, c, o).transpose(0, 2, 1)  # (kh*kw, O, C)

        def backward_chunk(j: int) -> None:
            i0, i1 = chunks[j]
            gc = g2[i0 * pixels : i1 * pixels]
            if relu:
                gc = gc * (out2[i0 * pixels : i1 * pixels] > 0)
            if need_b:
                sum_rows(gc, out=db_parts[j])
            if need_w:
                xp.matmul(cols_of(i0, i1).T, gc, out=dw_parts[j])
            if need_x:
                dxc = dxpad[i0:i1]
                dxc.fill(0)  # here, not in the caller: each thread clears its own chunk
                dcols = xp.matmul(gc, w_t).reshape(kh * kw, i1 - i0, oh, ow, c)
                geo.col2im_add(dxc, dcols)

        parallel.run(backward_chunk, len(chunks))
        dx = geo.unpad(dxpad) if need_x else None
        dw = dw_parts.sum(axis=0).reshape(wd.shape) if need_w else None
        db = db_parts.sum(axis=0) if need_b else None
        return (dx, dw) if b is None else (dx, dw, db)

    return out, backward


def _grouped_conv(xpad, wd, bd, geo: _Geometry, relu: bool, groups: int, x, w, b):
    """groups > 1: one batched matrix product over the groups; returns (out, backward)."""
    kh, kw, cg, o = wd.shape
    n, c = xpad.shape[0], xpad.shape[3]
    oh, ow = geo.out_hw
    m, k, og = n * oh * ow, kh * kw * cg, o // groups
    # cols (M, kh*kw, G, Cg) -> (G, M, kh*kw*Cg); kernel (kh, kw, Cg, G, Og) -> (G, kh*kw*Cg, Og)
    cols = geo.windows(xpad).reshape(m, kh * kw, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, k)
    w2 = wd.reshape(kh * kw, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, k, og)
    out = xp.matmul(cols, w2).transpose(1, 0, 2).reshape(m, o)  # (G, M, Og) -> (M, O)
    if bd is not None:
        out += bd
    if relu:
        fast_passes.relu(out, out=out)
    out = out.reshape(n, oh, ow, o)

    def backward(g):
        if relu:
            g = g * (out > 0)
        gg = g.reshape(m, groups, og).transpose(1, 0, 2)  # (G, M, Og)
        dx = dw = db = None
        if w.requires_grad:
            # (G, K, M) @ (G, M, Og) -> (G, kh*kw, Cg, Og) -> (kh, kw, Cg, G*Og)
            dwg = xp.matmul(cols.transpose(0, 2, 1), gg).reshape(groups, kh * kw, cg, og)
            dw = dwg.transpose(1, 2, 0, 3).reshape(wd.shape)
        if x.requires_grad:
            # (G, M, Og) @ (G, Og, K) -> (G, M, kh*kw, Cg) -> (kh*kw, N, oh, ow, C)
            dcols = xp.matmul(gg, w2.transpose(0, 2, 1)).reshape(groups, m, kh * kw, cg)
            dcols = dcols.transpose(2, 1, 0, 3).reshape(kh * kw, n, oh, ow, c)
            dxpad = xp.zeros(xpad.shape, dtype=g.dtype)
            geo.col2im_add(dxpad, dcols)
            dx = geo.unpad(dxpad)
        if b is not None and b.requires_grad:
            db = sum_rows(g.reshape(m, o))
        return (dx, dw) if b is None else (dx, dw, db)

    return out, backward


def conv1d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution as a 2-D one of height 1.

    Args:
        x: (N, L, C); kernel (k, C // groups, O); padding "valid", "same" or "causal"
            (left-pads dilation*(k-1) zeros, so out[t] sees only inputs <= t).

    Returns:
        (N, out_len, O).
    """
    x, w = convert(x), convert(kernel)
    (s,) = normalize_tuple(strides, 1, "strides")
    (d,) = normalize_tuple(dilation_rate, 1, "dilation_rate")
    k = w.shape[0]
    if isinstance(padding, str) and padding.lower() == "causal":
        pad2 = ((0, 0), (d * (k - 1), 0))
    else:
        p = normalize_padding(padding)
        pad2 = ((0, 0), same_pads(x.shape[1], k, s, d) if p == "same" else (0, 0))
    # (N, L, C) -> (N, 1, L, C); (k, C, O) -> (1, k, C, O)
    x4 = reshape(x, (x.shape[0], 1, x.shape[1], x.shape[2]))
    w4 = reshape(w, (1, *w.shape))
    out = conv2d(x4, w4, bias, (1, s), pad2, (1, d), groups)
    return reshape(out, (out.shape[0], out.shape[2], out.shape[3]))


def depthwise_conv2d(
    x: Any, kernel: Any, bias: Any = None, strides: Any = 1, padding: Any = "valid", dilation_rate: Any = 1
) -> Tensor:
    """Depthwise convolution: each input channel convolved with its own `depth_multiplier` filters.

    Kernel (kh, kw, C, dm) is a grouped convolution with groups=C and kernel
    (kh, kw, 1, C*dm): output channel c*dm + m comes from input channel c, as in Keras.
    """
    w = convert(kernel)
    kh, kw, c, dm = w.shape
    return conv2d(x, reshape(w, (kh, kw, 1, c * dm)), bias, strides, padding, dilation_rate, groups=c)


def conv(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: Any = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """keras.ops.conv: 1-D (N, L, C) with kernel (k, Cg, O) or 2-D (N, H, W, C) with kernel (kh, kw, Cg, O).

    The group count is C // kernel.shape[-2], as in Keras.
    """
    check_channels_last(data_format)
    x, w = convert(inputs), convert(kernel)
    groups = x.shape[-1] // w.shape[-2]
    if x.ndim == 4:
        return conv2d(x, w, None, strides, padding, dilation_rate, groups)
    if x.ndim == 3:
        return conv1d(x, w, None, strides, padding, dilation_rate, groups)
    raise ValueError(f"conv supports 3-D and 4-D inputs. Received: inputs.shape={x.shape}")


def depthwise_conv(
    inputs: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    data_format: Any = None,
    dilation_rate: Any = 1,
) -> Tensor:
    """keras.ops.depthwise_conv for 4-D channels-last inputs; kernel (kh, kw, C, depth_multiplier)."""
    check_channels_last(data_format)
    return depthwise_conv2d(inputs, kernel, None, strides, padding, dilation_rate)
