"""Finite-difference gradient checks in float64.

`check_gradients(fn, inputs)` compares the tape's gradients of
L = sum(fn(*inputs) * upstream) (a random upstream gradient, not ones, so a
backward that ignores `g` fails) with central differences
(L(x + h) - L(x - h)) / 2h for every element of every input. It also checks
that the backward pass is linear in its seed (the VJP contract of `ops.record`,
which plain SGD's learning-rate seed relies on): seeding with 2.5 * upstream
must give 2.5 times the gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratchnn.ops.tensor import Tensor, Variable, gradient, no_grad


def _loss(fn: Callable[..., Any], tensors: Sequence[Tensor], upstream: np.ndarray) -> float:
    with no_grad():
        out = fn(*tensors)
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * upstream))


def numerical_gradient(
    fn: Callable[..., Any], tensors: Sequence[Tensor], upstream: np.ndarray, h: float = 1e-6
) -> list[np.ndarray]:
    """Central-difference gradient of sum(fn(*tensors) * upstream) for each tensor.

    Perturbs `tensor.data` in place one element at a time (the loop is over the
    elements of a small test input, never used in training).
    """
    grads = []
    for t in tensors:
        flat = t.data.reshape(-1)
        g = np.zeros(flat.size)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + h
            up = _loss(fn, tensors, upstream)
            flat[i] = orig - h
            down = _loss(fn, tensors, upstream)
            flat[i] = orig
            g[i] = (up - down) / (2 * h)
        grads.append(g.reshape(t.data.shape))
    return grads


def check_gradients(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    seed: int = 0,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    h: float = 1e-6,
) -> None:
    """Raises AssertionError when the tape gradient of `fn` disagrees with finite differences.

    Args:
        fn: maps Tensors to a Tensor (any shape).
        inputs: float64 arrays or Variables; each is checked.
        seed: seeds the random upstream gradient.
        rtol, atol: the test is |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|).
    """
    tensors = []
    for x in inputs:
        if isinstance(x, Tensor):
            x.requires_grad = True
            tensors.append(x)
        else:
            tensors.append(Variable(np.array(x, dtype=np.float64), dtype="float64", name="input"))
    for t in tensors:
        if t.data.dtype != np.float64:
            raise TypeError(f"check_gradients needs float64 inputs. Received: dtype={t.data.dtype}")
    upstream = None
    seeded = []
    for scale in (1.0, 2.5):
        out = fn(*tensors)
        if upstream is None:
            upstream = np.random.default_rng(seed).standard_normal(np.shape(out.data))
        seed_array = np.asarray(scale * upstream, dtype=out.data.dtype)
        seeded.append(gradient(out, tensors, output_gradient=seed_array))
    analytic = seeded[0]
    for i, (g1, g25) in enumerate(zip(*seeded)):
        if not np.allclose(
            np.asarray(g25, np.float64), 2.5 * np.asarray(g1, np.float64), rtol=1e-12, atol=1e-14
        ):
            raise AssertionError(
                f"the backward pass of input {i} is not linear in its seed: seeding with 2.5 * g did "
                "not give 2.5 times the gradient (ops.record requires a vector-Jacobian product)"
            )
    numeric = numerical_gradient(fn, tensors, upstream, h=h)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a = np.asarray(a, dtype=np.float64)
        err = np.abs(a - n)
        tol = atol + rtol * np.maximum(np.abs(a), np.abs(n))
        if np.any(err > tol):
            worst = int(np.argmax(err - tol))
            raise AssertionError(
                f"gradient of input {i} disagrees with finite differences: max abs error "
                f"{err.max():.3e} at flat index {worst} (analytic {a.reshape(-1)[worst]:.8e}, "
                f"numeric {n.reshape(-1)[worst]:.8e})"
            )
