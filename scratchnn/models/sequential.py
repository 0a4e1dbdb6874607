"""Sequential: a plain stack of layers (keras/src/models/sequential.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.input_layer import InputLayer, KerasTensor
from scratchnn.layers.layer import Layer
from scratchnn.models.model import Model


class Sequential(Model):
    """Layers applied one after another; each has one input and one output.

    Args:
        layers: list of layers (an `keras.Input(...)` first fixes the input shape,
            as does `input_shape=` on the first layer).
        name: model name (default "sequential", "sequential_1", ...).

    Example:
        >>> model = Sequential([Input((28, 28)), Flatten(), Dense(10, activation="softmax")])
    """

    def __init__(
        self, layers: list[Any] | None = None, trainable: bool = True, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._layer_output_shapes: dict[int, Any] = {}
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Appends a layer (or sets the input with `keras.Input`).

        Raises:
            TypeError: if `layer` is not a Layer; ValueError for duplicate names.
        """
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Only instances of keras.layers.Layer can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer):
            if self._tracked_layers or self._input_layer is not None:
                raise ValueError("An Input can only be the first entry of a Sequential model.")
            self._input_layer = layer
            return
        if any(existing.name == layer.name for existing in self._tracked_layers):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name {layer.name!r} is "
                f"already the name of a layer in this model."
            )
        if not self._tracked_layers and self._input_layer is None and layer._batch_input_shape is not None:
            self._input_layer = InputLayer(batch_shape=layer._batch_input_shape)
        self._tracked_layers.append(layer)
        self.built = False
        if rebuild:
            self._rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        if not self._tracked_layers:
            raise ValueError("There are no layers in this Sequential model to pop.")
        layer = self._tracked_layers.pop()
        self.built = False
        if rebuild:
            self._rebuild()
        return layer

    def _rebuild(self) -> None:
        if self._input_layer is not None and self._tracked_layers:
            self.build(self._input_layer.batch_shape)

    def build(self, input_shape: Any = None) -> None:
        """Builds each layer in turn, passing on the output shape of the one before."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    "Sequential.build() needs an input shape: pass it or start with keras.Input(...)."
                )
            input_shape = self._input_layer.batch_shape
        shape = (None, *tuple(input_shape)[1:])
        self._build_input_shape = shape
        for layer in self._tracked_layers:
            layer._maybe_build(shape)
            shape = layer.compute_output_shape(shape)
            self._layer_output_shapes[id(layer)] = shape
        self.built = True

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self.build(input_shape)

    def call(self, inputs: Any, training: bool = False) -> Any:
        x = inputs
        for layer in self._tracked_layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = input_shape
        for layer in self._tracked_layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _expected_input_shape(self) -> Any:
        return self._input_layer.batch_shape if self._input_layer is not None else None

    @property
    def input_shape(self) -> Any:
        return getattr(self, "_build_input_shape", None)

    @property
    def output_shape(self) -> Any:
        return self._layer_output_shapes.get(id(self._tracked_layers[-1])) if self._tracked_layers else None

    def get_config(self) -> dict[str, Any]:
        from scratchnn.saving.serialization import serialize_layer

        layers = [serialize_layer(layer) for layer in self._tracked_layers]
        if self._input_layer is not None:
            layers.insert(0, serialize_layer(self._input_layer))
        config = {**super().get_config(), "layers": layers}
        if getattr(self, "_build_input_shape", None) is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Sequential:
        from scratchnn.saving.serialization import deserialize_layer

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_layer(layer_config, custom_objects), rebuild=False)
        if model._input_layer is not None:
            model._rebuild()
        elif config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
