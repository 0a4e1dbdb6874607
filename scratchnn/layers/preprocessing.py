"""Rescaling and Normalization (keras/src/layers/preprocessing/)."""

from __future__ import annotations

import math
from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.layers.adapt_data import iter_batches, single_array
from scratchnn.layers.layer import Layer, keep_input_shape
from scratchnn.ops.tensor import Tensor


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

    compute_output_shape = keep_input_shape

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

    @property
    def mean(self) -> Tensor:
        """The mean used, in the broadcast shape (1, ..., features) (Keras sets `self.mean` too).

        Raises:
            AttributeError: before the layer is built (adapted, called or given `mean`).
        """
        return Tensor(xp.array(self._built_stats("mean")[0]))

    @property
    def variance(self) -> Tensor:
        """The variance used, in the broadcast shape (see `mean`)."""
        return Tensor(xp.array(self._built_stats("variance")[1]))

    def _built_stats(self, what: str) -> tuple[Any, Any]:
        if not self.built:
            raise AttributeError(
                f"Layer {self.name!r} has no `{what}` yet: call `adapt(data)`, build it or call it first."
            )
        return self._stats()

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
        """Computes the mean and variance of `data` over the axes not in `axis`.

        Args:
            data: an array (N, ...), or a source of batches: a `tf.data`-style dataset, a
                `keras.utils.PyDataset`, or an iterable of arrays (see
                scratchnn/layers/adapt_data.py). A batch `(x, y)` contributes its x. Batches
                are combined exactly (Chan et al.'s pairwise update, in float64), so the result
                equals the statistics of all the data at once. From a source of batches, a 1-D
                element is one sample (as Keras batches an unbatched dataset).
            batch_size: accepted for Keras compatibility; unused.
            steps: the number of batches to read from a source of batches (None: all).

        Raises:
            ValueError: for empty data, batches whose kept axes differ, or a layer built with
                fixed `mean` and `variance`.
            TypeError: for data that is neither an array nor a source of batches.
        """
        if self.input_mean is not None:
            raise ValueError(
                f"Layer {self.name!r} was given fixed `mean` and `variance`; adapt() cannot change them. "
                "Create the layer without them to learn the statistics from data."
            )
        array = single_array(data)
        if array is not None:
            if array.ndim == 1 and self.axis:
                array = array[:, None]  # (N,) -> (N, 1): N samples of one feature
            batches: Any = iter([array])
        else:
            batches = _samples_to_batches(iter_batches(data, steps), bool(self.axis))
        total, mean, m2, rows = 0, None, None, 0
        for batch in batches:
            batch = batch.astype("float64")
            if batch.size == 0:
                continue
            if not self.built:
                self.build(tuple(batch.shape))
            self._check_kept_axes(batch.shape)
            n = math.prod(batch.shape[d] for d in self._reduce_axis)  # samples per kept entry
            b_mean = batch.mean(axis=self._reduce_axis)
            b_m2 = batch.var(axis=self._reduce_axis) * n
            if mean is None:
                total, mean, m2 = n, b_mean, b_m2
            else:
                # Merging two groups: delta = mean_b - mean_a; M2 = M2_a + M2_b + delta^2 n_a n_b / n.
                delta = b_mean - mean
                merged = total + n
                mean = mean + delta * (n / merged)
                m2 = m2 + b_m2 + delta * delta * (total * n / merged)
                total = merged
            rows += batch.shape[0] if batch.ndim else 1
        if mean is None:
            raise ValueError(
                f"Layer {self.name!r}: adapt() received no data. Received: {type(data).__name__}"
            )
        self.adapt_mean.assign(xp.asarray(mean).astype(self.dtype))
        self.adapt_variance.assign(xp.asarray(m2 / total).astype(self.dtype))
        self.count.assign(xp.asarray(rows, dtype="int64"))

    def _check_kept_axes(self, shape: tuple[int, ...]) -> None:
        expected = tuple(self.adapt_mean.shape)
        same_rank = len(shape) == len(self._broadcast_shape)
        if not same_rank or tuple(shape[d] for d in self._keep_axis) != expected:
            raise ValueError(
                f"Layer {self.name!r}: adapt() yielded a batch with incompatible shape {tuple(shape)}; the kept "
                f"axes {list(self._keep_axis)} must have sizes {expected}."
            )

    def call(self, inputs: Any) -> Any:
        mean, var = self._stats()
        scale = xp.maximum(xp.sqrt(var), backend.epsilon()).astype(self.dtype)
        x = ops.cast(inputs, self.dtype)
        if self.invert:
            return ops.add(ops.multiply(x, scale), mean.astype(self.dtype))
        return ops.divide(ops.subtract(x, mean.astype(self.dtype)), scale)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "axis": list(self.axis) or None, "invert": self.invert}
        config["mean"] = _jsonable(self.input_mean)
        config["variance"] = _jsonable(self.input_variance)
        return config


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    return backend.to_numpy(backend.asarray(value)).tolist()


def _samples_to_batches(batches: Any, keeps_axes: bool, size: int = 128) -> Any:
    """Passes batches through; groups runs of 1-D elements (single samples) into (size, F) batches."""
    pending: list[Any] = []
    for batch in map(xp.asarray, batches):  # iter_batches yields host arrays
        if batch.ndim == 1 and keeps_axes:
            pending.append(batch)
            if len(pending) == size:
                yield xp.stack(pending)
                pending = []
            continue
        if pending:
            yield xp.stack(pending)
            pending = []
        yield batch
    if pending:
        yield xp.stack(pending)
