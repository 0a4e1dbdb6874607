"""`keras.Input` and `InputLayer`: the entry points of functional and Sequential models.

`keras.Input(shape=(28, 28))` returns the output of a new `InputLayer`: a
`KerasTensor` (scratchnn/ops/symbolic.py) with the batch axis None, from which
`Model(inputs, outputs)` later replays the graph of layer calls.
"""

from __future__ import annotations

from typing import Any

from scratchnn.layers.layer import Layer, keep_input_shape
from scratchnn.ops.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """The entry point of a model: holds the expected input shape, computes nothing.

    Args:
        shape: shape of one sample (no batch axis), e.g. (28, 28).
        batch_size: optional fixed batch size.
        dtype: input dtype (default floatx()).
        batch_shape: full shape including the batch axis (instead of `shape`).
        name: layer name.
    """

    def __init__(
        self,
        shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        sparse: bool | None = None,
        batch_shape: Any = None,
        input_tensor: Any = None,
        optional: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")  # Keras 2 configs
        kwargs.pop("ragged", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: pass `shape` or `batch_shape`, not both.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs `shape` or `batch_shape`. Received neither.")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *tuple(shape))
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        # `self.output` (Layer's property) is this node's tensor: what keras.Input returns.
        tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
        self._inbound_nodes.append(Node(self, (), {}, tensor, [], [tensor]))
        tensor._keras_history = (self, 0, 0)

    def call(self, inputs: Any) -> Any:
        return inputs

    compute_output_shape = keep_input_shape

    @property
    def input_shape(self) -> tuple[int | None, ...]:
        """The batch shape: an InputLayer's node has no input tensors, its input is the model's data."""
        return self.batch_shape

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_shape": list(self.batch_shape),
            "dtype": self.dtype,
            "sparse": self.sparse,
            "name": self.name,
        }


def Input(  # noqa: N802 - Keras's name
    shape: Any = None,
    batch_size: int | None = None,
    dtype: Any = None,
    sparse: bool | None = None,
    batch_shape: Any = None,
    name: str | None = None,
    tensor: Any = None,
    optional: bool = False,
) -> KerasTensor:
    """Returns a symbolic input for a functional model (or the first entry of a Sequential).

    Example:
        >>> inputs = keras.Input(shape=(28, 28))
        >>> outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    """
    layer = InputLayer(
        shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape, name=name
    )
    return layer.output
