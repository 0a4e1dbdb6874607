"""Control flow of keras.ops, run as plain Python over the tape: cond, switch, while_loop,
fori_loop, scan, map, vectorized_map, associative_scan, vectorize.

JAX traces these into compiled loops; scratchnn runs eagerly, so each is the Python loop or branch
it stands for, and gradients flow through whatever ops the user's functions record. Loops run
over the steps or the leading axis that the user asked to loop over (the ops inside stay
vectorised); `associative_scan` takes log2(n) vectorised steps.

Structures ("pytrees") of tensors are nested lists, tuples and dicts, as in Keras.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Sequence
from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.manipulation import broadcast_to
from scratchnn.ops.shape import concatenate, getitem, reshape, stack
from scratchnn.ops.tensor import Tensor, convert
from scratchnn.utils import tree

# -- structures ---------------------------------------------------------------


def _flatten(structure: Any) -> tuple[list[Any], Any]:
    """The leaves of a nested list/tuple/dict and the structure to rebuild it with (`_unflatten`).

    Dicts are walked in sorted key order (Keras's rule), so a loop body that returns its
    carry as a dict built in another order still pairs each leaf with its own.
    """
    return tree.flatten(structure, sort_keys=True), structure


def _unflatten(structure: Any, leaves: Sequence[Any]) -> Any:
    return tree.pack_sequence_as(structure, leaves, sort_keys=True)


def _leading_length(leaves: Sequence[Any], name: str) -> int:
    lengths = {convert(leaf).shape[0] for leaf in leaves if leaf is not None}
    if len(lengths) != 1:
        raise ValueError(
            f"Every tensor in `{name}` needs the same leading length. Received lengths {lengths}"
        )
    return lengths.pop()


def _stack_results(results: list[Any]) -> Any:
    """Stacks a list of equally structured results along a new leading axis."""
    flat = [_flatten(r) for r in results]
    spec = flat[0][1]
    columns = zip(*(f[0] for f in flat))
    return _unflatten(spec, [None if col[0] is None else stack(list(col), axis=0) for col in columns])


# -- branches -----------------------------------------------------------------


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """true_fn() if `pred` holds, else false_fn(); only the branch taken runs (and records)."""
    return true_fn() if bool(convert(pred).data) else false_fn()


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """branches[index](*operands), with the index clamped to the valid range (as lax.switch)."""
    if not branches:
        raise ValueError("switch needs at least one branch. Received: branches=[]")
    i = builtins.min(builtins.max(int(convert(index).data), 0), len(branches) - 1)
    return branches[i](*operands)


# -- loops ----------------------------------------------------------------------


def while_loop(
    cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, maximum_iterations: int | None = None
) -> Any:
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds (at most
    `maximum_iterations` times). A tuple or list of loop variables comes back as a tuple, a single
    one as itself (as Keras on JAX)."""
    is_sequence = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_sequence else (loop_vars,)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(convert(cond(*state)).data):
        out = body(*state)
        state = tuple(out) if is_sequence else (out,)
        steps += 1
    return state if is_sequence else state[0]


def fori_loop(lower: int, upper: int, body_fun: Callable[[int, Any], Any], init_val: Any) -> Any:
    """val = body_fun(i, val) for i in range(lower, upper); returns the final val."""
    val = init_val
    for i in range(int(convert(lower).data), int(convert(upper).data)):
        val = body_fun(i, val)
    return val


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: Any = 1,
) -> tuple[Any, Any]:
    """carry, y_i = f(carry, x_i) over the leading axis of `xs` (or `length` times with xs None).

    Returns:
        (final carry, the y_i stacked along a new leading axis, in the order of xs also with reverse).

    Raises:
        ValueError: if neither xs nor length gives the number of steps, or they disagree.
    """
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be a positive integer or a boolean. Received: unroll={unroll}")
    leaves, spec = _flatten(xs) if xs is not None else ([], None)
    n = _leading_length(leaves, "xs") if leaves else length
    if n is None or (length is not None and length != n):
        raise ValueError(f"scan needs `xs` or `length` (and they must agree). Received: length={length}")
    carry, ys = init, [None] * n
    for i in reversed(range(n)) if reverse else range(n):
        x = _unflatten(spec, [getitem(convert(leaf), i) for leaf in leaves]) if leaves else None
        carry, ys[i] = f(carry, x)
    if n == 0:
        return carry, None
    return carry, None if ys[0] is None else _stack_results(ys)


