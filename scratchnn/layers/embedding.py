"""Embedding: integer indices -> rows of a trainable matrix (keras/src/layers/core/embedding.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config
from scratchnn.ops.symbolic import KerasTensor
from scratchnn.ops.tensor import Tensor


class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors: out[..., :] = embeddings[index, :].

    The backward pass scatters the output gradient back onto the rows that were read,
    d embeddings[v] = sum of g[p] over the positions p with index v (`ops.take`, whose backward
    is one `np.add.at`), so a word seen twice in a batch gets both contributions.

    Args:
        input_dim: vocabulary size, the largest index + 1.
        output_dim: size of each vector.
        embeddings_initializer: default "uniform" (U(-0.05, 0.05), as in Keras).
        embeddings_regularizer, embeddings_constraint: applied to the matrix.
        mask_zero: index 0 is padding: `compute_mask` returns `inputs != 0` and masks propagate
            to later layers (index 0 then cannot be a word, so input_dim = vocabulary + 1).
        weights: optional initial matrix (input_dim, output_dim) or a one-element list of it.
        lora_rank, lora_alpha, quantization_config: Keras's LoRA and quantization options;
            not implemented, so only None is accepted.

    Shapes:
        input (N, ...) of integers (floats holding integers are truncated, as Keras casts them)
        -> output (N, ..., output_dim); weight "embeddings" (input_dim, output_dim).

    Raises:
        ValueError: for non-positive sizes, or indices outside [0, input_dim) when called.
        NotImplementedError: if `lora_rank`, `lora_alpha` or `quantization_config` is set.

    Example:
        >>> layer = Embedding(1000, 64, mask_zero=True)
        >>> layer(np.array([[4, 20, 0]])).shape
        (1, 3, 64)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"`{arg}` must be a positive integer. Received: {arg}={value!r} "
                    f"(of type {type(value).__name__})."
                )
        # Keras's signature; a LoRA or quantized Embedding would silently compute something else here.
        for option, value in (
            ("lora_rank", lora_rank),
            ("lora_alpha", lora_alpha),
            ("quantization_config", quantization_config),
        ):
            if value is not None:
                raise NotImplementedError(
                    f"Layer {kwargs.get('name') or 'embedding'!r}: `{option}` (LoRA and quantization) is not "
                    f"implemented in scratchnn; leave it None. Received: {option}={value!r}"
                )
        # Keras 2's input_length fixed the sequence length; a Sequential then knows its input shape.
        input_length = kwargs.pop("input_length", None)
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        set_weight_options(
            self, embeddings=(embeddings_initializer, embeddings_regularizer, embeddings_constraint)
        )
        self.mask_zero = bool(mask_zero)
        # Keras: only a layer that makes a mask supports masking; without mask_zero it drops one.
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape: Any = None) -> None:
        if self.built:
            return
        self.embeddings = add_weight_with_options(self, "embeddings", (self.input_dim, self.output_dim))
        self.built = True

    def _indices(self, inputs: Any) -> Any:
        idx = inputs.data if isinstance(inputs, Tensor) else xp.asarray(inputs)
        if idx.dtype.kind not in "iu":
            idx = idx.astype("int64")  # the trainer feeds float32; Keras casts to int as well
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= self.input_dim):
            raise ValueError(
                f"Layer {self.name!r}: every index must be in [0, input_dim={self.input_dim}). "
                f"Received: indices from {int(idx.min())} to {int(idx.max())}"
            )
        return idx

    def call(self, inputs: Any) -> Any:
        # (N, ...) indices -> (N, ..., output_dim); the gradient scatters back with add.at
        return ops.take(self.embeddings, self._indices(inputs), axis=0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """`inputs != 0` (bool, the input's shape) when mask_zero, else None."""
        if not self.mask_zero:
            return None
        if isinstance(inputs, KerasTensor):  # a symbolic call: the mask's shape and dtype only
            return KerasTensor(inputs.shape, dtype="bool")
        data = inputs.data if isinstance(inputs, Tensor) else xp.asarray(inputs)
        return Tensor(data != 0)

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        return (*tuple(input_shape), self.output_dim)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            **weight_options_config(self, "embeddings", activity_regularizer=True),
            "mask_zero": self.mask_zero,
        }
