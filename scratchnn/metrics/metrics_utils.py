"""Array helpers shared by the metric families.

Metrics are never differentiated, so they work on backend arrays directly
(no tape): inputs are unwrapped from Tensors once, the arithmetic runs in
`xp`, and the state stays in Python floats or small arrays.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor

# Per-prefix counters behind `auto_name`, like Keras's `uniquify`
# (keras/src/utils/naming.py): "precision", "precision_1", ...
_NAME_COUNTS: defaultdict[str, int] = defaultdict(int)
_BOUNDARY = re.compile(r"(?<=.)(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])")


def to_snake_case(name: str) -> str:
    """Converts a class name to snake case as Keras does ("TopKCategoricalAccuracy" -> "top_k_...")."""
    name = re.sub(r"\W+", "", name)
    # A word boundary sits before a capitalised word ("...|Accuracy") and
    # between a lowercase letter and a capital ("Top|K"); digits do not start one.
    return _BOUNDARY.sub("_", name).lower()


def auto_name(class_name: str) -> str:
    """Returns a unique default name: the snake-cased class name, then `_1`, `_2`, ..."""
    prefix = to_snake_case(class_name)
    count = _NAME_COUNTS[prefix]
    _NAME_COUNTS[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset_name_counters() -> None:
    """Forgets the default names handed out so far (used by `clear_session`)."""
    _NAME_COUNTS.clear()


def to_array(x: Any, dtype: Any = None) -> Any:
    """Returns `x` (Tensor, backend array, NumPy array, list, number) as a backend array.

    A NumPy array also has a `.data` attribute (its buffer), so Tensors are
    recognised by type, not by `getattr(x, "data")`. No copy is made when `x`
    already is an array of the requested dtype.
    """
    if isinstance(x, Tensor):
        x = x.data
    if type(x) is xp.ndarray and (dtype is None or x.dtype == dtype):
        return x
    return backend.asarray(x, dtype=dtype)


def to_float_array(x: Any) -> Any:
    """Like `to_array`, and casts non-float values (ints, bools) to `floatx()`."""
    x = to_array(x)
    if x.dtype.kind != "f":
        x = x.astype(backend.floatx())
    return x


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Aligns two arrays whose ranks differ by one through a trailing axis of size 1.

    Follows `squeeze_or_expand_to_same_rank` in keras/src/losses/loss.py: the
    higher-rank array loses its trailing 1, except that a rank-1 partner is
    expanded to (N, 1) instead when `expand_rank_1` is True.
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[:, None]
        else:
            x1 = x1.reshape(x1.shape[:-1])
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[:, None]
        else:
            x2 = x2.reshape(x2.shape[:-1])
    return x1, x2


def divide_no_nan(a: Any, b: Any) -> Any:
    """Elementwise `a / b`, with 0 wherever `b == 0` (Keras's `ops.divide_no_nan`)."""
    safe = xp.where(b == 0, 1.0, b)
    return xp.where(b == 0, 0.0, a / safe)


def result_tensor(value: Any, dtype: str) -> Tensor:
    """Wraps a metric value (Python float or array) as a Tensor of the metric's dtype."""
    return Tensor(xp.asarray(value, dtype=dtype))
