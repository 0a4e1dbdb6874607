"""Tensor contractions of keras.ops: einsum and the products built on it (tensordot, dot, inner,
outer, vdot, kron), plus cross, cdist and correlate.

The einsum backward, derived. For out[o] = sum over the other labels of prod_k A_k[s_k], the
derivative of L = sum_o g[o] out[o] with respect to one entry of A_k is the same sum with A_k
left out and g put in its place:

    dL/dA_k[u] = einsum(o, s_1, ..., (no s_k), ... -> u)(g, A_1, ..., A_n)

where u are A_k's labels. Three details make that one einsum exact:
- a label only A_k has (summed inside A_k alone, as "ij->i" sums j) is absent from the einsum's
  inputs, and the gradient is constant along it: it is broadcast back;
- a label on which A_k has size 1 but the output has size n (broadcasting) is summed back to 1;
- a label A_k repeats ("ii->i", a diagonal) is one index for two axes: the gradient lands on
  those positions only (the rest of A_k does not touch the output) and is 0 elsewhere.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.axes import normalize_axis
from scratchnn.ops.math import multiply, sqrt, square, subtract, sum
from scratchnn.ops.promotion import promote
from scratchnn.ops.shape import expand_dims, reshape, stack, transpose
from scratchnn.ops.tensor import Tensor, record

_LETTERS = string.ascii_letters


def _parse(subscripts: str, ndims: Sequence[int]) -> tuple[list[str], str]:
    """Explicit subscripts: '...' replaced by spare letters and the implicit output written out.

    Raises:
        ValueError: if the number of terms differs from the number of operands, or a term's labels
            do not match its operand's rank.
    """
    s = subscripts.replace(" ", "")
    lhs, arrow, out = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(
            f"einsum subscripts name {len(terms)} operands. Received: {len(ndims)} operands for {subscripts!r}"
        )
    spare = [c for c in _LETTERS if c not in s]
    widths = [nd - (len(t) - 3) for t, nd in zip(terms, ndims) if "..." in t]
    width = max(widths, default=0)
    ellipsis = "".join(spare[:width])
    explicit = []
    for t, nd in zip(terms, ndims):
        if "..." in t:
            n = nd - (len(t) - 3)
            t = t.replace("...", ellipsis[width - n :] if n else "")
        if len(t) != nd:
            raise ValueError(f"einsum term {t!r} has {len(t)} labels for an operand of rank {nd}.")
        explicit.append(t)
    if arrow:
        out = out.replace("...", ellipsis)
    else:  # implicit mode: the broadcast axes, then the labels used once, in alphabetical order
        labels = "".join(explicit)
        out = ellipsis + "".join(sorted(c for c in set(labels) if labels.count(c) == 1 and c not in ellipsis))
    return explicit, out


def _operand_grad(k: int, terms: list[str], out: str, g: Any, arrays: list[Any], kwargs: dict) -> Any:
    """dL/dA_k by the einsum of the module docstring, with its three details."""
    term, shape = terms[k], arrays[k].shape
    unique = "".join(dict.fromkeys(term))  # A_k's labels, each once, in order of appearance
    elsewhere = set(out).union(*(set(t) for i, t in enumerate(terms) if i != k))
    present = "".join(c for c in unique if c in elsewhere)
    inputs = [out] + [t for i, t in enumerate(terms) if i != k]
    operands = [g] + [a for i, a in enumerate(arrays) if i != k]
    grad = xp.einsum(",".join(inputs) + "->" + present, *operands, **kwargs)
    size = {c: shape[term.index(c)] for c in unique}
    # Labels only A_k has: constant along them, broadcast back.
    for pos, c in enumerate(unique):
        if c not in present:
            grad = xp.expand_dims(grad, pos)
    grad = xp.broadcast_to(
        grad, tuple(size[c] if c not in present else grad.shape[i] for i, c in enumerate(unique))
    )
    # Labels A_k broadcast from size 1: summed back.
    grad = grad.sum(
        axis=tuple(i for i, c in enumerate(unique) if size[c] == 1 and grad.shape[i] != 1), keepdims=True
    )
    if unique == term:
        return xp.ascontiguousarray(grad)
    # Repeated labels: write the gradient onto the positions where those axes share an index.
    grid = xp.ix_(*(xp.arange(size[c]) for c in unique))
    dx = xp.zeros(shape, dtype=grad.dtype)
    dx[tuple(grid[unique.index(c)] for c in term)] = grad
    return dx


def einsum(subscripts: str, *operands: Any, **kwargs: Any) -> Tensor:
    """Einstein summation, as np.einsum: e.g. "ij,jk->ik" (matmul), "bij->bji", "...ii->...i".

    Args:
        subscripts: the labels of each operand, optionally "->" and the output's labels.
        operands: tensors, promoted to a common dtype by Keras's rules.
        **kwargs: passed to np.einsum (e.g. `optimize`).

    Returns:
        The contraction. Gradients flow to every operand (see the module docstring).
    """
    ts = promote(*operands)
    terms, out = _parse(subscripts, [t.ndim for t in ts])
    arrays = [t.data for t in ts]
    if len(arrays) > 2:
        kwargs.setdefault("optimize", True)
    spec = ",".join(terms) + "->" + out
    result = xp.einsum(spec, *arrays, **kwargs)

    def backward(g):
        return [
            _operand_grad(k, terms, out, g, arrays, kwargs) if t.requires_grad else None
            for k, t in enumerate(ts)
        ]

    return record(xp.asarray(result), tuple(ts), backward)


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> Tensor:
    """Sums products over the given axes of x1 and x2 (an int N: x1's last N with x2's first N).

    Written as an einsum, whose backward gives both gradients.
    """
    a, b = promote(x1, x2)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = (
            ([axes[0]] if isinstance(axes[0], int) else list(axes[0])),
            ([axes[1]] if isinstance(axes[1], int) else list(axes[1])),
        )
    axes_a = [normalize_axis(i, a.ndim) for i in axes_a]
    axes_b = [normalize_axis(i, b.ndim) for i in axes_b]
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot needs as many axes of x1 as of x2. Received: axes={axes}")
    la = list(_LETTERS[: a.ndim])
    lb = list(_LETTERS[a.ndim : a.ndim + b.ndim])
    for i, j in zip(axes_a, axes_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in axes_a] + [c for j, c in enumerate(lb) if j not in axes_b]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


def dot(x1: Any, x2: Any) -> Tensor:
    """np.dot: a product for scalars, matmul for matrices, and for N-D a sum over the last axis of
    x1 and the second-to-last of x2 (the last when x2 is 1-D)."""
    a, b = promote(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, ([-1], [-1 if b.ndim == 1 else -2]))


def inner(x1: Any, x2: Any) -> Tensor:
    """The sum of products over the last axes of x1 and x2 (a product for scalars)."""
    a, b = promote(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, ([-1], [-1]))


def outer(x1: Any, x2: Any) -> Tensor:
    """out[i, j] = x1.ravel()[i] * x2.ravel()[j]."""
    a, b = promote(x1, x2)
    return einsum("i,j->ij", reshape(a, (-1,)), reshape(b, (-1,)))


def vdot(x1: Any, x2: Any) -> Tensor:
    """The dot product of the flattened tensors (real: no conjugation needed)."""
    a, b = promote(x1, x2)
    return einsum("i,i->", reshape(a, (-1,)), reshape(b, (-1,)))


def kron(x1: Any, x2: Any) -> Tensor:
    """The Kronecker product: block (i0, i1, ...) of the output is x1[i0, i1, ...] * x2.

    With both padded to rank d, out = einsum(a0 a1..., b0 b1... -> a0 b0 a1 b1 ...) reshaped to
    (a0*b0, a1*b1, ...).
    """
    a, b = promote(x1, x2)
    d = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (d - a.ndim) + a.shape)
    b = reshape(b, (1,) * (d - b.ndim) + b.shape)
    la, lb = _LETTERS[:d], _LETTERS[d : 2 * d]
    pairs = "".join(p + q for p, q in zip(la, lb))
    blocks = einsum(f"{la},{lb}->{pairs}", a, b)
    return reshape(blocks, tuple(m * n for m, n in zip(a.shape, b.shape)))


def cross(
    x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None
) -> Tensor:
    """The cross product of 3-vectors (or 2-vectors, which get a zero third component) along the
    vector axes; for two 2-vectors, the scalar z component.

    Composed of products of the components, so the gradients are dL/dx1 = x2 x g and dL/dx2 = g x x1.

    Raises:
        ValueError: if a vector axis has a length other than 2 or 3.
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = promote(x1, x2)
    a = _vector_last(a, axisa, "x1")
    b = _vector_last(b, axisb, "x2")
    ax, ay = a[..., 0], a[..., 1]
    bx, by = b[..., 0], b[..., 1]
    z = subtract(multiply(ax, by), multiply(ay, bx))
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    az = a[..., 2] if a.shape[-1] == 3 else None
    bz = b[..., 2] if b.shape[-1] == 3 else None
    # With a missing third component the terms that contain it vanish.
    cx = subtract(_mul(ay, bz), _mul(az, by))
    cy = subtract(_mul(az, bx), _mul(ax, bz))
    out = stack([cx, cy, z], axis=-1)
    return (
        transpose(out, _move_last_to(out.ndim, axisc))
        if normalize_axis(axisc, out.ndim) != out.ndim - 1
        else out
    )


