"""`Operation`: the symbolic tensors of a layer's calls (keras/src/ops/operation.py).

Every call of a layer on KerasTensors appends a `Node` to `_inbound_nodes`
(`ops.symbolic.symbolic_call`); these properties read the first node, as
Keras's `Operation.input` and `.output` do. `Layer` inherits them.
"""

from __future__ import annotations

from typing import Any


def _single(values: list[Any]) -> Any:
    """A one-element list as its element (Keras's convention for node inputs and outputs)."""
    return values[0] if len(values) == 1 else values


class Operation:
    """Mixin giving a layer `input`, `output`, `input_shape` and `output_shape` from its nodes.

    The class using it sets `self.name` and `self._inbound_nodes = []`.
    """

    name: str
    _inbound_nodes: list[Any]

    def _first_node(self, what: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        return self._inbound_nodes[0]

    @property
    def input(self) -> Any:
        """The KerasTensor(s) of the layer's first call on symbolic inputs (a list when several).

        Raises:
            AttributeError: if the layer was never called on symbolic tensors (nor built in a
                Sequential model with a known input shape).
        """
        return _single(self._first_node("input").input_tensors)

    @property
    def output(self) -> Any:
        """The KerasTensor(s) that the layer's first symbolic call returned (a list when several)."""
        return _single(self._first_node("output").output_tensors)

    @property
    def input_shape(self) -> Any:
        """The input shape shared by every symbolic call (tf.keras's `Layer.input_shape`).

        Raises:
            AttributeError: if the layer was never called, or was called on different shapes.
        """
        return self._node_shape("input_tensors", "input shape")

    @property
    def output_shape(self) -> Any:
        """The output shape shared by every symbolic call (tf.keras's `Layer.output_shape`)."""
        return self._node_shape("output_tensors", "output shape")

    def _node_shape(self, attr: str, what: str) -> Any:
        self._first_node(what)
        shapes = [_single([t.shape for t in getattr(node, attr)]) for node in self._inbound_nodes]
        if any(s != shapes[0] for s in shapes[1:]):
            raise AttributeError(
                f'The layer "{self.name}" has multiple inbound nodes, with different {what}s. Hence the '
                f'notion of "{what}" is ill-defined for the layer; read it from one call\'s tensors instead.'
            )
        return shapes[0]
