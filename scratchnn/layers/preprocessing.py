"""Rescaling and Normalization (keras/src/layers/preprocessing/)."""

from __future__ import annotations

from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer


class Rescaling(Layer):
    """y = x * scale + offset, e.g. `Rescaling(1/255)` maps pixels to [0, 1]."""

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.scale = scale
        self.offset = offset

    def call(self, inputs: Any) -> Any:
        out = ops.multiply(ops.cast(inputs, self.dtype), self.scale)
        return ops.add(out, self.offset) if self.offset else out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """Standardises features: y = (x - mean) / max(sqrt(variance), epsilon).

    The statistics come from `adapt(data)` or from the `mean`/`variance`
    arguments; they are non-trainable weights (mean, variance, count) when
    adapted, as in Keras.

    Args:
        axis: the axis (or axes) that keep separate statistics; None for one
            global mean and variance.
        mean, variance: fixed statistics (both or neither).
        invert: apply the inverse transform, x * sqrt(variance) + mean.
    """

    def __init__(
        self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                f"Layer {self.name!r}: when setting values directly, both `mean` and `variance` must be "
                f"set. Received: mean={mean} and variance={variance}"
            )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        ndim = len(input_shape)
        keep = tuple(sorted(a % ndim for a in self.axis))
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(
                    f"Layer {self.name!r}: the kept axis {a} must have a known size. "
                    f"Received: input_shape={tuple(input_shape)}"
                )
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean", shape=stat_shape, initializer="zeros", trainable=False
            )
            self.adapt_variance = self.add_weight(
                name="variance", shape=stat_shape, initializer="ones", trainable=False
            )
            self.count = self.add_weight(
                name="count", shape=(), dtype="int64", initializer="zeros", trainable=False
            )
        self.built = True

    def _stats(self) -> tuple[Any, Any]:
        if self.input_mean is not None:
            mean = xp.broadcast_to(xp.asarray(self.input_mean, dtype=self.dtype), self._broadcast_shape)
            var = xp.broadcast_to(xp.asarray(self.input_variance, dtype=self.dtype), self._broadcast_shape)
            return mean, var
        return (
            self.adapt_mean.data.reshape(self._broadcast_shape),
            self.adapt_variance.data.reshape(self._broadcast_shape),
        )

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Computes the mean and variance of `data` (an array (N, ...) or a list of batches)."""
        if isinstance(data, (list, tuple)) and data and hasattr(data[0], "shape") and len(data[0].shape) > 0:
            data = xp.concatenate([backend.asarray(getattr(d, "data", d)) for d in data])
        arr = backend.asarray(getattr(data, "data", data)).astype("float64")
        if arr.size == 0:
            raise ValueError(
                f"Layer {self.name!r}: adapt() received an empty array. Received: shape={arr.shape}"
            )
        if arr.ndim == 1 and self.axis:
            arr = arr[:, None]
        if not self.built:
            self.build(tuple(arr.shape))
        mean = arr.mean(axis=self._reduce_axis)
        var = arr.var(axis=self._reduce_axis)
        self.adapt_mean.assign(mean.astype(self.dtype))
        self.adapt_variance.assign(var.astype(self.dtype))
        self.count.assign(xp.asarray(arr.shape[0], dtype="int64"))

    def call(self, inputs: Any) -> Any:
        mean, var = self._stats()
        scale = xp.maximum(xp.sqrt(var), backend.epsilon()).astype(self.dtype)
        x = ops.cast(inputs, self.dtype)
        if self.invert:
            return ops.add(ops.multiply(x, scale), mean.astype(self.dtype))
        return ops.divide(ops.subtract(x, mean.astype(self.dtype)), scale)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "axis": list(self.axis) or None, "invert": self.invert}
        config["mean"] = _jsonable(self.input_mean)
        config["variance"] = _jsonable(self.input_variance)
        return config


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    return backend.to_numpy(backend.asarray(value)).tolist()
