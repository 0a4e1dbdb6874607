"""Discretization: buckets continuous values by ranges (keras/src/layers/preprocessing/discretization.py).

`adapt` learns `num_bins` bins of roughly equal population with Keras's streaming
approximate-quantile summary, so the same data gives the same boundaries as in Keras:

- a batch is summarized by sorting its values and keeping every `step`-th one, each
  standing for `step` values (step = max(size * epsilon, 1));
- two summaries are merged by sorting their points together and compressing: the
  values at the cumulative-weight fractions epsilon, 2*epsilon, ..., 1 are kept (by linear
  interpolation), each weighted by the weight between it and the previous kept point;
- the boundaries are the summary compressed to fractions 1/num_bins, ..., 1, last dropped.
"""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.layers.adapt_data import iter_batches
from scratchnn.layers.category_encoding import check_output_mode, encode_categorical, encoded_shape
from scratchnn.layers.layer import Layer
from scratchnn.ops.tensor import Tensor


def _summarize(values: Any, epsilon: float) -> Any:
    """(2, m) array: sorted sample points (row 0) and how many values each stands for (row 1)."""
    values = xp.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    points = values[int(step - 1) :: int(step)]
    return xp.stack([points, xp.ones_like(points) * step])


def _compress(summary: Any, epsilon: float) -> Any:
    """Keeps the points at cumulative-weight fractions epsilon, 2 epsilon, ..., 1 (see the module docstring)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + xp.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_fractions = cum_weights / cum_weights[-1]
    points = xp.interp(fractions, cum_fractions, summary[0])
    kept_cum = xp.interp(fractions, cum_fractions, cum_weights)
    weights = kept_cum - xp.concatenate([xp.zeros(1), kept_cum[:-1]])
    return xp.stack([points, weights]).astype("float32")


def _merge(summary: Any, other: Any, epsilon: float) -> Any:
    merged = xp.concatenate([summary, other], axis=1)
    return _compress(merged[:, xp.argsort(merged[0], kind="stable")], epsilon)


class Discretization(Layer):
    """Replaces each value by the index of its bin, optionally encoded (one_hot, multi_hot, count).

    With boundaries b_0 < ... < b_{k-1}, bin i holds [b_{i-1}, b_i); bin 0 extends to -inf and
    bin k to +inf, so there are k + 1 bins.

    Args:
        bin_boundaries: sorted list of boundaries; then `adapt` must not be called.
        num_bins: number of bins to learn with `adapt` (instead of `bin_boundaries`).
        epsilon: error tolerance of the quantile summary, default 0.01.
        output_mode: "int" (bin indices, int32), "one_hot", "multi_hot" or "count"
            (float, see scratchnn/layers/category_encoding.py for the shapes).
        sparse: only False is supported.

    Raises:
        ValueError: for both or neither of `bin_boundaries` and `num_bins`, a negative
            `num_bins`, an unknown `output_mode`, `sparse=True`, adapt() with fixed
            boundaries, or a call before the boundaries are known.

    Example:
        >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(np.array([[-1.5, 1.0, 3.4, 0.5]])).numpy()
        array([[0, 2, 3, 1]], dtype=int32)
    """

    def __init__(
        self,
        bin_boundaries: Any = None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(dtype=dtype, name=name, **kwargs)
        self.output_mode = check_output_mode(self, output_mode, ("int", "one_hot", "multi_hot", "count"))
        if sparse:
            raise ValueError(
                f"Layer {self.name!r}: sparse outputs are not supported. Received: sparse={sparse!r}"
            )
        if num_bins is not None and (
            not isinstance(num_bins, int) or isinstance(num_bins, bool) or num_bins < 0
        ):
            raise ValueError(
                f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins!r}`"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        if not isinstance(epsilon, (int, float)) or not 0 < epsilon < 1:
            raise ValueError(
                f"Layer {self.name!r}: `epsilon` must be in (0, 1). Received: epsilon={epsilon!r}"
            )
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.sparse = False
        self.summary = None if self.bin_boundaries else xp.zeros((2, 0), dtype="float32")

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learns `num_bins` boundaries from `data` (an array or a source of batches; see adapt_data.py)."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, use "
                "`num_bins` instead."
            )
        self.reset_state()
        for batch in iter_batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data: Any) -> None:
        values = xp.asarray(data.data if isinstance(data, Tensor) else data).astype("float32")
        self.summary = _merge(_summarize(values, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = xp.zeros((2, 0), dtype="float32")

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or call "
                "`adapt(dataset)` before you can start using the `Discretization` layer."
            )
        values = inputs.data.astype(self.dtype) if inputs.data.dtype.kind != "f" else inputs.data
        # digitize: index i with b[i-1] <= x < b[i] (right=False), as jnp.digitize in Keras.
        indices = xp.digitize(values, xp.asarray(self.bin_boundaries, dtype=values.dtype)).astype("int32")
        dtype = "int32" if self.output_mode == "int" else self.dtype
        return Tensor(encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1, dtype))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self) -> dict[str, Any]:
        # Keras's keys exactly (its constructor takes no other keyword arguments).
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Discretization:
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # An adapted layer: rebuild it with num_bins, then restore the learned boundaries.
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = [float(b) for b in boundaries]
            return layer
        return cls(**config)
