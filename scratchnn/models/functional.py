"""Functional models: a graph of layer calls on symbolic inputs (keras/src/models/functional.py).

`Model(inputs, outputs)` walks back from the outputs through the recorded
`Node`s to order the layer calls; `call` replays them on real tensors.
"""

from __future__ import annotations

import inspect
from typing import Any

from scratchnn.layers.input_layer import InputLayer, KerasTensor, Node, _flat_keras_tensors, adjust_input_rank
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

    def __init__(
        self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._flat_inputs = _flat_keras_tensors(inputs)
        self._flat_outputs = _flat_keras_tensors(outputs)
        for t in self._flat_inputs + self._flat_outputs:
            if t._keras_history is None:
                raise ValueError(f"{t} was not produced by keras.Input or a layer call.")
        self._nodes = self._order_nodes()
        self._tracked_layers.extend(_keras_layer_order(self._flat_inputs, self._flat_outputs, self._nodes))
        self._layer_output_shapes = {
            id(n.layer): n.outputs.shape if isinstance(n.outputs, KerasTensor) else None for n in self._nodes
        }
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

    # Keras 3: a functional model's first node joins its own inputs to its outputs, so `input`
    # and `output` are those (one tensor, or a list when several).
    @property
    def input(self) -> Any:
        return self._flat_inputs[0] if len(self._flat_inputs) == 1 else list(self._flat_inputs)

    @property
    def output(self) -> Any:
        return self._flat_outputs[0] if len(self._flat_outputs) == 1 else list(self._flat_outputs)

    @property
    def input_shape(self) -> Any:
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

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
            if len(value.shape) != len(kt.shape):
                value = adjust_input_rank(value, kt.shape)
            if len(value.shape) != len(kt.shape) or any(
                e is not None and e != g for e, g in zip(kt.shape[1:], value.shape[1:])
            ):
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
        outputs = _replace(self._outputs_struct, values)
        # Keras returns the tensor itself for `outputs=[y]` (functional.py `unpack_singleton`).
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            return outputs[0]
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _expected_input_shape(self) -> Any:
        return self._flat_inputs[0].shape if len(self._flat_inputs) == 1 else None

    def _run_through_graph(self, inputs: Any, operation_fn: Any, call_fn: Any = None) -> Any:
        """Replays the graph on new symbolic `inputs` (same structure as the model's inputs).

        Each layer is replaced by `operation_fn(layer)` (called once per layer,
        so a shared layer stays shared) and called with `call_fn(layer, *args,
        **kwargs)` when given, else `layer(*args, **kwargs)`. Returns the
        outputs in the structure of the model's outputs. `clone_model` uses it
        (keras/src/ops/function.py `_run_through_graph`).
        """
        values = {id(kt): value for kt, value in zip(self._flat_inputs, _flat_keras_tensors(inputs))}
        replaced: dict[int, Any] = {}
        for node in self._replay_order():
            if id(node.layer) not in replaced:
                replaced[id(node.layer)] = operation_fn(node.layer)
            layer = replaced[id(node.layer)]
            args = _replace(node.call_args, values)
            kwargs = _replace(node.call_kwargs, values)
            out = call_fn(layer, *args, **kwargs) if call_fn is not None else layer(*args, **kwargs)
            for kt, value in zip(node.output_tensors, _flat_values(out)):
                values[id(kt)] = value
        return _replace(self._outputs_struct, values)

    def _replay_order(self) -> list[Node]:
        """The layer nodes in an order that calls each layer's nodes in their original order.

        `_nodes` is ordered by the walk from the outputs; replaying it as is could
        call a shared layer on its second input first, so the copy would number
        its nodes differently (and write a different config).
        """
        pending = [n for n in self._nodes if not isinstance(n.layer, InputLayer)]
        own = {id(n) for n in pending}
        needs: dict[int, set[int]] = {}
        for node in pending:
            parents = {id(_node_of(t)) for t in node.input_tensors} & own
            siblings = [m for m in node.layer._inbound_nodes if id(m) in own]
            position = next(i for i, m in enumerate(siblings) if m is node)
            if position:
                parents.add(id(siblings[position - 1]))
            needs[id(node)] = parents
        order: list[Node] = []
        done: set[int] = set()
        while pending:
            node = next(n for n in pending if needs[id(n)] <= done)
            pending.remove(node)
            done.add(id(node))
            order.append(node)
        return order

    # -- serialization (keras/src/models/functional.py get_config / functional_from_config) ----
    def _own_node_indices(self) -> dict[int, int]:
        """Maps id(node) to its index among the layer's nodes that belong to this model."""
        own = {id(n) for n in self._nodes}
        index: dict[int, int] = {}
        for layer in self.layers:
            kept = 0
            for node in layer._inbound_nodes:
                if id(node) in own:
                    index[id(node)] = kept
                    kept += 1
        return index

    def get_config(self) -> dict[str, Any]:
        """Keras 3's functional config: layers with `inbound_nodes`, plus input/output layers.

        Each node is `{"args": [...], "kwargs": {...}}` with every symbolic
        tensor written as `{"class_name": "__keras_tensor__", "config": {"shape",
        "dtype", "keras_history": [layer_name, node_index, tensor_index]}}`;
        node indices count only the nodes inside this model, as Keras does.
        """
        from scratchnn.saving.serialization import serialize_layer

        index = self._own_node_indices()
        own = {id(n) for n in self._nodes}

        def history(t: KerasTensor) -> list[Any]:
            layer, node_index, tensor_index = t._keras_history
            return [layer.name, index[id(layer._inbound_nodes[node_index])], tensor_index]

        def encode(x: Any) -> Any:
            if isinstance(x, KerasTensor):
                config = {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}
                return {"class_name": "__keras_tensor__", "config": config}
            if isinstance(x, (list, tuple)):
                return [encode(v) for v in x]
            if isinstance(x, dict):
                return {k: encode(v) for k, v in x.items()}
            return x

        layer_configs = []
        for layer in self.layers:
            entry = serialize_layer(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [
                {"args": encode(list(node.call_args)), "kwargs": encode(node.call_kwargs)}
                for node in layer._inbound_nodes
                if id(node) in own and node.input_tensors
            ]
            layer_configs.append(entry)

        def endpoint(t: KerasTensor) -> list[Any]:
            # Keras numbers a nested functional model's nodes from 1 here (not in inbound_nodes):
            # its reindexing counts a "pre-existing" node that from_config subtracts again.
            name, node_index, tensor_index = history(t)
            return [name, node_index + isinstance(t._keras_history[0], Functional), tensor_index]

        def tensors(struct: Any) -> Any:
            if isinstance(struct, KerasTensor):
                return endpoint(struct)
            if isinstance(struct, dict):
                return {k: tensors(v) for k, v in struct.items()}
            return [tensors(v) for v in struct]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": tensors(self._inputs_struct),
            "output_layers": tensors(self._outputs_struct),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Functional:
        """Rebuilds the graph: creates each layer, then replays its calls once their inputs exist.

        Raises:
            ValueError: for a malformed config, an unknown layer name, or a graph
                with loops or disconnected nodes.
        """
        from scratchnn.saving.serialization import deserialize_layer

        if not isinstance(config.get("layers"), list):
            raise ValueError(
                f"A functional model config needs a 'layers' list. Received keys: {sorted(config)}"
            )
        created: dict[str, Layer] = {}
        pending: list[tuple[Layer, list[Any]]] = []
        for entry in config["layers"]:
            layer = deserialize_layer(entry, custom_objects)
            name = entry.get("name", layer.name)
            created[name] = layer
            pending.append((layer, list(entry.get("inbound_nodes") or [])))

        def lookup(name: str, node_index: int, tensor_index: int, from_one: bool = False) -> Any:
            layer = created.get(name)
            if layer is None:
                raise ValueError(f"The functional config refers to an unknown layer {name!r}.")
            if from_one and isinstance(layer, Functional):
                # input/output_layers (and all of a Keras 2 config) count a nested model's nodes from 1.
                node_index -= 1
            if node_index < 0:
                raise ValueError(f"The functional config refers to node {node_index} of layer {name!r}.")
            if len(layer._inbound_nodes) <= node_index:
                raise _NotReady
            return layer._inbound_nodes[node_index].output_tensors[tensor_index]

        def decode(x: Any) -> Any:
            if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
                return lookup(*x["config"]["keras_history"])
            if isinstance(x, dict) and x.get("class_name") == "__tuple__":
                return tuple(decode(v) for v in x["config"]["value"])
            if isinstance(x, dict):
                return {k: decode(v) for k, v in x.items()}
            if isinstance(x, list):
                return [decode(v) for v in x]
            return x

        def decode_legacy(node: list[Any]) -> tuple[list[Any], dict[str, Any]]:
            # Keras 2: [[layer_name, node_index, tensor_index, kwargs], ...]
            tensors_in = [lookup(*item[:3], from_one=True) for item in node]
            kwargs = node[0][3] if node and len(node[0]) > 3 else {}
            return [tensors_in[0] if len(tensors_in) == 1 else tensors_in], dict(kwargs)

        while any(nodes for _, nodes in pending):
            progressed = False
            for layer, nodes in pending:
                while nodes:
                    try:
                        if isinstance(nodes[0], list):
                            args, kwargs = decode_legacy(nodes[0])
                        else:
                            args = decode(nodes[0].get("args", []))
                            kwargs = decode(nodes[0].get("kwargs", {}))
                    except _NotReady:
                        break
                    if (
                        kwargs.get("mask", 0) is None
                        and "mask" not in inspect.signature(layer.call).parameters
                    ):
                        del kwargs["mask"]  # Keras writes mask=None into calls of nested models
                    layer(*args, **kwargs)
                    nodes.pop(0)
                    progressed = True
            if not progressed:
                stuck = [layer.name for layer, nodes in pending if nodes]
                raise ValueError(
                    f"Invalid functional model config: the graph has loops or disconnected nodes at layers {stuck}."
                )

        def tensors(spec: Any) -> Any:
            if isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str):
                return lookup(*spec, from_one=True)
            if isinstance(spec, dict):
                return {k: tensors(v) for k, v in spec.items()}
            return [tensors(v) for v in spec]

        inputs = tensors(config["input_layers"])
        outputs = tensors(config["output_layers"])
        if isinstance(outputs, list) and len(outputs) == 1 and not isinstance(outputs[0], list):
            outputs = outputs[0]
        if isinstance(inputs, list) and len(inputs) == 1 and not isinstance(inputs[0], list):
            inputs = inputs[0]
        return cls(
            inputs=inputs, outputs=outputs, name=config.get("name"), trainable=config.get("trainable", True)
        )


class _NotReady(Exception):
    """A node's input tensors do not exist yet (their layer's call comes later)."""


def _keras_layer_order(
    inputs: list[KerasTensor], outputs: list[KerasTensor], nodes: list[Node]
) -> list[Layer]:
    """Orders layers as Keras's `map_graph` does (keras/src/ops/function.py).

    A depth-first walk from the outputs numbers each layer when first seen;
    a node's depth is its distance from the outputs; layers come in
    decreasing depth, ties broken by that number. The order fixes the
    `layers/<name>` containers in weight files, so it must match Keras's.
    """
    in_graph = {id(n) for n in nodes}
    input_ids = {id(t) for t in inputs}
    first_seen: dict[int, int] = {}
    post_order: list[Node] = []
    finished: set[int] = set()
    layers_by_id: dict[int, Layer] = {}
    stack: list[tuple[KerasTensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, expanded = stack.pop()
        node = _node_of(tensor)
        if expanded:
            if id(node) not in finished:
                finished.add(id(node))
                post_order.append(node)
            continue
        if id(node) in finished:
            continue
        is_input = isinstance(node.layer, InputLayer) and not node.input_tensors
        if not is_input and id(tensor) in input_ids:
            finished.add(id(node))
            continue
        layers_by_id[id(node.layer)] = node.layer
        first_seen.setdefault(id(node.layer), len(first_seen))
        stack.append((tensor, True))
        if not is_input:
            stack.extend((t, False) for t in reversed(node.input_tensors))
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for t in node.input_tensors:
            parent = _node_of(t)
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in inputs:
        layer = t._keras_history[0]
        if id(layer) not in layer_depth:
            layers_by_id[id(layer)] = layer
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = -1
    order = sorted(layer_depth, key=lambda k: (-layer_depth[k], first_seen[k]))
    return [layers_by_id[k] for k in order]


def _flat_values(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        return [v for o in out for v in _flat_values(o)]
    if isinstance(out, dict):
        return [v for o in out.values() for v in _flat_values(o)]
    return [out]