def _mul(p: Any, q: Any) -> Any:
    if p is None or q is None:
        return 0.0
    return multiply(p, q)


def _vector_last(t: Tensor, ax: int, name: str) -> Tensor:
    ax = normalize_axis(ax, t.ndim)
    if t.shape[ax] not in (2, 3):
        raise ValueError(f"cross needs vectors of length 2 or 3 in `{name}`. Received: shape={t.shape}")
    perm = [i for i in range(t.ndim) if i != ax] + [ax]
    return transpose(t, perm)


def _move_last_to(ndim: int, dest: int) -> list[int]:
    dest = normalize_axis(dest, ndim)
    rest = list(range(ndim - 1))
    return rest[:dest] + [ndim - 1] + rest[dest:]


def cdist(x: Any, y: Any) -> Tensor:
    """Euclidean distances between the rows of x (..., m, d) and of y (..., n, d): (..., m, n).

    Composed of differences, squares and a sqrt (whose gradient is infinite at distance 0, as in Keras).

    Raises:
        ValueError: for rank < 2 or different last dimensions.
    """
    a, b = promote(x, y)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"cdist takes tensors of rank >= 2 with the same last dimension. Received: {a.shape} and {b.shape}"
        )
    diff = subtract(expand_dims(a, -2), expand_dims(b, -3))  # (..., m, 1, d) - (..., 1, n, d)
    return sqrt(sum(square(diff), axis=-1))


