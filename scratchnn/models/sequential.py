"""Sequential: a plain stack of layers (keras/src/models/sequential.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.input_layer import InputLayer
from scratchnn.layers.input_spec import InputSpec, adjust_input_rank
from scratchnn.layers.layer import Layer
from scratchnn.models.model import Model
from scratchnn.ops.symbolic import KerasTensor, shape_of
from scratchnn.saving.registry import register_builtins
from scratchnn.saving.serialization import deserialize_layer, serialize_layer


class Sequential(Model):
    """Layers applied one after another; each has one input and one output.

    Args:
        layers: list of layers (an `keras.Input(...)` first fixes the input shape,
            as does `input_shape=` on the first layer).
        name: model name (default "sequential", "sequential_1", ...).

    Once the input shape is known (an Input, `input_shape=` on the first layer, `build`, or a
    first call) the model has a symbolic graph: `inputs`/`outputs`, `input_shape`/`output_shape`,
    and each layer's `input`/`output`, for feature extraction with `keras.Model`.

    Example:
        >>> model = Sequential([Input((28, 28)), Flatten(), Dense(10, activation="softmax")])
        >>> features = keras.Model(model.inputs, [layer.output for layer in model.layers])
    """

    def __init__(
        self, layers: list[Any] | None = None, trainable: bool = True, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._input_rank: int | None = None
        self._layer_output_shapes: dict[int, Any] = {}
        # The symbolic graph of the built model (Keras 3 keeps a Functional for it): the input
        # tensor, then each layer's output, and the layers they came from.
        self._graph_tensors: list[Any] = []
        self._graph_layers: list[Layer] = []
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
            self._set_input_layer(layer)
            return
        if any(existing.name == layer.name for existing in self._tracked_layers):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name {layer.name!r} is "
                f"already the name of a layer in this model."
            )
        if not self._tracked_layers and self._input_layer is None and layer._batch_input_shape is not None:
            self._set_input_layer(InputLayer(batch_shape=layer._batch_input_shape))
        self._tracked_layers.append(layer)
        self.built = False
        if rebuild:
            self._rebuild()

    def _set_input_layer(self, layer: InputLayer) -> None:
        """Fixes the model's input: `Layer.__call__` then checks every call against its shape,
        allowing a last size-1 axis more or less, which `call` adds or drops (as Keras does)."""
        self._input_layer = layer
        self._input_rank = len(layer.batch_shape)
        self.input_spec = InputSpec(shape=layer.batch_shape, allow_last_axis_squeeze=True)

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
        """Builds again after add/pop when the input shape is known (from an Input or an earlier build)."""
        shape = self._input_layer.batch_shape if self._input_layer is not None else None
        if shape is None and self._graph_tensors:
            shape = self._graph_tensors[0].shape
        if shape is not None and self._tracked_layers:
            self.build(shape)
        elif not self._tracked_layers:
            self._graph_tensors, self._graph_layers = [], []

    def build(self, input_shape: Any = None) -> None:
        """Builds each layer in turn on the symbolic output of the one before (batch axis None)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    "Sequential.build() needs an input shape: pass it or start with keras.Input(...)."
                )
            input_shape = self._input_layer.batch_shape
        shape = (None, *tuple(input_shape)[1:])
        self._build_input_shape = shape
        tensors, kept = self._graph_prefix(shape)
        # Calling each layer on the symbolic tensor builds it and records its node, so
        # `layer.output` and `model.outputs` exist (keras/src/models/sequential.py `build`).
        x = tensors[-1]
        for layer in self._tracked_layers[kept:]:
            x = layer(x)
            tensors.append(x)
        self._graph_tensors = tensors
        self._graph_layers = list(self._tracked_layers)
        for layer, out in zip(self._tracked_layers, tensors[1:]):
            self._layer_output_shapes[id(layer)] = shape_of(out)
        self.built = True

    def _graph_prefix(self, shape: tuple[Any, ...]) -> tuple[list[Any], int]:
        """The tensors of the previous graph that still hold, and how many layers they cover.

        After `add` or `pop` the layers before the change keep their node in this model's
        graph, so each layer is called once per model and `layer.output` stays valid.
        """
        old = self._graph_tensors
        if not old or old[0].shape[1:] != shape[1:]:
            source = self._input_layer
            if source is None or tuple(source.batch_shape[1:]) != shape[1:]:
                dtype = self._tracked_layers[0].dtype if self._tracked_layers else None
                source = InputLayer(batch_shape=shape, dtype=dtype)
            return [source.output], 0
        kept = 0
        for before, now in zip(self._graph_layers, self._tracked_layers):
            if before is not now:
                break
            kept += 1
        return old[: kept + 1], kept

    def _obj_type(self) -> str:
        return "Sequential"

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self.build(input_shape)

    def call(self, inputs: Any, training: bool = False) -> Any:
        x = inputs
        if self._input_rank is not None and getattr(x, "ndim", None) != self._input_rank:
            x = adjust_input_rank(x, self._input_layer.batch_shape)  # Keras adds/drops a last size-1 axis
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

    # -- the symbolic graph (Keras 3's Sequential exposes its Functional's) -----------------
    def _graph_end(self, index: int, what: str) -> Any:
        if not self.built or not self._graph_tensors:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined {what} yet. Give it an input shape "
                "(keras.Input(...) as the first layer, or model.build(input_shape)) or call it on data."
            )
        return self._graph_tensors[index]

    @property
    def inputs(self) -> list[KerasTensor]:
        """[the symbolic input]; AttributeError until the input shape is known."""
        return [self._graph_end(0, "inputs")]

    @property
    def outputs(self) -> list[KerasTensor]:
        """[the symbolic output of the last layer]; AttributeError until built."""
        return [self._graph_end(-1, "outputs")]

    @property
    def input(self) -> KerasTensor:
        """The symbolic input (tf.keras's `model.input`; Keras 3 offers only `inputs`)."""
        return self._graph_end(0, "input")

    @property
    def output(self) -> KerasTensor:
        """The symbolic output of the last layer."""
        return self._graph_end(-1, "output")

    @property
    def input_shape(self) -> Any:
        """(None, *sample_shape) once built."""
        return self._graph_end(0, "input shape").shape

    @property
    def output_shape(self) -> Any:
        """The last layer's output shape once built."""
        return shape_of(self._graph_end(-1, "output shape"))

    def get_config(self) -> dict[str, Any]:
        layers = [serialize_layer(layer) for layer in self._tracked_layers]
        if self._input_layer is not None:
            layers.insert(0, serialize_layer(self._input_layer))
        config = {**super().get_config(), "layers": layers}
        if getattr(self, "_build_input_shape", None) is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Sequential:
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_layer(layer_config, custom_objects), rebuild=False)
        if model._input_layer is not None:
            model._rebuild()
        elif config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model


# Configs name Sequential by "keras" (its Keras 3 export), and `keras.models.Sequential` reads the same.
register_builtins("keras", [Sequential])
register_builtins("keras.models", [Sequential])
