"""Functional models: a graph of layer calls on symbolic inputs (keras/src/models/functional.py).

`Model(inputs, outputs)` walks back from the outputs through the recorded
`Node`s to order the layer calls; `call` replays them on real tensors.
"""

from __future__ import annotations

from typing import Any

from scratchnn.layers.input_layer import InputLayer, KerasTensor, Node, _flat_keras_tensors
from scratchnn.layers.layer import Layer
from scratchnn.models.model import Model


def _node_of(t: KerasTensor) -> Node:
    layer, node_index, _ = t._keras_history
    return layer._inbound_nodes[node_index]


def _replace(structure: Any, values: dict[int, Any]) -> Any:
    """Swaps each KerasTensor in a nested structure for its computed value."""
    if isinstance(structure, KerasTensor):
        return values[id(structure)]
    if isinstance(structure, (list, tuple)):
        return type(structure)(_replace(v, values) for v in structure)
    if isinstance(structure, dict):
        return {k: _replace(v, values) for k, v in structure.items()}
    return structure


class Functional(Model):
    """A model defined by its symbolic inputs and outputs.

    Args:
        inputs: a KerasTensor from `keras.Input`, or a list/dict of them.
        outputs: KerasTensor(s) computed from the inputs by calling layers.
        name: model name.

    Example:
        >>> inputs = keras.Input(shape=(8,))
        >>> outputs = keras.layers.Dense(1)(keras.layers.Dense(30, activation="relu")(inputs))
        >>> model = keras.Model(inputs=inputs, outputs=outputs)
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True, **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = _flat_keras_tensors(inputs)
        self._flat_outputs = _flat_keras_tensors(outputs)
        for t in self._flat_inputs + self._flat_outputs:
            if t._keras_history is None:
                raise ValueError(f"{t} was not produced by keras.Input or a layer call.")
        self._nodes = self._order_nodes()
        seen: set[int] = set()
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                self._tracked_layers.append(node.layer)
        self._layer_output_shapes = {id(n.layer): n.outputs.shape if isinstance(n.outputs, KerasTensor) else None for n in self._nodes}
        self.output_names = [t._keras_history[0].name for t in self._flat_outputs]
        self.input_names = [t._keras_history[0].name for t in self._flat_inputs]
        self.built = True

    def _order_nodes(self) -> list[Node]:
        """The nodes between inputs and outputs, each after the nodes it depends on."""
        order: list[Node] = []
        done: set[int] = set()
        stack: list[tuple[Node, bool]] = [(_node_of(t), False) for t in reversed(self._flat_outputs)]
        inputs = {id(t) for t in self._flat_inputs}
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for t in node.input_tensors:
                parent = _node_of(t)
                if id(parent) not in done:
                    if isinstance(parent.layer, InputLayer) and id(t) not in inputs:
                        raise ValueError(
                            f"Graph disconnected: cannot obtain a value for {t}: it is not one of the model's inputs."
                        )
                    stack.append((parent, False))
        return order

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._flat_outputs)

    @property
    def layers(self) -> list[Layer]:
        return list(self._tracked_layers)

    def _bind_inputs(self, inputs: Any) -> dict[int, Any]:
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"Missing inputs {missing}. The model's inputs are {self.input_names}.")
            flat = [inputs[n] for n in self.input_names]
        elif isinstance(inputs, (list, tuple)):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(self._flat_inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self._flat_inputs)} input(s) ({self.input_names}), "
                f"but it received {len(flat)} input tensors."
            )
        values = {}
        for kt, value in zip(self._flat_inputs, flat):
            if len(value.shape) != len(kt.shape) or any(e is not None and e != g for e, g in zip(kt.shape[1:], value.shape[1:])):
                raise ValueError(
                    f'Input {kt.name!r} of model "{self.name}" is incompatible: expected shape={kt.shape}, '
                    f"found shape={tuple(value.shape)}"
                )
            values[id(kt)] = value
        return values

    def call(self, inputs: Any, training: bool = False) -> Any:
        values = self._bind_inputs(inputs)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = _replace(node.call_args, values)
            kwargs = _replace(node.call_kwargs, values)
            out = node.layer(*args, training=training, **kwargs)
            for kt, value in zip(node.output_tensors, _flat_values(out)):
                values[id(kt)] = value
        return _replace(self._outputs_struct, values)

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _expected_input_shape(self) -> Any:
        return self._flat_inputs[0].shape if len(self._flat_inputs) == 1 else None


def _flat_values(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [v for o in out for v in _flat_values(o)]
    if isinstance(out, dict):
        return [v for o in out.values() for v in _flat_values(o)]
    return [out]