def correlate(x1: Any, x2: Any, mode: str = "valid") -> Tensor:
    """Cross-correlation of two 1-D tensors, c[k] = sum_n a[n + k] * v[n], as np.correlate.

    With a zero-padded by len(v) - 1 on both sides (a_p), the full correlation is
    c_full[j] = sum_n a_p[n + j] v[n]; the modes keep a slice of it. Backward, with g placed in that
    slice of zeros (g_full): dL/da_p[m] = sum_j g_full[j] v[m - j] = convolve(g_full, v)[m], and
    dL/dv[n] = sum_j g_full[j] a_p[n + j] = correlate(a_p, g_full, "valid")[n].

    Raises:
        ValueError: for inputs that are not 1-D or an unknown mode.
    """
    a, v = promote(x1, x2)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"correlate takes 1-D tensors. Received: shapes {a.shape} and {v.shape}")
    m, n = a.shape[0], v.shape[0]
    lo, hi = min(m, n), max(m, n)
    window = {"full": (0, m + n - 1), "valid": (lo - 1, hi), "same": ((lo - 1) // 2, (lo - 1) // 2 + hi)}
    if mode not in window:
        raise ValueError(f"Unknown mode. Expected one of {list(window)}. Received: mode={mode!r}")
    start, stop = window[mode]
    a_p = xp.pad(a.data, (n - 1, n - 1))
    full = xp.correlate(a_p, v.data, "valid")

    def backward(g):
        g_full = xp.zeros_like(full)
        g_full[start:stop] = g
        da = xp.convolve(g_full, v.data, "full")[n - 1 : n - 1 + m] if a.requires_grad else None
        dv = xp.correlate(a_p, g_full, "valid") if v.requires_grad else None
        return da, dv

    return record(full[start:stop], (a, v), backward)
