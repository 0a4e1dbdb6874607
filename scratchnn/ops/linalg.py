"""keras.ops.linalg: inverses, determinants, solves and factorizations of (batched) matrices.

Every op works on the last two axes, batched over the leading ones. Notation in the derivations:
A is the input (..., m, n), G the upstream gradient of an output, X^T the transpose of the last
two axes, and the VJP is derived from the differential of the output: if dY = f(dA), then
dL/dA is the matrix with <dL/dA, dA> = <G, f(dA)> for every dA.

Symmetric inputs (cholesky, eigh) follow JAX: only symmetric dA are considered, so their gradient
is symmetrized, sym(X) = (X + X^T) / 2. A finite-difference check therefore perturbs a symmetrized
matrix, as the tests do.
"""

from __future__ import annotations

import builtins
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.autodiff import jvp
from scratchnn.ops.axes import normalize_axes
from scratchnn.ops.math import abs, matmul, max, min, power, sqrt, square, sum
from scratchnn.ops.promotion import as_float, promote
from scratchnn.ops.shape import reshape, transpose
from scratchnn.ops.tensor import Tensor, record


def _t(a: Any) -> Any:
    return xp.swapaxes(a, -1, -2)


def _check_square(a: Tensor, name: str) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name} needs square matrices in the last two axes. Received: shape={a.shape}")


