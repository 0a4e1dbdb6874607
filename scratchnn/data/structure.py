"""The nesting rules of `tf.data` elements, and the conversion of their leaves to NumPy.

An element is a leaf (one array) or a tuple, namedtuple or dict of elements.
A **list is a leaf**: `tf.data` stacks it into one tensor (`from_tensor_slices([1, 2])`
is one int32 vector), so lists never nest here; a `map` function that returns a
list has it turned into a tuple first, as TensorFlow does
(tensorflow/python/data/ops/structured_function.py, `_should_pack`).

The pipeline is host-side by definition (it is what Keras calls the NumPy
iterator), so leaves are NumPy arrays; the trainer moves batches to the backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scratchnn.ops.tensor import Tensor
from scratchnn.utils import tree


def is_nested(x: Any) -> bool:
    """Whether `x` is a structure (tuple, namedtuple, dict) rather than a leaf."""
    return isinstance(x, (tuple, dict))


def _is_list(x: Any) -> bool:
    return isinstance(x, list)


# TensorFlow's nest rules over the one tree module: a list is a leaf, and dicts are walked in
# sorted key order, so two dicts with the same keys inserted in different orders give the same
# leaf order.
def flatten(structure: Any) -> list[Any]:
    """The leaves of `structure`, depth first, dict values in sorted key order."""
    return tree.flatten(structure, is_leaf=_is_list, sort_keys=True)


def map_structure(fn: Callable[..., Any], structure: Any, *others: Any) -> Any:
    """Applies `fn` to the leaves of `structure` (and the matching leaves of `others`)."""
    return tree.map_structure(fn, structure, *others, is_leaf=_is_list, sort_keys=True)


def pack_as(structure: Any, leaves: list[Any]) -> Any:
    """Inverse of `flatten`: puts `leaves` (in order) into the shape of `structure`."""
    return tree.pack_sequence_as(structure, leaves, is_leaf=_is_list, sort_keys=True)


def same_structure(a: Any, b: Any) -> bool:
    """Whether two elements nest the same way (types, lengths, dict keys)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return (
            isinstance(b, tuple)
            and len(a) == len(b)
            and hasattr(a, "_fields") == hasattr(b, "_fields")
            and all(same_structure(x, y) for x, y in zip(a, b))
        )
    return not isinstance(b, (tuple, dict))


def to_array(value: Any) -> Any:
    """One leaf -> a NumPy array (a NumPy scalar for rank 0), with TensorFlow's dtypes for Python values.

    NumPy arrays keep their dtype (float64 stays float64, as in TF); Tensors give
    their array. Python floats become float32 and Python ints int32 (int64 when
    they do not fit), which is what `tf.convert_to_tensor` makes of them. Rank-0
    values are NumPy scalars, like the rows of a vector and like TensorFlow's
    `as_numpy_iterator()`.
    """
    if isinstance(value, Tensor):
        value = np.asarray(value.data)
    if isinstance(value, np.ndarray):
        return value if value.ndim else value[()]
    if isinstance(value, np.generic):  # before the Python checks: np.float64 is a float subclass
        return value
    arr = np.asarray(value)
    if _python_native(value):  # pandas columns, lists of NumPy arrays: their dtype is kept
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype == np.int64 and (arr.size == 0 or (arr.min() >= -(2**31) and arr.max() < 2**31)):
            arr = arr.astype(np.int32)
    return arr if arr.ndim else arr[()]


def _python_native(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_python_native(v) for v in value)
    return isinstance(value, (bool, int, float, complex, str, bytes)) and not isinstance(value, np.generic)


def to_numpy_element(element: Any, list_is_tuple: bool = False) -> Any:
    """A user-given element with its leaves as arrays.

    Args:
        element: a leaf or a tuple/dict structure.
        list_is_tuple: read a top-level list as a tuple (what a `map` function
            or a generator returns) instead of as one array (what
            `from_tensor_slices` is given).
    """
    if list_is_tuple and isinstance(element, list):
        element = tuple(element)
    return map_structure(to_array, element)


def to_tensor_element(element: Any) -> Any:
    """NumPy leaves -> scratchnn Tensors, which is what TensorFlow code iterating a dataset expects."""
    return map_structure(lambda a: Tensor(np.asarray(a)), element)


def describe(element: Any) -> str:
    """A short text of an element's structure and shapes, for error messages."""
    return repr(map_structure(lambda a: f"array(shape={np.shape(a)}, dtype={np.asarray(a).dtype})", element))