def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 - Keras's name
    """f applied to each slice of `xs` along its leading axis, the results stacked."""
    leaves, spec = _flatten(xs)
    n = _leading_length(leaves, "xs")
    return _stack_results(
        [f(_unflatten(spec, [getitem(convert(leaf), i) for leaf in leaves])) for i in range(n)]
    )


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """function applied to each slice of `elements` along the leading axis, results stacked (as
    jax.vmap(function)(elements)); a loop over that axis here."""
    return map(function, elements)


def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive prefix combination out_i = f(... f(f(e_0, e_1), e_2) ..., e_i) along `axis`, for an
    associative f that works on whole slices (batched along `axis`).

    Hillis-Steele: after the step with offset d, out_i combines the 2d elements ending at i, via
    out_i = f(out_{i-d}, out_i) for i >= d. log2(n) calls of f on whole tensors, no loop over i.
    With reverse=True the same scan runs from the end, as in JAX: out_i = f(... f(e_{n-1}, e_{n-2}) ..., e_i).
    """
    leaves, spec = _flatten(elems)
    ts = [convert(leaf) for leaf in leaves]
    ax = axis % ts[0].ndim
    n = ts[0].shape[ax]
    lead = (builtins.slice(None),) * ax

    def part(t: Tensor, lo: Any, hi: Any) -> Tensor:
        return getitem(t, lead + (builtins.slice(lo, hi),))

    if reverse:  # the forward scan on the reversed slices, reversed back at the end
        ts = [getitem(t, lead + (builtins.slice(None, None, -1),)) for t in ts]
    d = 1
    while d < n:
        earlier = _unflatten(spec, [part(t, None, n - d) for t in ts])
        later = _unflatten(spec, [part(t, d, None) for t in ts])
        combined, _ = _flatten(f(earlier, later))
        ts = [concatenate([part(t, None, d), convert(c)], axis=ax) for t, c in zip(ts, combined)]
        d *= 2
    if reverse:
        ts = [getitem(t, lead + (builtins.slice(None, None, -1),)) for t in ts]
    return _unflatten(spec, ts)


# -- vectorize ------------------------------------------------------------------

_CORE = re.compile(r"\(([^()]*)\)")


def _parse_signature(signature: str) -> tuple[list[list[str]], list[list[str]]]:
    """'(n),(n)->()' -> ([['n'], ['n']], [[]])."""
    inputs, arrow, outputs = signature.replace(" ", "").partition("->")
    if not arrow:
        raise ValueError(f"A vectorize signature needs '->'. Received: signature={signature!r}")

    def dims(part: str) -> list[list[str]]:
        return [[d for d in group.split(",") if d] for group in _CORE.findall(part)]

    return dims(inputs), dims(outputs)


def vectorize(pyfunc: Callable[..., Any], *, excluded: Any = None, signature: str | None = None) -> Callable:
    """A version of `pyfunc` that loops over the broadcast leading axes of its arguments (np.vectorize).

    Without `signature` pyfunc gets 0-d tensors; with one such as "(n),(n)->()" it gets the core
    axes named there. Arguments in `excluded` (positions or keyword names) are passed through.
    The loop runs in Python over the broadcast elements; gradients flow through pyfunc's ops.
    """
    excluded = set(excluded or ())
    core_in = _parse_signature(signature)[0] if signature else None

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        positions = [i for i in range(len(args)) if i not in excluded]
        ts = {i: convert(args[i]) for i in positions}
        cores = (
            {i: len(core_in[k]) for k, i in enumerate(positions)} if core_in else dict.fromkeys(positions, 0)
        )
        loop_shape = xp.broadcast_shapes(*(ts[i].shape[: ts[i].ndim - cores[i]] for i in positions))
        full = {i: broadcast_to(ts[i], loop_shape + ts[i].shape[ts[i].ndim - cores[i] :]) for i in positions}
        results = []
        for idx in xp.ndindex(*loop_shape):
            call = list(args)
            for i in positions:
                call[i] = getitem(full[i], idx) if idx else full[i]
            results.append(pyfunc(*call, **kwargs))
        if not loop_shape:
            return results[0]
        stacked = _stack_results(results)
        leaves, spec = _flatten(stacked)
        return _unflatten(spec, [reshape(leaf, loop_shape + leaf.shape[1:]) for leaf in leaves])

    return wrapped