def _linalg_call(fn: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Runs a NumPy linalg routine; its LinAlgError becomes a ValueError naming the op (as Keras)."""
    try:
        return fn(*args, **kwargs)
    except xp.linalg.LinAlgError as e:
        raise ValueError(f"{name} failed: {e}.") from None


# -- inverse, determinant, solves ---------------------------------------------


def inv(x: Any) -> Tensor:
    """The matrix inverse B = A^-1. dB = -B dA B, so dL/dA = -B^T G B^T."""
    a = as_float(x)
    _check_square(a, "inv")
    b = _linalg_call(xp.linalg.inv, "inv", a.data)
    return record(b, (a,), lambda g: (-(_t(b) @ g @ _t(b)),))


def det(x: Any) -> Tensor:
    """The determinant d. By Jacobi's formula dd = d * tr(A^-1 dA), so dL/dA = g * d * A^-T.

    The backward inverts A: for a singular matrix it raises a ValueError instead of returning the
    (adjugate) gradient.
    """
    a = as_float(x)
    _check_square(a, "det")
    d = xp.linalg.det(a.data)

    def backward(g):
        return ((g * d)[..., None, None] * _t(_linalg_call(xp.linalg.inv, "det's gradient", a.data)),)

    return record(d, (a,), backward)


def slogdet(x: Any) -> tuple[Tensor, Tensor]:
    """(sign, log|det|) of the matrices. d log|det| = tr(A^-1 dA), so dL/dA = g * A^-T; the sign is
    piecewise constant (no gradient)."""
    a = as_float(x)
    _check_square(a, "slogdet")
    sign, logabs = xp.linalg.slogdet(a.data)

    def backward(g):
        return (g[..., None, None] * _t(_linalg_call(xp.linalg.inv, "slogdet's gradient", a.data)),)

    return Tensor(sign), record(logabs, (a,), backward)


def logdet(x: Any) -> Tensor:
    """log|det(A)| (the log-determinant of a positive-definite matrix); see `slogdet`."""
    return slogdet(x)[1]


def _as_matrix_rhs(a: Tensor, b: Tensor) -> tuple[Any, bool]:
    """b as (..., n, k); b is a single vector only when it is 1-D (NumPy 2's rule)."""
    vector = b.ndim == 1
    return (b.data[:, None] if vector else b.data), vector


def solve(a: Any, b: Any) -> Tensor:
    """X with A X = B (B: (..., n, k), or (n,) for one vector).

    dX = -A^-1 dA X + A^-1 dB, so dL/dB = A^-T G (a solve with A^T) and dL/dA = -(dL/dB) X^T.
    """
    ta, tb = promote(a, b, to_float=True)
    _check_square(ta, "solve")
    rhs, vector = _as_matrix_rhs(ta, tb)
    out = _linalg_call(xp.linalg.solve, "solve", ta.data, rhs)

    def backward(g):
        g2 = g[..., None] if vector else g
        db = xp.linalg.solve(_t(ta.data), g2)
        da = -(db @ _t(out))
        return da.reshape(ta.shape) if da.shape != ta.shape else da, (db[..., 0] if vector else db)

    return record(out[..., 0] if vector else out, (ta, tb), backward)


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Tensor:
    """X with T X = B for T the lower (lower=True) or upper triangle of A; the other triangle of A is
    not read. B is (..., n, k), or (..., n) for vectors (one axis fewer than A).

    As `solve` with T: dL/dB = T^-T G and dL/dT = -(dL/dB) X^T, kept on T's triangle only.
    """
    ta, tb = promote(a, b, to_float=True)
    _check_square(ta, "solve_triangular")
    mask = xp.tri(ta.shape[-1], dtype=bool)
    mask = mask if lower else mask.T
    tri = xp.where(mask, ta.data, 0)
    vector = tb.ndim == ta.ndim - 1
    rhs = tb.data[..., None] if vector else tb.data
    out = _linalg_call(xp.linalg.solve, "solve_triangular", tri, rhs)

    def backward(g):
        g2 = g[..., None] if vector else g
        db = xp.linalg.solve(_t(tri), g2)
        da = xp.where(mask, -(db @ _t(out)), 0)
        return da, (db[..., 0] if vector else db)

    return record(out[..., 0] if vector else out, (ta, tb), backward)


# -- factorizations -----------------------------------------------------------


def _phi(x: Any) -> Any:
    """The lower triangle with the diagonal halved."""
    return xp.tril(x) - 0.5 * (xp.eye(x.shape[-1], dtype=x.dtype) * x)


def cholesky(x: Any, upper: bool = False) -> Tensor:
    """L lower-triangular with A = L L^T (or U = L^T with upper=True), for symmetric positive-definite A.

    From dA = dL L^T + L dL^T: L^-1 dA L^-T = (L^-1 dL) + (L^-1 dL)^T with L^-1 dL lower triangular,
    so dL = L phi(L^-1 dA L^-T), phi = lower triangle with the diagonal halved. phi is self-adjoint,
    so dL/dA = sym(L^-T phi(L^T G) L^-1).

    Raises:
        ValueError: if a matrix is not positive definite.
    """
    a = as_float(x)
    _check_square(a, "cholesky")
    low = _linalg_call(xp.linalg.cholesky, "cholesky (the input might not be positive definite)", a.data)

    def backward(g):
        gl = _t(g) if upper else g
        inv_low = xp.linalg.inv(low)
        s = _t(inv_low) @ _phi(_t(low) @ gl) @ inv_low
        return ((s + _t(s)) / 2,)

    return record(_t(low).copy() if upper else low, (a,), backward)


def cholesky_inverse(x: Any, upper: bool = False) -> Tensor:
    """(L L^T)^-1 from a Cholesky factor L (or (U^T U)^-1 from U with upper=True).

    Composed of a triangular solve (L^-1) and a product, so the gradient flows through both.
    """
    factor = as_float(x)
    _check_square(factor, "cholesky_inverse")
    eye = xp.broadcast_to(xp.eye(factor.shape[-1], dtype=factor.data.dtype), factor.shape)
    inv_factor = solve_triangular(factor, eye, lower=not upper)
    swap = list(range(factor.ndim - 2)) + [factor.ndim - 1, factor.ndim - 2]
    if upper:
        return matmul(inv_factor, transpose(inv_factor, swap))
    return matmul(transpose(inv_factor, swap), inv_factor)


def qr(x: Any, mode: str = "reduced") -> tuple[Tensor, Tensor]:
    """Q R = A with Q orthonormal columns and R upper triangular.

    Gradient for mode="reduced" and m >= n (the tall and square cases), from dA = dQ R + Q dR with
    Q^T dQ antisymmetric and dR R^-1 upper triangular: with M = R G_R^T - G_Q^T Q,
    dL/dA = (G_Q + Q copyltu(M)) R^-T, copyltu(M) = tril(M, -1) + tril(M, -1)^T + diag(M).
    Other shapes and mode="complete" (whose extra columns of Q are not unique) are forward only.

    Raises:
        ValueError: for a mode other than "reduced" and "complete".
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode!r}")
    a = as_float(x)
    q, r = xp.linalg.qr(a.data, mode=mode)
    m, n = a.shape[-2:]

    def vjp(gq, gr):
        if mode != "reduced" or m < n:
            raise NotImplementedError(
                f"The gradient of qr is implemented for mode='reduced' with rows >= columns. "
                f"Received: mode={mode!r}, x.shape={a.shape}"
            )
        mat = r @ _t(gr) - _t(gq) @ q
        low = xp.tril(mat, -1)
        copyltu = low + _t(low) + xp.eye(n, dtype=mat.dtype) * mat
        b = gq + q @ copyltu
        # b R^-T = (R^-1 b^T)^T: one triangular solve.
        return (_t(xp.linalg.solve(r, _t(b))),)

    return (
        record(q, (a,), lambda g: vjp(g, xp.zeros_like(r))),
        record(r, (a,), lambda g: vjp(xp.zeros_like(q), g)),
    )


def _reciprocal_gaps(values: Any) -> Any:
    """F[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it (degenerate values give inf)."""
    gaps = values[..., None, :] - values[..., :, None]
    eye = xp.eye(values.shape[-1], dtype=bool)
    with xp.errstate(divide="ignore"):
        return xp.where(eye, 0, 1 / xp.where(eye, 1, gaps))


def eigh(x: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues w (ascending) and eigenvectors V (columns) of symmetric matrices: A = V diag(w) V^T.

    With F[i, j] = 1 / (w_j - w_i) (i != j): dL/dA = sym(V (diag(G_w) + F * (V^T G_V)) V^T), finite
    for distinct eigenvalues. Only the lower triangle of A is read.
    """
    a = as_float(x)
    _check_square(a, "eigh")
    w, v = xp.linalg.eigh(a.data)

    def vjp(gw, gv):
        inner = xp.zeros(v.shape, dtype=v.dtype) if gv is None else _reciprocal_gaps(w) * (_t(v) @ gv)
        if gw is not None:
            inner = inner + gw[..., None, :] * xp.eye(w.shape[-1], dtype=w.dtype)
        s = v @ inner @ _t(v)
        return ((s + _t(s)) / 2,)

    return record(w, (a,), lambda g: vjp(g, None)), record(v, (a,), lambda g: vjp(None, g))


def eig(x: Any) -> tuple[Tensor, Tensor]:
    """Eigenvalues and eigenvectors of general square matrices (complex in general).

    Forward only: the tape is real-valued, so eig's backward raises NotImplementedError; use `eigh`
    for symmetric matrices.
    """
    a = as_float(x)
    _check_square(a, "eig")
    w, v = xp.linalg.eig(a.data)

    def backward(g):
        raise NotImplementedError("The gradient of eig (complex eigenvectors) is not implemented; use eigh.")

    return record(w, (a,), backward), record(v, (a,), backward)


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """A = U diag(s) V^T: returns (u, s, vh), or s alone with compute_uv=False.

    Gradient (k = min(m, n), thin factors, F[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal):
    dL/dA = U [F * (U^T G_U - G_U^T U)] S V^T + (I - U U^T) G_U S^-1 V^T + U diag(G_s) V^T
            + U S [F * (V^T G_V - G_V^T V)] V^T + U S^-1 G_V^T (I - V V^T),
    finite for distinct non-zero singular values. With full_matrices=True and m != n the extra
    columns of U or V are not unique, and their gradient raises NotImplementedError.
    """
    a = as_float(x)
    if not compute_uv:
        u, s, vh = xp.linalg.svd(a.data, full_matrices=False)
        return record(xp.linalg.svd(a.data, compute_uv=False), (a,), lambda g: ((u * g[..., None, :]) @ vh,))
    u, s, vh = xp.linalg.svd(a.data, full_matrices=full_matrices)
    m, n = a.shape[-2:]
    k = builtins.min(m, n)
    thin_u, thin_v = u[..., :, :k], _t(vh)[..., :, :k]

    def vjp(gu, gs, gv):
        if (gu is not None or gv is not None) and full_matrices and m != n:
            raise NotImplementedError(
                "The gradient of svd's singular vectors needs full_matrices=False for non-square "
                f"matrices (the extra columns are not unique). Received: x.shape={a.shape}"
            )
        ut, vt = _t(thin_u), _t(thin_v)
        inner = xp.zeros(s.shape[:-1] + (k, k), dtype=s.dtype)
        if gs is not None:
            inner = inner + gs[..., None, :] * xp.eye(k, dtype=s.dtype)
        f = _reciprocal_gaps(s * s)
        out = 0
        if gu is not None:
            gu = gu[..., :, :k]
            inner = inner + (f * (ut @ gu - _t(gu) @ thin_u)) * s[..., None, :]
            out = out + ((gu - thin_u @ (ut @ gu)) / s[..., None, :]) @ vt
        if gv is not None:
            gv = gv[..., :, :k]
            inner = inner + s[..., :, None] * (f * (vt @ gv - _t(gv) @ thin_v))
            out = out + (thin_u / s[..., None, :]) @ (_t(gv) - (_t(gv) @ thin_v) @ vt)
        return (thin_u @ inner @ vt + out,)

    return (
        record(u, (a,), lambda g: vjp(g, None, None)),
        record(s, (a,), lambda g: vjp(None, g, None)),
        record(vh, (a,), lambda g: vjp(None, None, _t(g))),
    )


def lu_factor(x: Any) -> tuple[Tensor, Tensor]:
    """LU factorization with partial pivoting, in SciPy's packed form: (lu, piv int32).

    lu holds L's strict lower triangle (its diagonal is 1) and U; row i was swapped with row piv[i].
    Forward only (the backward raises NotImplementedError). A loop over the columns, vectorised
    over the batch.
    """
    a = as_float(x)
    _check_square(a, "lu_factor")
    lu = a.data.copy()
    n = lu.shape[-1]
    piv = xp.zeros(lu.shape[:-1], dtype="int32")
    flat = lu.reshape(-1, n, n)
    pflat = piv.reshape(-1, n)
    rows = xp.arange(flat.shape[0])
    for j in range(n):
        # Swap the row with the largest |entry| in column j into place, then eliminate below it.
        p = j + xp.argmax(xp.abs(flat[:, j:, j]), axis=1)
        pflat[:, j] = p
        top, chosen = flat[rows, j].copy(), flat[rows, p].copy()
        flat[rows, j], flat[rows, p] = chosen, top
        pivot = flat[:, j, j]
        safe = xp.where(pivot == 0, 1, pivot)
        flat[:, j + 1 :, j] /= safe[:, None]
        flat[:, j + 1 :, j + 1 :] -= flat[:, j + 1 :, j, None] * flat[:, j, None, j + 1 :]

    def backward(g):
        raise NotImplementedError("The gradient of lu_factor is not implemented.")

    return record(flat.reshape(lu.shape), (a,), backward), Tensor(pflat.reshape(piv.shape))


# -- pseudo-inverse and least squares -----------------------------------------


def pinv(x: Any, rcond: float | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse P = A^+ (singular values below rcond * max are dropped;
    default 10 * max(m, n) * eps, as JAX).

    For A of constant rank (Golub & Pereyra), with Pa = I - A P and Pb = I - P A:
    dL/dA = -P^T G P^T + Pa G^T P P^T + P^T P G^T Pb.
    """
    a = as_float(x)
    if a.ndim < 2:
        raise ValueError(f"pinv needs a tensor of rank >= 2. Received: x.shape={a.shape}")
    m, n = a.shape[-2:]
    cutoff = 10 * builtins.max(m, n) * xp.finfo(a.data.dtype).eps if rcond is None else rcond
    p = xp.linalg.pinv(a.data, rcond=cutoff)

    def backward(g):
        pa = xp.eye(m, dtype=p.dtype) - a.data @ p
        pb = xp.eye(n, dtype=p.dtype) - p @ a.data
        pt = _t(p)
        return (-(pt @ g @ pt) + pa @ _t(g) @ p @ pt + pt @ p @ _t(g) @ pb,)

    return record(p, (a,), backward)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> Tensor:
    """The least-squares solution X of A X = B (B: (m,) or (m, k)), as pinv(A) @ B.

    Composed of `pinv` and `matmul`, so gradients flow to A (full rank) and B.
    """
    ta, tb = promote(a, b, to_float=True)
    if tb.ndim == 1:
        return reshape(matmul(pinv(ta, rcond), reshape(tb, (-1, 1))), (-1,))
    return matmul(pinv(ta, rcond), tb)


def matrix_rank(x: Any, tol: float | None = None) -> Tensor:
    """The number of singular values above `tol` (default s_max * max(m, n) * eps), int32 as in Keras."""
    a = as_float(x)
    if a.ndim < 2:
        raise ValueError(f"matrix_rank needs a tensor of rank >= 2. Received: x.shape={a.shape}")
    return Tensor(xp.asarray(xp.linalg.matrix_rank(a.data, tol=tol), dtype="int32"))


# -- norms --------------------------------------------------------------------


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector or matrix norms, as np.linalg.norm, composed of differentiable ops.

    Vectors (one axis, or a 1-D x): ord None/2 Euclidean, inf/-inf max/min |x|, 0 the non-zero count,
    other p (sum |x|^p)^(1/p). Matrices (two axes, or a 2-D x with axis None): None/"fro"
    Frobenius, "nuc" the sum of singular values, 2/-2 the largest/smallest singular value, 1/-1
    max/min column sum of |x|, inf/-inf max/min row sum. axis None with ord None on any rank: the
    Euclidean norm of all entries.

    Raises:
        ValueError: for an ord that does not fit the number of axes.
    """
    t = as_float(x)
    if axis is None and ord is None:
        out = sqrt(sum(square(t)))
        return reshape(out, (1,) * t.ndim) if keepdims else out
    axes = normalize_axes(axis, t.ndim) if axis is not None else tuple(range(t.ndim))
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims)
    if len(axes) == 2:
        ax = (axes[0], axes[1]) if axis is None or isinstance(axis, int) else tuple(a % t.ndim for a in axis)
        return _matrix_norm(t, ord, ax, keepdims)
    raise ValueError(f"norm takes one or two axes with an `ord`. Received: ord={ord!r}, axis={axis}")


def _vector_norm(t: Tensor, ord: Any, ax: int, keepdims: bool) -> Tensor:  # noqa: A002
    if ord is None or ord == 2:
        return sqrt(sum(square(t), axis=ax, keepdims=keepdims))
    if ord == float("inf"):
        return max(abs(t), axis=ax, keepdims=keepdims)
    if ord == -float("inf"):
        return min(abs(t), axis=ax, keepdims=keepdims)
    if ord == 0:
        return Tensor(xp.sum(t.data != 0, axis=ax, keepdims=keepdims).astype(t.data.dtype))
    if isinstance(ord, str):
        raise ValueError(f"Invalid `ord` for a vector norm. Received: ord={ord!r}")
    return power(sum(power(abs(t), float(ord)), axis=ax, keepdims=keepdims), 1.0 / float(ord))


def _matrix_norm(t: Tensor, ord: Any, ax: tuple[int, int], keepdims: bool) -> Tensor:  # noqa: A002
    row, col = ax
    if ord is None or ord == "fro":
        return sqrt(sum(square(t), axis=ax, keepdims=keepdims))
    if ord in ("nuc", 2, -2):
        rest = [i for i in range(t.ndim) if i not in ax]
        moved = transpose(t, rest + [row, col])  # (..., m, n)
        s = svd(moved, compute_uv=False)
        out = sum(s, axis=-1) if ord == "nuc" else (max(s, axis=-1) if ord == 2 else min(s, axis=-1))
        if keepdims:
            shape = [1 if i in ax else n for i, n in enumerate(t.shape)]
            out = reshape(out, shape)
        return out
    reducers = {1: (row, max), -1: (row, min), float("inf"): (col, max), -float("inf"): (col, min)}
    if ord not in reducers:
        raise ValueError(f"Invalid `ord` for a matrix norm. Received: ord={ord!r}")
    summed_axis, reduce = reducers[ord]
    other = col if summed_axis == row else row
    sums = sum(abs(t), axis=summed_axis, keepdims=True)
    out = reduce(sums, axis=other, keepdims=True)
    return out if keepdims else reshape(out, [n for i, n in enumerate(out.shape) if i not in ax])


__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "jvp",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "solve",
    "solve_triangular",
    "svd",
]
