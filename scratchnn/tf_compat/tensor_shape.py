"""`tf.TensorShape`: a tuple of dimensions (ints, or None where unknown) with TensorFlow's methods."""

from __future__ import annotations

from typing import Any


class TensorShape(tuple):
    """A shape: `TensorShape([2, 3])`; compares equal to the tuple `(2, 3)`.

    Args:
        dims: an iterable of ints or None, or a single int for a 1-D shape.
    """

    def __new__(cls, dims: Any) -> TensorShape:
        if isinstance(dims, int):
            dims = (dims,)
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    def as_list(self) -> list[int | None]:
        return list(self)

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def num_elements(self) -> int | None:
        """The product of the dimensions, or None if one is unknown."""
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, key: Any) -> Any:
        item = super().__getitem__(key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"


__all__ = ["TensorShape"]
