"""CategoryEncoding, and the encoding of integer indices it shares with Discretization
(keras/src/layers/preprocessing/category_encoding.py, keras/src/utils/numerical_utils.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer
from scratchnn.ops.tensor import Tensor

OUTPUT_MODES = ("one_hot", "multi_hot", "count")


def encode_categorical(
    indices: Any, output_mode: str, depth: int, dtype: str, count_weights: Any = None
) -> Any:
    """Encodes integer indices in [0, depth) the way Keras's preprocessing layers do.

    - "int": the indices, cast to `dtype`.
    - "one_hot": (..., depth); a trailing axis of size 1 is replaced, (N, 1) -> (N, depth).
    - "multi_hot": 1 where an index occurs in the sample, reducing axis 1 ((N, k) -> (N, depth),
      (N, k, m) -> (N, m, depth)); a 1-D input is one sample, (k,) -> (depth,).
    - "count": like multi_hot, but how often each index occurs (weighted by `count_weights`,
      shaped like the indices, when given).

    Returns:
        A backend array.
    """
    if output_mode == "int":
        return indices.astype(dtype)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot" and indices.ndim > 1 and indices.shape[-1] == 1:
        indices = indices[..., 0]
    # (...) -> (..., depth): entry d is 1 where the index equals d.
    one_hot = (indices[..., None] == xp.arange(depth)).astype(dtype)
    if output_mode == "one_hot":
        return one_hot
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return one_hot.max(axis=axis)
    if count_weights is not None:
        weights = backend.asarray(count_weights.data if isinstance(count_weights, Tensor) else count_weights)
        one_hot = one_hot * weights[..., None].astype(dtype)
    return one_hot.sum(axis=axis)


def check_output_mode(layer: Layer, output_mode: Any, allowed: tuple[str, ...]) -> str:
    if output_mode not in allowed:
        raise ValueError(
            f"Layer {layer.name!r}: unknown value for `output_mode`. Expected one of {allowed}. "
            f"Received: output_mode={output_mode!r}"
        )
    return output_mode


def encoded_shape(input_shape: Any, output_mode: str, depth: int) -> tuple[Any, ...]:
    """The output shape of `encode_categorical` for `input_shape`."""
    shape = tuple(input_shape)
    if output_mode == "int":
        return shape
    if not shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            return (*shape[:-1], depth)
        return (*shape, depth)
    if len(shape) == 1:
        return (depth,)
    return (shape[0], *shape[2:], depth)


class CategoryEncoding(Layer):
    """Encodes integer category indices as one-hot, multi-hot or count vectors of `num_tokens`.

    Args:
        num_tokens: positive int, the number of categories; inputs must lie in [0, num_tokens).
        output_mode: "multi_hot" (default; "binary" is accepted as its old name), "one_hot"
            or "count" (see `encode_categorical` for the shapes).
        sparse: only False (dense outputs) is supported.

    Call arguments:
        inputs: integer indices (N,), (N, k) or (N, k, m).
        count_weights: weights of each index for "count", shaped like the inputs.

    Raises:
        ValueError: for a missing or non-positive `num_tokens`, an unknown `output_mode`,
            `sparse=True`, `count_weights` outside "count" mode, or an index outside
            [0, num_tokens). Keras on JAX encodes such an index as all zeros without a word;
            an error here stops a wrong `num_tokens` from training silently (as Keras 2 did).

    Example:
        >>> CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([[3], [2], [0], [1]])).shape
        (4, 4)
    """

    def __init__(
        self,
        num_tokens: int | None = None,
        output_mode: str = "multi_hot",
        sparse: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        self.output_mode = check_output_mode(self, output_mode, OUTPUT_MODES)
        if num_tokens is None:
            raise ValueError(
                f"Layer {self.name!r}: num_tokens must be set to use this layer. If the number of tokens is "
                "not known beforehand, use the IntegerLookup layer instead."
            )
        if not isinstance(num_tokens, int) or isinstance(num_tokens, bool) or num_tokens < 1:
            raise ValueError(
                f"Layer {self.name!r}: `num_tokens` must be >= 1. Received: num_tokens={num_tokens!r}"
            )
        if sparse:
            raise ValueError(
                f"Layer {self.name!r}: sparse outputs are not supported. Received: sparse={sparse!r}"
            )
        self.num_tokens = num_tokens
        self.sparse = False

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                f"Layer {self.name!r}: `count_weights` is not used when `output_mode` is not 'count'. "
                f"Received: count_weights={count_weights!r}"
            )
        indices = inputs.data
        if indices.dtype.kind == "f":
            indices = indices.astype("int64")  # Keras casts float indices to int as well
        if indices.size and (indices.min() < 0 or indices.max() >= self.num_tokens):
            raise ValueError(
                f"Layer {self.name!r}: input values must be in the range 0 <= values < num_tokens with "
                f"num_tokens={self.num_tokens}. Received: values from {indices.min()} to {indices.max()}"
            )
        return Tensor(
            encode_categorical(indices, self.output_mode, self.num_tokens, self.dtype, count_weights)
        )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}
