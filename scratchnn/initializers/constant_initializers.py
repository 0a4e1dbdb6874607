"""Deterministic initializers: Zeros, Ones, Constant and Identity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.initializers.initializer import Initializer, standardize_shape


class Zeros(Initializer):
    """Initializer that generates arrays of zeros.

    Example:
        >>> Zeros()((2, 3)).shape
        (2, 3)
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns zeros of `shape` in `dtype` (default `floatx()`; any numeric or bool dtype)."""
        return xp.zeros(standardize_shape(shape), dtype=backend.standardize_dtype(dtype))


class Ones(Initializer):
    """Initializer that generates arrays of ones.

    Example:
        >>> Ones()((2,))
        array([1., 1.], dtype=float32)
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns ones of `shape` in `dtype` (default `floatx()`; any numeric or bool dtype)."""
        return xp.ones(standardize_shape(shape), dtype=backend.standardize_dtype(dtype))


class Constant(Initializer):
    """Initializer that fills arrays with a constant value.

    Args:
        value: a Python scalar (default 0.0), cast to the requested dtype. An
            array-like that broadcasts to the requested shape is also accepted.

    Example:
        >>> Constant(3.0)((2, 2))
        array([[3., 3.],
               [3., 3.]], dtype=float32)
    """

    def __init__(self, value: Any = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns `value` broadcast to `shape`, in `dtype` (default `floatx()`)."""
        dtype = backend.standardize_dtype(dtype)
        value = backend.asarray(self.value, dtype=dtype)
        return xp.broadcast_to(value, standardize_shape(shape)).copy()

    def get_config(self) -> dict[str, Any]:
        value = self.value
        if hasattr(value, "tolist"):  # NumPy scalars and arrays -> JSON-safe Python values
            value = backend.to_numpy(value).tolist()
        return {"value": value}


class Identity(Initializer):
    """Initializer that generates the (possibly rectangular) identity matrix.

    `out[i, j] = gain if i == j else 0` for a 2-D shape `(rows, cols)`.

    Args:
        gain: multiplicative factor applied to the identity (default 1.0).

    Raises:
        ValueError: when called with a shape that is not 2-D.

    Example:
        >>> Identity(gain=2.0)((2, 3))
        array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> Any:
        """Returns the `(rows, cols)` identity times `gain`, in `dtype` (default `floatx()`)."""
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity can only initialize 2-D matrices. Received: shape={shape} of rank {len(shape)}."
            )
        dtype = backend.standardize_dtype(dtype)
        return (self.gain * xp.eye(shape[0], shape[1], dtype=dtype)).astype(dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}
