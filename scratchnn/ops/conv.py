"""Convolution, pooling and batch-normalization primitives (channels-last), forward + backward.

Layout follows Keras: inputs NHWC (N, H, W, C); kernels HWIO (kh, kw, C/groups, O).

Convolution is one matrix product over an im2col matrix. The windows of the
padded input are a strided *view* (no copy) of shape (N, oh, ow, kh, kw, C);
one reshape copies it into cols (N*oh*ow, kh*kw*C), and out = cols @ W. The
backward pass reuses cols for dW = cols^T @ g and scatters dcols = g @ W^T
back to the input with kh*kw strided slice-adds (col2im), which is a loop over
kernel offsets only: each add moves an (N, oh, ow, C) block, so the loop costs
kh*kw NumPy calls whatever the batch size.

"same" padding follows TensorFlow/Keras: total = max((out-1)*stride + k_eff - size, 0),
with the odd pixel at the end (bottom/right).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor, convert, record

# -- argument normalization and geometry ----------------------------------------


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


def _pads(shape: Sequence[int], kernel: Sequence[int], strides, dilation, padding) -> list[tuple[int, int]]:
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * len(kernel)
        return [same_pads(n, k, s, d) for n, k, s, d in zip(shape, kernel, strides, dilation)]
    return [tuple(p) for p in padding]  # explicit ((top, bottom), (left, right)), e.g. causal


def _pad_spatial(x: Any, pads: Sequence[tuple[int, int]], value: float = 0.0) -> Any:
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


def _windows(xp_: Any, k: Sequence[int], out_hw: Sequence[int], strides, dilation) -> Any:
    """Strided view (N, oh, ow, kh, kw, C) of a padded NHWC array; no copy.

    window[n, i, j, a, b, c] = xp_[n, i*sh + a*dh, j*sw + b*dw, c].
    """
    s0, s1, s2, s3 = xp_.strides
    shape = (xp_.shape[0], out_hw[0], out_hw[1], k[0], k[1], xp_.shape[3])
    st = (s0, s1 * strides[0], s2 * strides[1], s1 * dilation[0], s2 * dilation[1], s3)
    return xp.lib.stride_tricks.as_strided(xp_, shape, st, writeable=False)


def _offset_slice(a: int, b: int, out_hw, strides, dilation) -> tuple[slice, ...]:
    """The slice of the padded input that kernel offset (a, b) reads for every output pixel."""
    h0, w0 = a * dilation[0], b * dilation[1]
    return (
        slice(None),
        slice(h0, h0 + strides[0] * (out_hw[0] - 1) + 1, strides[0]),
        slice(w0, w0 + strides[1] * (out_hw[1] - 1) + 1, strides[1]),
        slice(None),
    )


# -- convolution ------------------------------------------------------------------


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
    pads = _pads((h, wid), (kh, kw), strides, dil, padding)
    xpad = _pad_spatial(xd, pads)
    hp, wp = xpad.shape[1:3]
    oh = (hp - (kh - 1) * dil[0] - 1) // strides[0] + 1
    ow = (wp - (kw - 1) * dil[1] - 1) // strides[1] + 1
    if oh <= 0 or ow <= 0:
        raise ValueError(
            f"conv2d: the kernel {(kh, kw)} (dilation {dil}) is larger than the padded input {(hp, wp)}. "
            f"Received: x.shape={xd.shape}, padding={padding!r}"
        )
    m, k = n * oh * ow, kh * kw * cg
    # (N, Hp, Wp, C) -> view (N, oh, ow, kh, kw, C) -> copy (M, kh*kw*C): the im2col matrix.
    cols = _windows(xpad, (kh, kw), (oh, ow), strides, dil).reshape(m, kh * kw * c)
    if groups == 1:
        w2 = wd.reshape(k, o)  # (kh, kw, C, O) -> (K, O), rows in the order of cols' columns
        out = cols @ w2  # (M, K) @ (K, O) -> (M, O)
    else:
        og = o // groups
        # cols (M, kh*kw, G, Cg) -> (G, M, kh*kw*Cg); kernel (kh, kw, Cg, G, Og) -> (G, kh*kw*Cg, Og)
        cols = cols.reshape(m, kh * kw, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, k)
        w2 = wd.reshape(kh * kw, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, k, og)
        out = xp.matmul(cols, w2).transpose(1, 0, 2).reshape(m, o)  # (G, M, Og) -> (M, O)
    if b is not None:
        out += b.data
    if relu:
        xp.maximum(out, 0, out=out)
    out = out.reshape(n, oh, ow, o)

    # With g2 = g reshaped (M, O):
    #   dW = cols^T @ g2  (K, M) @ (M, O);  db = sum over rows of g2  (O,)
    #   dcols = g2 @ W^T  (M, K); each column block (a, b) of dcols is added back to
    #   the input pixels that offset (a, b) read: the transpose of the im2col gather.
    def backward(g):
        if relu:
            g = g * (out > 0)
        g2 = g.reshape(m, o)
        dx = dw = db = None
        if groups == 1:
            if w.requires_grad:
                dw = (cols.T @ g2).reshape(wd.shape)
            if x.requires_grad:
                # (kh*kw, O, C) batched against g2: dcols[t] = g2 @ W[t]^T is contiguous (M, C),
                # so each slice-add below reads contiguous memory.
                dcols = xp.matmul(g2, w2.reshape(kh * kw, c, o).transpose(0, 2, 1))  # (kh*kw, M, C)
                dcols = dcols.reshape(kh * kw, n, oh, ow, c)
        else:
            og = o // groups
            gg = g2.reshape(m, groups, og).transpose(1, 0, 2)  # (G, M, Og)
            if w.requires_grad:
                # (G, K, M) @ (G, M, Og) -> (G, kh*kw, Cg, Og) -> (kh, kw, Cg, G*Og)
                dwg = xp.matmul(cols.transpose(0, 2, 1), gg).reshape(groups, kh * kw, cg, og)
                dw = dwg.transpose(1, 2, 0, 3).reshape(wd.shape)
            if x.requires_grad:
                # (G, M, Og) @ (G, Og, K) -> (G, M, kh*kw, Cg) -> (kh*kw, N, oh, ow, C)
                dcols = xp.matmul(gg, w2.transpose(0, 2, 1)).reshape(groups, m, kh * kw, cg)
                dcols = dcols.transpose(2, 1, 0, 3).reshape(kh * kw, n, oh, ow, c)
        if x.requires_grad:
            dxpad = xp.zeros(xpad.shape, dtype=g.dtype)
            for a in range(kh):
                for bb in range(kw):
                    dxpad[_offset_slice(a, bb, (oh, ow), strides, dil)] += dcols[a * kw + bb]
            (t, _), (left, _) = pads
            dx = dxpad[:, t : t + h, left : left + wid, :]
        if b is not None and b.requires_grad:
            db = g2.sum(axis=0)
        return (dx, dw) if b is None else (dx, dw, db)

    parents = (x, w) if b is None else (x, w, b)
    return record(out, parents, backward)


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
    from scratchnn.ops.shape import reshape

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
    from scratchnn.ops.shape import reshape

    w = convert(kernel)
    kh, kw, c, dm = w.shape
    return conv2d(x, reshape(w, (kh, kw, 1, c * dm)), bias, strides, padding, dilation_rate, groups=c)


# -- pooling -------------------------------------------------------------------------


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
    pads = _pads((h, w), (ph, pw), st, (1, 1), padding)
    # Max pads with -inf so a padded pixel never wins; mean pads with 0 and divides by the real count.
    xpad = _pad_spatial(xd, pads, -xp.inf if mode == "max" else 0.0)
    offsets = [_offset_slice(a, b, (oh, ow), st, (1, 1)) for a in range(ph) for b in range(pw)]
    out = xpad[offsets[0]].copy()  # (N, oh, ow, C)
    combine = xp.maximum if mode == "max" else xp.add
    for sl in offsets[1:]:
        combine(out, xpad[sl], out=out)
    counts = None
    if mode == "avg":
        if pads == [(0, 0), (0, 0)]:
            counts = ph * pw
        else:
            # Keras/TF average a border window over its real pixels only: count them the same way.
            ones = _pad_spatial(xp.ones((1, h, w, 1), dtype=xd.dtype), pads)
            counts = sum(ones[sl] for sl in offsets)  # (1, oh, ow, 1)
        out /= counts
    overlapping = st[0] < ph or st[1] < pw

    # max:  dL/dx = g at the first maximal pixel of each window (TF/JAX also route to one pixel).
    #       `rest` holds g for windows whose maximum has not been found yet, so later ties get 0.
    # mean: dL/dx = g / count at every pixel of the window.
    # Overlapping windows (stride < pool) accumulate; otherwise each slice is written once.
    # Every padded pixel lies in exactly one window when the windows tile the padded input.
    tiles = st == (ph, pw) and xpad.shape[1:3] == (oh * ph, ow * pw)

    def backward(g):
        dxpad = (xp.empty if tiles else xp.zeros)(xpad.shape, dtype=g.dtype)
        rest = g.copy() if mode == "max" else g / counts
        for sl in offsets:
            if mode == "max":
                # Non-overlapping windows: write straight into dx's slice, no temporary.
                d = xp.multiply(rest, xpad[sl] == out, out=None if overlapping else dxpad[sl])
                rest -= d
            else:
                d = rest
            if overlapping:
                dxpad[sl] += d
            elif mode != "max":
                dxpad[sl] = d
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
    from scratchnn.ops.shape import reshape

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
    _check_channels_last(data_format)
    return _pool_any(inputs, pool_size, strides, padding, "max")


def average_pool(
    inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid", data_format: Any = None
) -> Tensor:
    """keras.ops.average_pool for channels-last 3-D or 4-D inputs."""
    _check_channels_last(data_format)
    return _pool_any(inputs, pool_size, strides, padding, "avg")


def _check_channels_last(data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"Only data_format='channels_last' is supported. Received: data_format={data_format!r}"
        )


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
    _check_channels_last(data_format)
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
    _check_channels_last(data_format)
    return depthwise_conv2d(inputs, kernel, None, strides, padding, dilation_rate)


# -- batch normalization -------------------------------------------------------------


def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    axis: int = -1,
    offset: Any = None,
    scale: Any = None,
    epsilon: float = 1e-3,
) -> Tensor:
    """keras.ops.batch_normalization: (x - mean) / sqrt(variance + eps) * scale + offset.

    mean, variance, offset, scale are (C,) vectors along `axis`. With r = 1/sqrt(var + eps):
    dx = g * scale * r;  dmean = -sum(g * scale * r);  dvar = -1/2 sum(g * scale * (x - mean)) r^3;
    dscale = sum(g * (x - mean) * r);  doffset = sum(g), sums over every axis but `axis`.
    """
    x = convert(x)
    ts = [convert(v, like=x) if v is not None else None for v in (mean, variance, offset, scale)]
    m, v, off, sc = ts
    axis = axis % x.ndim
    bshape = [1] * x.ndim
    bshape[axis] = x.shape[axis]
    red = tuple(i for i in range(x.ndim) if i != axis)

    def col(t):
        return t.data.reshape(bshape)

    r = (1.0 / xp.sqrt(col(v) + epsilon)).astype(x.data.dtype)
    centered = x.data - col(m)
    mult = r if sc is None else r * col(sc)
    out = centered * mult
    if off is not None:
        out += col(off)

    def backward(g):
        gm = g * mult
        dm = -gm.sum(axis=red) if m.requires_grad else None
        dv = (-0.5 * (g * centered).sum(axis=red) * (mult * r * r).reshape(-1)) if v.requires_grad else None
        doff = g.sum(axis=red) if off is not None and off.requires_grad else None
        dsc = (g * centered).sum(axis=red) * r.reshape(-1) if sc is not None and sc.requires_grad else None
        return gm, dm, dv, doff, dsc

    parents = [x, m, v, off, sc]
    grads_of = [i for i, p in enumerate(parents) if p is not None]
    present = tuple(parents[i] for i in grads_of)
    return record(out, present, lambda g: tuple(backward(g)[i] for i in grads_of))


def batch_norm_train(x: Any, gamma: Any = None, beta: Any = None, axis: int = -1, epsilon: float = 1e-3):
    """Training-mode batch norm with the batch statistics; returns (out Tensor, mean, variance arrays).

    With m values per channel, xhat = (x - mu) * r, r = 1/sqrt(var + eps) (biased var, as Keras):
    y = gamma * xhat + beta;  dbeta = sum g;  dgamma = sum g * xhat;
    dx = gamma * r * (g - mean(g) - xhat * mean(g * xhat))   (the statistics depend on x too).
    """
    x = convert(x)
    gm_t = None if gamma is None else convert(gamma)
    bt_t = None if beta is None else convert(beta)
    xd = x.data
    axis = axis % xd.ndim
    red = tuple(i for i in range(xd.ndim) if i != axis)
    bshape = [1] * xd.ndim
    bshape[axis] = xd.shape[axis]
    count = xd.size // xd.shape[axis]
    mu = xd.mean(axis=red, keepdims=True)
    centered = xd - mu
    var = (centered * centered).mean(axis=red, keepdims=True)
    r = 1.0 / xp.sqrt(var + epsilon)
    xhat = centered * r
    gam = None if gm_t is None else gm_t.data.reshape(bshape)
    out = xhat * gam if gam is not None else xhat.copy()
    if bt_t is not None:
        out += bt_t.data.reshape(bshape)

    def backward(g):
        sg = g.sum(axis=red, keepdims=True)
        sgx = (g * xhat).sum(axis=red, keepdims=True)
        dx = None
        if x.requires_grad:
            scale = r if gam is None else r * gam
            dx = (g - sg / count - xhat * (sgx / count)) * scale
        grads = [dx]
        if gm_t is not None:
            grads.append(sgx.reshape(-1) if gm_t.requires_grad else None)
        if bt_t is not None:
            grads.append(sg.reshape(-1) if bt_t.requires_grad else None)
        return tuple(grads)

    parents = tuple(p for p in (x, gm_t, bt_t) if p is not None)
    return record(out, parents, backward), mu.reshape(-1), var.reshape(-1)


# -- padding, cropping, up-sampling --------------------------------------------------


def zero_pad2d(x: Any, padding: Sequence[tuple[int, int]]) -> Tensor:
    """Pads axes 1, 2 of NHWC with zeros: ((top, bottom), (left, right)). dx = the centre of g."""
    t = convert(x)
    n, h, w, c = t.shape
    out = _pad_spatial(t.data, padding)
    out = out.copy() if out is t.data else out
    (top, _), (left, _) = padding
    return record(out, (t,), lambda g: (g[:, top : top + h, left : left + w, :],))


def crop2d(x: Any, cropping: Sequence[tuple[int, int]]) -> Tensor:
    """Removes ((top, bottom), (left, right)) pixels from NHWC; dx = g zero-padded back."""
    t = convert(x)
    n, h, w, c = t.shape
    (top, bottom), (left, right) = cropping
    out = t.data[:, top : h - bottom, left : w - right, :]
    return record(out, (t,), lambda g: (_pad_spatial(g, cropping),))


def upsample_nearest2d(x: Any, size: Sequence[int]) -> Tensor:
    """Repeats rows sh times and columns sw times: (N, H, W, C) -> (N, H*sh, W*sw, C).

    dx[n, i, j, c] = sum of g over the (sh, sw) block that copies pixel (i, j).
    """
    t = convert(x)
    n, h, w, c = t.shape
    sh, sw = size
    # broadcast (N, H, 1, W, 1, C) -> (N, H, sh, W, sw, C), then one copy into the output.
    out = xp.broadcast_to(t.data[:, :, None, :, None, :], (n, h, sh, w, sw, c)).reshape(n, h * sh, w * sw, c)
    return record(out, (t,), lambda g: (g.reshape(n, h, sh, w, sw, c).sum(axis=(2, 4)),))
