"""Keras's dtype rules for the ops of keras.ops that NumPy types differently.

Keras 3 promotes dtypes on the lattice of keras/src/backend/common/dtypes.py (JAX's lattice):

- an op that returns floats (sin, log2, arctan2, ...) gives a float input's own dtype and
  `floatx()` for integer and boolean inputs, where NumPy gives float64 (`float_dtype`);
- an integer meets a float at that float (int32 + float32 -> float32; NumPy: float64);
- a Python number is "weak": it takes the dtype of the tensor it meets (int32 * 2 -> int32,
  int32 * 2.5 -> floatx(), float16 + 1.0 -> float16).

One rule of that file is not followed: on the JAX backend Keras narrows every 64-bit result to
32 bits (BIT64_TO_BIT32_DTYPE), a JAX device default. scratchnn keeps float64 and int64, as Keras
does on the TensorFlow backend, so that float64 gradient checks stay float64.
"""

from __future__ import annotations

import builtins
from typing import Any

from scratchnn import backend
from scratchnn.ops.math import cast
from scratchnn.ops.tensor import Tensor, convert

# The strength order of the float dtypes; float16 and bfloat16 meet at float32.
_FLOAT_RANK = {"float16": 1, "bfloat16": 1, "float32": 2, "float64": 3}


def float_dtype(dtype: Any) -> str:
    """The dtype of a float-valued op on an input of `dtype`: floats keep theirs, the rest floatx()."""
    name = backend.standardize_dtype(dtype)
    return name if name in _FLOAT_RANK else backend.floatx()


def _join_floats(names: list[str]) -> str:
    if len(set(names)) == 1:
        return names[0]
    best = builtins.max(names, key=lambda n: _FLOAT_RANK[n])
    return "float32" if best in ("float16", "bfloat16") else best


def result_type(*dtypes: Any) -> str:
    """Keras's result_type over dtypes (strings, NumPy dtypes, or the Python types int/float/bool).

    Python types are weak: they only decide the kind (a weak float turns integers into floatx()).
    """
    strong = [backend.standardize_dtype(d) for d in dtypes if d not in (int, float, bool)]
    weak_float = float in dtypes
    floats = [d for d in strong if d in _FLOAT_RANK]
    if floats:
        return _join_floats(floats)
    if weak_float:
        return backend.floatx()
    if int in dtypes and all(d == "bool" for d in strong):
        return "int64"  # scratchnn's default integer (convert(2) is int64)
    if not strong:
        return "bool"
    # Integers and booleans follow NumPy's table, which is the lattice's for these kinds.
    return backend.standardize_dtype(backend.backend_module().result_type(*strong))


def _weak_type(x: Any) -> Any:
    if isinstance(x, builtins.bool):
        return bool
    if isinstance(x, int):
        return int
    if isinstance(x, float):
        return float
    return None


def as_float(x: Any) -> Tensor:
    """x as a Tensor of `float_dtype(x.dtype)`; the cast is on the tape, so gradients flow."""
    t = convert(x)
    return cast(t, float_dtype(t.dtype))


def promote(*xs: Any, to_float: bool = False) -> list[Tensor]:
    """Converts the operands of an elementwise op and casts them to their Keras result type.

    Args:
        xs: Tensors, arrays or Python numbers (numbers are weak, see the module docstring).
        to_float: join a weak float too, as Keras does for ops that return floats
            (`result_type(x1.dtype, x2.dtype, float)` in keras/src/backend/jax/numpy.py).

    Returns:
        One Tensor per operand, all of the result dtype (casts are on the tape).
    """
    kinds = []
    for x in xs:
        weak = _weak_type(x)
        kinds.append(weak if weak is not None else convert(x).dtype)
    if to_float:
        kinds.append(float)
    dtype = result_type(*kinds)
    return [cast(convert(x, dtype=dtype) if _weak_type(x) else convert(x), dtype) for x in xs]


def integer_accumulator(dtype: Any) -> Any:
    """The dtype Keras gives products and cumulative sums of integers: int32 and int64 keep
    theirs, narrower ints and booleans widen to (u)int32 (NumPy would widen everything to 64 bits)."""
    name = str(dtype)
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name
