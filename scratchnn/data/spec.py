"""`element_spec`'s TensorSpec and `cardinality()`'s return value."""

from __future__ import annotations

from typing import Any

import numpy as np


class TensorSpec:
    """The shape and dtype of one component of a dataset's elements.

    Args:
        shape: tuple of ints, with None for a dimension that varies (a batch
            dimension without `drop_remainder`).
        dtype: dtype name, e.g. "float32".
        name: optional name.
    """

    def __init__(self, shape: Any, dtype: Any = "float32", name: str | None = None) -> None:
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
        self.name = name

    @classmethod
    def of(cls, value: Any) -> TensorSpec:
        """The spec of one element's component `value`."""
        arr = np.asarray(value)
        return cls(arr.shape, arr.dtype.name)

    def batched(self, batch_size: int | None) -> TensorSpec:
        """The spec of a batch of these (`batch_size` None when the last batch may be smaller)."""
        return TensorSpec(None if self.shape is None else (batch_size, *self.shape), self.dtype, self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape,
            other.dtype,
            other.name,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype}, name={self.name})"


class Cardinality(np.int64):
    """An int64 that, like the scalar tensor TensorFlow returns, also has `.numpy()`.

    So `ds.cardinality() == tf.data.INFINITE_CARDINALITY`, `int(...)`,
    `ds.take(n // 5)` and `ds.cardinality().numpy()` all work.
    """

    def numpy(self) -> np.int64:
        return np.int64(self)

    def __repr__(self) -> str:
        return f"<Cardinality: {int(self)}>"
