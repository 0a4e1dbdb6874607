"""Merge layers: combine a list of tensors into one (keras/src/layers/merging/).

`Concatenate` joins along an axis; `Add`, `Subtract`, `Multiply`, `Average`,
`Maximum` and `Minimum` combine elementwise (with broadcasting); `Dot` takes
batched dot products. Each has a functional twin (`concatenate([a, b])`).
Gradients come from the ops, so no layer needs a hand-written backward.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

from scratchnn import ops
from scratchnn.layers.layer import Layer
from scratchnn.layers.merging_masks import concatenate_mask, masked_extremum, or_mask


class Merge(Layer):
    """Base of the elementwise merge layers: checks that the input is a list of tensors."""

    _min_inputs = 2
    _max_inputs: int | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs: Any) -> list[Any]:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            raise ValueError(
                f"A {type(self).__name__} layer should be called on a list of at least {self._min_inputs} "
                f"inputs. Received: inputs={inputs!r}"
            )
        if self._max_inputs is not None and len(inputs) > self._max_inputs:
            raise ValueError(
                f"A {type(self).__name__} layer should be called on exactly {self._max_inputs} inputs. "
                f"Received: {len(inputs)} inputs"
            )
        return list(inputs)

    def _merge(self, tensors: list[Any]) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        return self._merge(self._check(inputs))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The OR of the input masks (None when some input has none), as Keras."""
        return or_mask(self, inputs, mask)


class Add(Merge):
    """Sums a list of tensors of the same (broadcastable) shape: `x1 + x2 + ...`."""

    def _merge(self, tensors: list[Any]) -> Any:
        return reduce(ops.add, tensors)


class Subtract(Merge):
    """Subtracts the second of exactly two tensors from the first: `x1 - x2`."""

    _max_inputs = 2

    def _merge(self, tensors: list[Any]) -> Any:
        return ops.subtract(tensors[0], tensors[1])


class Multiply(Merge):
    """Elementwise product of a list of tensors: `x1 * x2 * ...`."""

    def _merge(self, tensors: list[Any]) -> Any:
        return reduce(ops.multiply, tensors)


class Average(Merge):
    """Elementwise mean of a list of tensors: `(x1 + ... + xn) / n`."""

    def _merge(self, tensors: list[Any]) -> Any:
        return ops.divide(reduce(ops.add, tensors), float(len(tensors)))


class Maximum(Merge):
    """Elementwise maximum of a list of tensors; with masks, masked timesteps do not compete."""

    def call(self, inputs: Any, mask: Any = None) -> Any:
        return masked_extremum(ops.maximum, self._check(inputs), mask)


class Minimum(Merge):
    """Elementwise minimum of a list of tensors; with masks, masked timesteps do not compete."""

    def call(self, inputs: Any, mask: Any = None) -> Any:
        return masked_extremum(ops.minimum, self._check(inputs), mask)


class Concatenate(Merge):
    """Joins a list of tensors along `axis`; the other axes must agree.

    Args:
        axis: the axis to join along. Defaults to -1.

    Shapes: (N, a, ...) and (N, b, ...) along axis 1 give (N, a + b, ...).
    """

    _min_inputs = 1

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise TypeError(f"Concatenate: `axis` must be an int. Received: axis={axis!r}")
        self.axis = axis

    def _merge(self, tensors: list[Any]) -> Any:
        return ops.concatenate(tensors, axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return concatenate_mask(self, inputs, mask, self.axis)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x: Any, axis: int) -> Any:
    # Clipping the squared norm at 1e-12 keeps an all-zero row finite (as Keras's normalize).
    norm2 = ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12)
    return ops.divide(x, ops.sqrt(norm2))


class Dot(Merge):
    """Batched dot product of two tensors along `axes`.

    Args:
        axes: int, or a pair (axis of x1, axis of x2), counted with the
            batch axis as 0.
        normalize: L2-normalize both inputs along `axes` first, so the result
            is the cosine similarity.

    Shapes: (N, d) . (N, d) with axes=1 gives (N, 1); (N, n, m) . (N, m, k)
    with axes=(2, 1) gives (N, n, k).
    """

    _max_inputs = 2

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes_pair = (axes, axes)
        elif isinstance(axes, (list, tuple)) and len(axes) == 2 and all(isinstance(a, int) for a in axes):
            axes_pair = tuple(axes)
        else:
            raise TypeError(f"Dot: `axes` must be an int or a pair of ints. Received: axes={axes!r}")
        self.axes = axes
        self._axes_pair = axes_pair
        self.normalize = normalize

    def _merge(self, tensors: list[Any]) -> Any:
        x, y = tensors
        if x.ndim not in (2, 3) or y.ndim not in (2, 3):
            raise ValueError(
                f"Dot supports inputs of rank 2 or 3. Received: shapes={tuple(x.shape)}, {tuple(y.shape)}"
            )
        ax = self._axes_pair[0] % x.ndim
        ay = self._axes_pair[1] % y.ndim
        if self.normalize:
            x, y = _l2_normalize(x, ax), _l2_normalize(y, ay)
        # Move the contracted axis of x last and that of y to position 1, then matmul:
        # (N, n, d) @ (N, d, k) -> (N, n, k); a rank-2 input gets a unit axis first.
        x3 = ops.expand_dims(x, 1) if x.ndim == 2 else (x if ax == 2 else ops.transpose(x, (0, 2, 1)))
        y3 = ops.expand_dims(y, 2) if y.ndim == 2 else (y if ay == 1 else ops.transpose(y, (0, 2, 1)))
        out = ops.matmul(x3, y3)
        if x.ndim == 2 and y.ndim == 2:
            return ops.reshape(out, (-1, 1))  # (N, 1, 1) -> (N, 1)
        if x.ndim == 2:
            return ops.squeeze(out, 1)
        if y.ndim == 2:
            return ops.squeeze(out, 2)
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None  # a dot product has no timesteps left to mask (Keras)

    def get_config(self) -> dict[str, Any]:
        axes = list(self.axes) if isinstance(self.axes, tuple) else self.axes
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def add(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of `Add`: `add([x1, x2])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of `Subtract`: `subtract([x1, x2])`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list[Any], **kwargs: Any) -> Any:
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of `Concatenate`: `concatenate([x1, x2], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list[Any], axes: Any = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """Functional form of `Dot`: `dot([x1, x2], axes=1)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
