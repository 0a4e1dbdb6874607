"""Batch normalization primitives: with given statistics, and training mode with batch statistics."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor, convert, record


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
