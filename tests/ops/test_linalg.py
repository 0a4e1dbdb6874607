"""keras.ops.linalg (ops/linalg.py): gradients (finite differences, and JAX's for the
factorizations, whose conventions matter), Keras parity, and clear errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from keras import ops as kops

from scratchnn import ops
from scratchnn.testing import check_gradients
from tests.ops.parity import assert_matches, keras_result


def _spd(m, ops_module):
    """A symmetric positive-definite matrix from any square m (so perturbing m stays valid)."""
    n = m.shape[-1]
    sym = ops_module.matmul(m, ops_module.swapaxes(m, -1, -2))
    return ops_module.add(sym, n * np.eye(n, dtype=m.dtype))


def _well_conditioned(rng, shape):
    return (
        rng.standard_normal(shape) + 3 * np.eye(shape[-1])
        if shape[-1] == shape[-2]
        else rng.standard_normal(shape)
    )


# name -> (call on (module, a), matrix shape, differentiable)
LINALG = {
    "inv": (lambda m, a: m.linalg.inv(a), (3, 3), True),
    "inv_batched": (lambda m, a: m.inv(a), (2, 3, 3), True),
    "det": (lambda m, a: m.det(a), (2, 3, 3), True),
    "slogdet_logabs": (lambda m, a: m.slogdet(a)[1], (3, 3), True),
    "slogdet_sign": (lambda m, a: m.slogdet(a)[0], (3, 3), False),
    "logdet": (lambda m, a: m.logdet(_spd(a, m)), (3, 3), True),
    "cholesky": (lambda m, a: m.cholesky(_spd(a, m)), (3, 3), True),
    "cholesky_upper": (lambda m, a: m.linalg.cholesky(_spd(a, m), upper=True), (2, 3, 3), True),
    "cholesky_inverse": (lambda m, a: m.cholesky_inverse(m.cholesky(_spd(a, m))), (3, 3), True),
    "cholesky_inverse_upper": (
        lambda m, a: m.cholesky_inverse(m.cholesky(_spd(a, m), upper=True), upper=True),
        (3, 3),
        True,
    ),
    "qr_q": (lambda m, a: m.qr(a)[0], (4, 3), True),
    "qr_r": (lambda m, a: m.qr(a)[1], (2, 3, 3), True),
    "eigh_values": (lambda m, a: m.eigh(_spd(a, m))[0], (3, 3), True),
    "svd_values": (lambda m, a: m.svd(a, compute_uv=False), (4, 3), True),
    "svd_values_wide": (lambda m, a: m.svd(a, compute_uv=False), (2, 5), True),
    "pinv": (lambda m, a: m.pinv(a), (4, 3), True),
    "pinv_wide": (lambda m, a: m.pinv(a), (2, 5), True),
    "norm_fro": (lambda m, a: m.norm(a), (3, 4), True),
    "norm_nuc": (lambda m, a: m.norm(a, ord="nuc"), (3, 4), True),
    "norm_2": (lambda m, a: m.norm(a, ord=2), (3, 4), True),
    "norm_minus_2": (lambda m, a: m.norm(a, ord=-2), (3, 4), True),
    "norm_1": (lambda m, a: m.norm(a, ord=1, axis=(0, 1)), (3, 4), True),
    "norm_inf": (lambda m, a: m.norm(a, ord=np.inf, keepdims=True), (3, 4), True),
    "norm_vector_3": (lambda m, a: m.norm(a, ord=3, axis=1), (3, 4), True),
    "norm_vector_inf": (lambda m, a: m.norm(a, ord=-np.inf, axis=0), (3, 4), True),
    "norm_vector_1": (lambda m, a: m.linalg.norm(a, ord=1, axis=-1, keepdims=True), (3, 4), True),
    "norm_batched": (lambda m, a: m.norm(a, axis=(1, 2)), (2, 3, 4), True),
    "norm_all": (lambda m, a: m.norm(a), (2, 3, 4), True),
    "matrix_rank": (lambda m, a: m.matrix_rank(a), (3, 4), False),
}


@pytest.mark.parametrize("name", sorted(n for n, v in LINALG.items() if v[2]))
def test_linalg_gradient(name, rng):
    fn, shape, _ = LINALG[name]
    check_gradients(lambda a: fn(ops, a), [_well_conditioned(rng, shape)])


@pytest.mark.parametrize("name", sorted(LINALG))
@pytest.mark.parametrize("x64", [False, True])
def test_linalg_matches_keras(name, x64, rng):
    fn, shape, _ = LINALG[name]
    a = _well_conditioned(rng, shape).astype("float64" if x64 else "float32")
    theirs = keras_result(lambda t: fn(kops, t), a, x64=x64)
    assert_matches(fn(ops, a), theirs, rtol=1e-6 if x64 else 2e-5, atol=1e-5, float64=x64)


def test_cholesky_inverse_is_the_inverse(rng):
    a = _spd(rng.standard_normal((3, 3)), np)
    low = np.linalg.cholesky(a)
    np.testing.assert_allclose(ops.cholesky_inverse(low).numpy(), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(ops.cholesky_inverse(low.T, upper=True).numpy(), np.linalg.inv(a), rtol=1e-10)


@pytest.mark.parametrize(
    "name,call,shapes",
    [
        ("solve_matrix", lambda m, a, b: m.solve(a, b), [(3, 3), (3, 2)]),
        ("solve_vector", lambda m, a, b: m.solve(a, b), [(3, 3), (3,)]),
        ("solve_batched", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 3, 4)]),
        ("solve_triangular_lower", lambda m, a, b: m.solve_triangular(a, b, lower=True), [(3, 3), (3, 2)]),
        ("solve_triangular_upper", lambda m, a, b: m.solve_triangular(a, b), [(3, 3), (3,)]),
        ("lstsq", lambda m, a, b: m.lstsq(a, b), [(5, 3), (5, 2)]),
        ("lstsq_vector", lambda m, a, b: m.lstsq(a, b), [(5, 3), (5,)]),
    ],
)
def test_solves(name, call, shapes, rng):
    a, b = _well_conditioned(rng, shapes[0]), rng.standard_normal(shapes[1])
    check_gradients(lambda p, q: call(ops, p, q), [a, b])
    assert_matches(call(ops, a, b), keras_result(lambda p, q: call(kops, p, q), a, b, x64=True), float64=True)
    a32, b32 = a.astype("float32"), b.astype("float32")
    assert_matches(call(ops, a32, b32), keras_result(lambda p, q: call(kops, p, q), a32, b32), atol=1e-5)


def test_solve_triangular_reads_one_triangle(rng):
    a, b = _well_conditioned(rng, (3, 3)), rng.standard_normal((3, 1))
    noisy = a + np.triu(rng.standard_normal((3, 3)), 1)  # changes only the unused upper triangle
    np.testing.assert_allclose(ops.solve_triangular(noisy, b, lower=True).numpy(),
                               ops.solve_triangular(a, b, lower=True).numpy())  # fmt: skip


def _jax_vjp(fn, a, g):
    def plain(x):  # jax's named result tuples (EighResult, ...) as plain tuples
        out = fn(x)
        return tuple(out) if isinstance(out, tuple) else out

    _, pullback = jax.vjp(plain, jnp.asarray(a))
    return np.asarray(
        pullback(tuple(jnp.asarray(x) for x in g) if isinstance(g, tuple) else jnp.asarray(g))[0]
    )


@pytest.mark.parametrize(
    "name,ours,theirs,symmetric,shape",
    [
        ("cholesky", lambda a: ops.cholesky(a), jnp.linalg.cholesky, True, (3, 3)),
        ("eigh", lambda a: ops.eigh(a), jnp.linalg.eigh, True, (3, 3)),
        ("qr", lambda a: ops.qr(a), jnp.linalg.qr, False, (4, 3)),
        ("svd", lambda a: ops.svd(a, full_matrices=False), lambda a: jnp.linalg.svd(a, full_matrices=False), False,
         (4, 3)),
        ("svd_wide", lambda a: ops.svd(a, full_matrices=False),
         lambda a: jnp.linalg.svd(a, full_matrices=False), False, (3, 5)),
        ("svd_square", lambda a: ops.svd(a), jnp.linalg.svd, False, (3, 3)),
    ],
)  # fmt: skip
def test_factorization_gradients_match_jax(name, ours, theirs, symmetric, shape, rng):
    """Vector-Jacobian products of every output at once, against jax.vjp in float64."""
    a = rng.standard_normal(shape)
    a = a @ a.T + shape[0] * np.eye(shape[0]) if symmetric else a
    v = ops.Variable(a, dtype="float64")
    outs = ours(v)
    outs = outs if isinstance(outs, tuple) else (outs,)
    seeds = tuple(rng.standard_normal(o.shape) for o in outs)
    loss = ops.sum(ops.stack([ops.sum(o * s) for o, s in zip(outs, seeds)]))
    (mine,) = ops.gradient(loss, [v])
    with jax.enable_x64(True):
        ref_outs = theirs(jnp.asarray(a))
        for o, r in zip(outs, ref_outs if isinstance(ref_outs, tuple) else (ref_outs,)):
            np.testing.assert_allclose(o.numpy(), np.asarray(r), atol=1e-10)
        expected = _jax_vjp(theirs, a, seeds if len(seeds) > 1 else seeds[0])
    np.testing.assert_allclose(mine, expected, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "fn,shape",
    [
        (lambda a: ops.cholesky(_spd(a, ops)), (3, 3)),
        (lambda a: ops.eigh(_spd(a, ops))[1] ** 2, (3, 3)),  # squared: an eigenvector's sign is arbitrary
        (lambda a: ops.svd(a, full_matrices=False)[0] ** 2, (4, 3)),
        (lambda a: ops.svd(a, full_matrices=False)[2] ** 2, (2, 4)),
        (lambda a: ops.qr(a)[0], (4, 3)),
    ],
)
def test_factor_gradients_match_finite_differences(fn, shape, rng):
    check_gradients(fn, [rng.standard_normal(shape)])


def test_forward_only_gradients_raise_clearly(rng):
    a = ops.Variable(rng.standard_normal((3, 3)), dtype="float64")
    for out, name in [(ops.eig(a)[0], "eig"), (ops.lu_factor(a)[0], "lu_factor"), (ops.qr(a, mode="complete")[0], "qr"),
                      (ops.svd(ops.Variable(rng.standard_normal((4, 3)), dtype="float64"))[0], "svd")]:  # fmt: skip
        with pytest.raises(NotImplementedError, match=name):
            ops.gradient(ops.sum(ops.real(out) if out.data.dtype.kind != "c" else out), [a])


def test_eig_and_lu_factor_forward_match_keras(rng):
    a = _well_conditioned(rng, (3, 3)).astype("float32")
    w, _ = ops.eig(a)
    np.testing.assert_allclose(
        np.sort_complex(w.numpy()), np.sort_complex(np.asarray(kops.eig(a)[0])), rtol=1e-5
    )
    lu, piv = ops.lu_factor(a)
    assert_matches((lu, piv), keras_result(kops.lu_factor, a), atol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="square"):
        ops.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match="positive definite"):
        ops.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match="ord"):
        ops.norm(np.ones((2, 2)), ord="bad")
