"""Model: a Layer that trains (keras/src/models/model.py).

`Model(inputs, outputs)` builds a functional model; subclassing `Model` with
layers created in `__init__` and a `call(inputs)` gives a subclassed model;
`Sequential` is a stack. All three share compile/fit/evaluate/predict from
`Trainer` and summary/get_layer from here.
"""

from __future__ import annotations

from typing import Any

from scratchnn.layers.layer import Layer
from scratchnn.trainers.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable graph of layers.

    Called with `inputs` and `outputs` (symbolic tensors from `keras.Input`),
    it returns a functional model; subclasses define `__init__` (creating
    layers as attributes) and `call(inputs, training=False)`.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from scratchnn.models.functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        base = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype") if k in kwargs}
        Layer.__init__(self, **base)
        if args or kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__ got unexpected arguments {list(args)} {sorted(kwargs)}. "
                "To build a functional model pass inputs= and outputs=."
            )
        self.optimizer: Any = None
        self.compiled = False
        self.stop_training = False
        self.history: Any = None
        self._compile_loss: Any = None
        self._compile_metrics: Any = None

    # -- structure -----------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The model's layers, in the order they were created or added."""
        return list(self._tracked_layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Returns a layer by name or by index.

        Raises:
            ValueError: if neither or both are given, or nothing matches.
        """
        if (name is None) == (index is None):
            raise ValueError("Provide exactly one of `name` or `index` to get_layer().")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Index {index} is out of range: the model has {len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")

    def build(self, input_shape: Any) -> None:
        """Creates the weights of a subclassed model by running `call` on zeros of `input_shape`."""
        if type(self).call is not Model.call:
            self.compute_output_shape(input_shape)
        self.built = True

    def _expected_input_shape(self) -> Any:
        return None

    # -- summary ---------------------------------------------------------------------
    def _summary_layers(self) -> list[Layer]:
        return self.layers

    def _summary_output_shape(self, layer: Layer) -> Any:
        return getattr(self, "_layer_output_shapes", {}).get(id(layer))

    def summary(
        self,
        line_length: int | None = None,
        positions: Any = None,
        print_fn: Any = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range: Any = None,
    ) -> None:
        """Prints the layers, their output shapes and parameter counts (Keras 3 layout)."""
        from scratchnn.utils.summary import print_summary

        print_summary(self, print_fn=print_fn, show_trainable=show_trainable)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
