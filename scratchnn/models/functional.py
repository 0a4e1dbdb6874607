"""Functional models: a graph of layer calls on symbolic inputs (keras/src/models/functional.py).

`Model(inputs, outputs)` walks back once from the outputs through the recorded
`Node`s (`map_graph`, as keras/src/ops/function.py does): that walk gives the
order the layer calls run in and Keras's order of the layers. `call` replays
the calls on real tensors.
"""

from __future__ import annotations

import inspect
from typing import Any

from scratchnn.layers.input_layer import InputLayer
from scratchnn.layers.input_spec import InputSpec, adjust_input_rank
from scratchnn.layers.layer import Layer
from scratchnn.models.model import Model
from scratchnn.ops.symbolic import KerasTensor, Node, any_symbolic, keras_tensors
from scratchnn.ops.tensor import Tensor
from scratchnn.saving.registry import register_builtins
from scratchnn.saving.serialization import deserialize_layer, serialize_layer
from scratchnn.utils import tree


def _node_of(t: KerasTensor) -> Node:
    layer, node_index, _ = t._keras_history
    return layer._inbound_nodes[node_index]


def _replace(structure: Any, values: dict[int, Any]) -> Any:
    """Swaps each KerasTensor in a nested structure for its computed value."""
    return tree.map_structure(lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, structure)


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
        self._flat_inputs = keras_tensors(inputs)
        self._flat_outputs = keras_tensors(outputs)
        for t in self._flat_inputs + self._flat_outputs:
            if t._keras_history is None:
                raise ValueError(f"{t} was not produced by keras.Input or a layer call.")
        self._nodes, layers = map_graph(self._flat_inputs, self._flat_outputs)
        self._tracked_layers.extend(layers)
        self._layer_output_shapes = {
            id(n.layer): n.outputs.shape if isinstance(n.outputs, KerasTensor) else None for n in self._nodes
        }
        self.output_names = [t._keras_history[0].name for t in self._flat_outputs]
        self.input_names = [t._keras_history[0].name for t in self._flat_inputs]
        # `Layer.__call__` checks every call's inputs against these (layers/input_spec.py), allowing
        # a last size-1 axis more or less, which `_bind_inputs` then adds or drops (as Keras does).
        specs = [
            InputSpec(shape=t.shape, allow_last_axis_squeeze=True, name=name)
            for t, name in zip(self._flat_inputs, self.input_names)
        ]
        self.input_spec = specs[0] if isinstance(inputs, KerasTensor) else specs
        self._replay_plan = _replay_plan(self._nodes)
        self.built = True

    def _obj_type(self) -> str:
        return "Functional"

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

    def _bind_inputs(self, inputs: Any) -> dict[int, Any]:
        """Maps each input KerasTensor to its value, with a last size-1 axis added or dropped where
        the model's input shape asks (keras/src/models/functional.py `_adjust_input_rank`).

        The shapes were checked by `Layer.__call__` against `input_spec`.
        """
        flat_inputs = self._flat_inputs
        if type(inputs) is Tensor and len(flat_inputs) == 1:
            kt = flat_inputs[0]
            if inputs.data.ndim != len(kt.shape):
                inputs = adjust_input_rank(inputs, kt.shape)
            return {id(kt): inputs}
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"Missing inputs {missing}. The model's inputs are {self.input_names}.")
            flat = [inputs[n] for n in self.input_names]
        else:
            flat = tree.flatten(inputs)
        if len(flat) != len(flat_inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(flat_inputs)} input(s) ({self.input_names}), "
                f"but it received {len(flat)} input tensors."
            )
        values = {}
        for kt, value in zip(flat_inputs, flat):
            if len(value.shape) != len(kt.shape):
                value = adjust_input_rank(value, kt.shape)
            values[id(kt)] = value
        return values

    def call(self, inputs: Any, training: bool = False) -> Any:
        values = self._bind_inputs(inputs)
        for layer, input_id, args, kwargs, output_tensors in self._replay_plan:
            if input_id is not None:  # the usual node: one KerasTensor argument, no symbolic kwargs
                out = layer(values[input_id], training=training, **kwargs)
            else:
                out = layer(*_replace(args, values), training=training, **_replace(kwargs, values))
            for kt, value in zip(output_tensors, tree.flatten(out)):
                values[id(kt)] = value
        outputs = _replace(self._outputs_struct, values)
        # Keras returns the tensor itself for `outputs=[y]` (functional.py `unpack_singleton`).
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            return outputs[0]
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self.output_shape

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
        values = {id(kt): value for kt, value in zip(self._flat_inputs, keras_tensors(inputs))}
        replaced: dict[int, Any] = {}
        for node in self._replay_order():
            if id(node.layer) not in replaced:
                replaced[id(node.layer)] = operation_fn(node.layer)
            layer = replaced[id(node.layer)]
            args = _replace(node.call_args, values)
            kwargs = _replace(node.call_kwargs, values)
            out = call_fn(layer, *args, **kwargs) if call_fn is not None else layer(*args, **kwargs)
            for kt, value in zip(node.output_tensors, tree.flatten(out)):
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
        index = self._own_node_indices()
        own = {id(n) for n in self._nodes}

        def history(t: KerasTensor) -> list[Any]:
            layer, node_index, tensor_index = t._keras_history
            return [layer.name, index[id(layer._inbound_nodes[node_index])], tensor_index]

        def encode_leaf(x: Any) -> Any:
            if isinstance(x, KerasTensor):
                config = {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}
                return {"class_name": "__keras_tensor__", "config": config}
            return x

        def encode(x: Any) -> Any:
            return tree.map_structure_as_lists(encode_leaf, x)

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
            return tree.map_structure_as_lists(endpoint, struct)

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

        def decode_leaf(x: Any) -> Any:
            if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
                return lookup(*x["config"]["keras_history"])
            if isinstance(x, dict) and x.get("class_name") == "__tuple__":
                return tuple(decode(v) for v in x["config"]["value"])
            return x

        def decode(x: Any) -> Any:
            return tree.map_structure(decode_leaf, x, is_leaf=_is_tagged)

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
            found = tree.map_structure_as_lists(
                lambda s: lookup(*s, from_one=True), spec, is_leaf=_is_endpoint
            )
            one = isinstance(found, list) and len(found) == 1 and not isinstance(found[0], list)
            return found[0] if one else found  # a list of one tensor stands for the tensor

        inputs = tensors(config["input_layers"])
        outputs = tensors(config["output_layers"])
        return cls(
            inputs=inputs, outputs=outputs, name=config.get("name"), trainable=config.get("trainable", True)
        )


