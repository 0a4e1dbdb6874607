"""TimeDistributed: one layer applied to every time step (keras/src/layers/rnn/time_distributed.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.layer import Layer
from scratchnn.ops.tensor import Tensor
from scratchnn.saving.serialization import deserialize_layer, serialize_layer


class TimeDistributed(Layer):
    """Applies `layer` to each slice x[:, t] of a (batch, time, ...) input, with shared weights.

    Vectorised: the batch and time axes are merged, (N, T, ...) -> (N*T, ...), the wrapped
    layer runs once on that, and its output is split back to (N, T, ...). Keras loops over
    the T steps instead; the results are the same for every layer whose output for a sample
    depends only on that sample. A layer that mixes the samples of its batch differs:
    BatchNormalization in training uses statistics over all N*T slices here, over the N
    slices of each step in Keras.

    Args:
        layer: a `keras.layers.Layer` instance.

    Shapes:
        input (N, T, *inner) -> output (N, T, *layer_output[1:]); a mask (N, T) reaches the
        wrapped layer as (N*T,).

    Raises:
        ValueError: for a `layer` that is not a Layer, inputs of rank < 3, or a mask whose
            leading axes differ from the input's.

    Example:
        >>> TimeDistributed(Dense(8))(np.zeros((32, 10, 16))).shape
        (32, 10, 8)
    """

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                f"Received: layer={layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_input_shape(self, input_shape: Any) -> tuple[Any, ...]:
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"Layer {self.name!r}: `TimeDistributed` needs inputs with at least 3 dimensions "
                f"(batch, time, ...). Received: input_shape={input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape: Any) -> None:
        self.layer._maybe_build(self._child_input_shape(input_shape))
        self.built = True

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        self._child_input_shape(inputs.shape)
        n, t = inputs.shape[:2]
        kwargs: dict[str, Any] = {}
        if mask is not None:
            mask = mask.data if isinstance(mask, Tensor) else mask
            if mask.ndim < 2 or tuple(mask.shape[:2]) != (n, t):
                raise ValueError(
                    f"Layer {self.name!r}: the mask passed to `TimeDistributed` must start with the "
                    f"input's (batch, time) axes ({n}, {t}). Received: mask.shape={tuple(mask.shape)}"
                )
            if self.layer._call_takes_mask:
                kwargs["mask"] = mask.reshape(n * t, *mask.shape[2:])
        # (N, T, *inner) -> (N*T, *inner): one call of the wrapped layer for every step.
        flat = ops.reshape(inputs, (n * t, *inputs.shape[2:]))
        out = self.layer(flat, training=training, **kwargs)
        # (N*T, *out_inner) -> (N, T, *out_inner)
        return ops.reshape(out, (n, t, *out.shape[1:]))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        child = self.layer.compute_output_shape(self._child_input_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(
        cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
    ) -> TimeDistributed:
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
