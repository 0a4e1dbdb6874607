"""Permute, RepeatVector and the 1-D reshaping layers UpSampling1D, ZeroPadding1D, Cropping1D
(keras/src/layers/reshaping/).

The 1-D layers and RepeatVector reuse the 2-D spatial ops (scratchnn/ops/spatial.py) on a
view with a width of 1: (N, L, C) -> (N, L, 1, C), so their backward passes are those ops'.
"""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.layer import Layer
from scratchnn.layers.zero_padding import check_channels_last
from scratchnn.ops.spatial import crop2d, upsample_nearest2d, zero_pad2d


def _check_rank(layer: Layer, inputs: Any, rank: int) -> None:
    if inputs.ndim != rank:
        raise ValueError(
            f"Input 0 of layer {layer.name!r} is incompatible with the layer: expected ndim={rank}, "
            f"found ndim={inputs.ndim}. Full shape received: {tuple(inputs.shape)}"
        )


def _positive_int(layer: Layer, value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(
            f"Layer {layer.name!r}: expected an integer value for `{name}`. Received: {name}={value!r}"
        )
    if value <= 0:
        raise ValueError(
            f"Layer {layer.name!r}: argument `{name}` should be a positive integer. Received: {name}={value}"
        )
    return value


def _pair(layer: Layer, value: Any, name: str) -> tuple[int, int]:
    """An int p -> (p, p); a pair of non-negative ints kept (Keras's standardize_tuple, allow_zero)."""
    values = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        ok = len(values) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
        )
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(
            f"Layer {layer.name!r}: the `{name}` argument must be a non-negative int or a tuple of 2 "
            f"non-negative ints. Received: {name}={value!r}"
        )
    return (int(values[0]), int(values[1]))


class Permute(Layer):
    """Reorders the axes after the batch axis: output axis i is input axis dims[i-1].

    Args:
        dims: permutation of 1..rank-1, e.g. (2, 1) swaps the two axes of (N, A, B).

    Shapes:
        (N, d_1, ..., d_k) -> (N, d_dims[0], ..., d_dims[k-1]).

    Raises:
        ValueError: when `dims` is not a permutation of 1..len(dims), or the input's rank
            is not len(dims) + 1.
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            self.dims = tuple(dims)
            ok = sorted(self.dims) == list(range(1, len(self.dims) + 1))
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must "
                f"be consecutive and start from 1. Received dims={dims!r}"
            )

    def call(self, inputs: Any) -> Any:
        _check_rank(self, inputs, len(self.dims) + 1)
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a vector n times along a new time axis: (N, F) -> (N, n, F).

    Args:
        n: positive int, the number of repeats.

    Raises:
        TypeError: for a non-integer `n`. ValueError: for n <= 0 or a non 2-D input.
    """

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = _positive_int(self, n, "n")

    def call(self, inputs: Any) -> Any:
        _check_rank(self, inputs, 2)
        n, f = inputs.shape
        # (N, F) -> (N, 1, 1, F) -> (N, n, 1, F): the backward sums the n copies.
        out = upsample_nearest2d(ops.reshape(inputs, (n, 1, 1, f)), (self.n, 1))
        return ops.reshape(out, (n, self.n, f))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


class UpSampling1D(Layer):
    """Repeats each time step `size` times: (N, L, C) -> (N, L * size, C).

    Args:
        size: positive int, default 2.

    Raises:
        TypeError: for a non-integer `size`. ValueError: for size <= 0 or a non 3-D input.
    """

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = _positive_int(self, size, "size")

    def call(self, inputs: Any) -> Any:
        _check_rank(self, inputs, 3)
        n, length, c = inputs.shape
        out = upsample_nearest2d(ops.reshape(inputs, (n, length, 1, c)), (self.size, 1))
        return ops.reshape(out, (n, length * self.size, c))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        length = input_shape[1]
        return (input_shape[0], None if length is None else length * self.size, input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "size": self.size}


class ZeroPadding1D(Layer):
    """Adds zeros at the start and end of the time axis: (N, L, C) -> (N, L + a + b, C).

    Args:
        padding: int (both ends) or (a, b), non-negative; default 1.
        data_format: "channels_last" only.

    Raises:
        ValueError: for negative or malformed `padding`, or a non 3-D input.
    """

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = _pair(self, padding, "padding")
        self.data_format = check_channels_last(self, data_format)

    def call(self, inputs: Any) -> Any:
        _check_rank(self, inputs, 3)
        n, length, c = inputs.shape
        out = zero_pad2d(ops.reshape(inputs, (n, length, 1, c)), (self.padding, (0, 0)))
        return ops.reshape(out, (n, length + sum(self.padding), c))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        length = input_shape[1]
        return (input_shape[0], None if length is None else length + sum(self.padding), input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping1D(Layer):
    """Removes steps at the start and end of the time axis: (N, L, C) -> (N, L - a - b, C).

    Args:
        cropping: int (both ends) or (a, b), non-negative; default (1, 1).

    Raises:
        ValueError: for negative or malformed `cropping`, a non 3-D input, or a crop that
            leaves no step.
    """

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = _pair(self, cropping, "cropping")

    def call(self, inputs: Any) -> Any:
        _check_rank(self, inputs, 3)
        self.compute_output_shape(inputs.shape)
        n, length, c = inputs.shape
        out = crop2d(ops.reshape(inputs, (n, length, 1, c)), (self.cropping, (0, 0)))
        return ops.reshape(out, (n, length - sum(self.cropping), c))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        length = input_shape[1]
        if length is not None and length - sum(self.cropping) <= 0:
            raise ValueError(
                "`cropping` parameter of `Cropping1D` layer must be smaller than the input length. "
                f"Received: input_shape={tuple(input_shape)}, cropping={self.cropping}"
            )
        return (input_shape[0], None if length is None else length - sum(self.cropping), input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": self.cropping}
