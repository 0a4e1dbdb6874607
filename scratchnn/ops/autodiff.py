"""User-defined gradients and forward-mode products on the reverse-mode tape: custom_gradient, jvp."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor, convert, gradient, no_grad, record


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Tensor]:
    """Decorates `f(*args) -> (output, grad_fn)` so that the tape uses `grad_fn` as its backward.

    `grad_fn(upstream)` receives dL/d(output) as a Tensor and returns one gradient per tensor
    argument of `f` (a single value when there is one), as in Keras and TensorFlow; Keras's
    `def grad(*args, upstream=None)` form works too. `f` runs without recording, so only `grad_fn`
    defines the gradient. It must be linear in `upstream` (the tape's contract, see `ops.record`).

    Example:
        >>> @custom_gradient
        ... def log1pexp(x):
        ...     e = ops.exp(x)
        ...     def grad(upstream):
        ...         return upstream * (1.0 - 1.0 / (1.0 + e))
        ...     return ops.log(1.0 + e), grad
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Tensor:
        with no_grad():
            output, grad_fn = f(*args, **kwargs)
        parents = tuple(a for a in args if isinstance(a, Tensor))

        def backward(g):
            with no_grad():
                grads = grad_fn(Tensor(g))
            grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
            if len(grads) != len(parents):
                raise ValueError(
                    f"The gradient function of {f.__name__} returned {len(grads)} gradients for "
                    f"{len(parents)} tensor arguments."
                )
            return [None if gr is None else convert(gr).data for gr in grads]

        return record(convert(output).data, parents, backward)

    return wrapper


def jvp(
    fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple[Any, ...]:
    """The Jacobian-vector product J(primals) @ tangents of `fun`, with fun's value.

    The tape is reverse-mode, so J @ t is assembled from one backward pass per output element:
    (J t)_i = <dout_i/dx, t>. That is exact and costs out.size backward passes, fine for the small
    functions jvp is used on, slow for large outputs.

    Args:
        fun: maps the primals (as Tensors) to a Tensor, or to (Tensor, aux) with has_aux.
        primals: the point, one array per argument of `fun`.
        tangents: the direction, shaped like `primals`.

    Returns:
        (primals_out, tangents_out), or (primals_out, tangents_out, aux) with has_aux.
    """
    inputs = [convert(p) for p in primals]
    ts = [convert(t).data for t in tangents]
    if len(ts) != len(inputs):
        raise ValueError(
            f"jvp needs one tangent per primal. Received: {len(inputs)} primals, {len(ts)} tangents"
        )
    # fun runs on copies, on a tape of its own, so the backward passes below stay inside jvp.
    xs = [Tensor(xp.array(x.data, copy=True), requires_grad=True) for x in inputs]
    result = fun(*xs)
    out, aux = result if has_aux else (result, None)
    out = convert(out)
    flat = xp.zeros(out.size, dtype=out.data.dtype)
    for i in range(out.size):
        seed = xp.zeros(out.size, dtype=out.data.dtype)
        seed[i] = 1
        grads = gradient(out, xs, seed.reshape(out.shape), retain_graph=True)
        flat[i] = sum(float(xp.sum(g * t)) for g, t in zip(grads, ts))

    # The value is differentiable in the primals: its VJP is one more backward pass over fun's
    # tape (kept for it). The tangent J(x) t would need second derivatives in x, which a
    # reverse-mode tape of first derivatives does not have: asking for them raises instead of
    # giving zeros.
    def value_backward(g):
        return gradient(out, xs, g, retain_graph=True)

    def tangent_backward(g):
        raise NotImplementedError(
            "ops.jvp: the gradient of the tangent output (a second derivative) is not supported; "
            "differentiate the primal output, or compute the product without jvp."
        )

    primal_out = record(out.data, tuple(inputs), value_backward)
    tangent_out = record(flat.reshape(out.shape), tuple(inputs), tangent_backward)
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)
