"""`tf.dtypes` and the `tf.float32`, `tf.int32`, ... names.

Each name is the NumPy dtype object, which compares equal to its string name, so
`x.dtype == tf.float32`, `tf.cast(x, tf.int64)` and `np.zeros(3, dtype=tf.float32)` all work
(scratchnn Tensors report their dtype as a string such as "float32").
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp

float16 = half = xp.dtype("float16")
float32 = xp.dtype("float32")
float64 = double = xp.dtype("float64")
int8 = xp.dtype("int8")
int16 = xp.dtype("int16")
int32 = xp.dtype("int32")
int64 = xp.dtype("int64")
uint8 = xp.dtype("uint8")
uint16 = xp.dtype("uint16")
uint32 = xp.dtype("uint32")
uint64 = xp.dtype("uint64")
bool = xp.dtype("bool")  # noqa: A001 - TensorFlow's name (tf.bool)
complex64 = xp.dtype("complex64")
complex128 = xp.dtype("complex128")


def as_dtype(type_value: Any) -> Any:
    """Converts a dtype name, NumPy dtype or NumPy scalar type to the dtype object (tf.as_dtype).

    Raises:
        TypeError: if `type_value` names no dtype.
    """
    try:
        return xp.dtype(backend.standardize_dtype(type_value))
    except TypeError:
        raise TypeError(
            f"Cannot convert the argument `type_value` to a dtype. Received: {type_value!r}"
        ) from None


__all__ = [
    "as_dtype",
    "bool",
    "complex64",
    "complex128",
    "double",
    "float16",
    "float32",
    "float64",
    "half",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
]