class _NotReady(Exception):
    """A node's input tensors do not exist yet (their layer's call comes later)."""


def _is_tagged(x: Any) -> bool:
    """A config dict standing for a symbolic tensor or a tuple (decoded as one leaf)."""
    return isinstance(x, dict) and x.get("class_name") in ("__keras_tensor__", "__tuple__")


def _is_endpoint(spec: Any) -> bool:
    """An `input_layers`/`output_layers` entry `[layer_name, node_index, tensor_index]`."""
    return isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str)


def map_graph(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> tuple[list[Node], list[Layer]]:
    """The nodes between `inputs` and `outputs` and the layers, in one walk (keras/src/ops/function.py).

    A depth-first walk from the outputs, each node's inputs in order, down to
    the model's inputs. It gives:

    - the nodes in post-order, each after the nodes it depends on: the order
      `call` runs them in;
    - Keras's order of the layers (`map_graph`'s `operations`): a layer is
      numbered when first seen; a node's depth is its distance from the outputs;
      layers come in decreasing depth, ties broken by that number. The order
      fixes the `layers/<name>` containers in weight files, so it must match Keras's.

    Raises:
        ValueError: when a tensor the outputs need comes from a `keras.Input`
            that is not one of `inputs` ("Graph disconnected"), or an input is
            not a `keras.Input` tensor.
    """
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
            raise ValueError(
                f"The inputs of a functional model must come from keras.Input. Received: {tensor}, an "
                f"output of layer {node.layer.name!r}; start the model at that layer's inputs instead."
            )
        layers_by_id[id(node.layer)] = node.layer
        first_seen.setdefault(id(node.layer), len(first_seen))
        stack.append((tensor, True))
        if not is_input:
            for t in reversed(node.input_tensors):
                if isinstance(_node_of(t).layer, InputLayer) and id(t) not in input_ids:
                    raise ValueError(
                        f"Graph disconnected: cannot obtain a value for {t}: it is not one of the model's inputs."
                    )
                stack.append((t, False))
    # Depths, from the outputs (depth 0) back: a node is one deeper than the deepest node that
    # uses it, and a shared layer takes the largest depth of its nodes (Keras's rule).
    in_graph = {id(n) for n in post_order}
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
    return post_order, [layers_by_id[k] for k in order]


def _replay_plan(nodes: list[Node]) -> list[tuple[Any, Any, Any, Any, list[KerasTensor]]]:
    """`(layer, input_id, args, kwargs, output_tensors)` per layer node, for `Functional.call`.

    A node called on one KerasTensor with no symbolic keyword argument (almost
    all of them) gets `input_id`, so a step looks its input up directly instead
    of rebuilding the argument structures; otherwise `input_id` is None and the
    recorded `args`/`kwargs` are rebuilt with the values.
    """
    plan = []
    for node in nodes:
        if isinstance(node.layer, InputLayer):
            continue
        args, kwargs = node.call_args, node.call_kwargs
        if len(args) == 1 and isinstance(args[0], KerasTensor) and not any_symbolic(kwargs):
            plan.append((node.layer, id(args[0]), None, kwargs, node.output_tensors))
        else:
            plan.append((node.layer, None, args, kwargs, node.output_tensors))
    return plan


# Configs name the functional class by its private Keras module (keras/src/models/functional.py
# is not exported), as Keras 3 writes them.
register_builtins("keras.src.models.functional", [Functional])
