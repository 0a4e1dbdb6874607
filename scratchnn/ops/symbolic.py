"""Symbolic tensors for the functional API: `KerasTensor`, `Node` and `symbolic_call`.

`keras.Input(shape=(28, 28))` returns a `KerasTensor`: a shape and dtype with
no data. Calling a layer on KerasTensors builds the layer for that shape,
records a `Node` (which layer, which inputs, which call arguments), and returns
KerasTensors for the outputs, so `Model(inputs, outputs)` can replay the graph.

This module sits below the layers, as Keras keeps it (keras/src/backend/common/
keras_tensor.py, keras/src/ops/node.py): nothing here imports `Layer`. The
layer is passed in, and only its public protocol is used (`_maybe_build`,
`compute_output_shape`, `call`, `compute_mask`, `_inbound_nodes`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scratchnn import backend
from scratchnn.ops.tensor import Tensor, no_grad
from scratchnn.utils import tree


class KerasTensor:
    """A symbolic tensor: shape (batch axis None), dtype and the node that made it."""

    def __init__(self, shape: tuple[Any, ...], dtype: str | None = None, name: str | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype or backend.floatx()
        self.name = name
        # (layer, node_index, tensor_index): how to find this tensor's producer.
        self._keras_history: tuple[Any, int, int] | None = None
        # The symbolic mask (a bool KerasTensor) when the producing layer makes or passes one.
        self._keras_mask: Any = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


@dataclass
class Node:
    """One call of a layer on symbolic inputs."""

    layer: Any  # the Layer that was called
    call_args: tuple[Any, ...]  # the positional args, KerasTensors in place
    call_kwargs: dict[str, Any]
    outputs: Any
    input_tensors: list[KerasTensor] = field(default_factory=list)
    output_tensors: list[KerasTensor] = field(default_factory=list)


def keras_tensors(structure: Any) -> list[KerasTensor]:
    """The KerasTensors of a nested structure, in order (other leaves are skipped)."""
    return [t for t in tree.flatten(structure) if isinstance(t, KerasTensor)]


def any_symbolic(structure: Any) -> bool:
    """Whether a nested structure holds a KerasTensor (a loop, not `any`: it runs in `Layer.__call__`)."""
    for leaf in tree.flatten(structure):
        if isinstance(leaf, KerasTensor):
            return True
    return False


def _shape(x: Any) -> tuple[Any, ...]:
    return tuple(x.shape)


def shape_of(structure: Any) -> Any:
    """The shapes of a structure of tensors or KerasTensors (containers as lists, as `build` receives them)."""
    return tree.map_structure_as_lists(_shape, structure)


def symbolic_call(layer: Any, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Builds `layer` for the symbolic inputs and returns symbolic outputs (records a Node).

    The layer is built for the first argument's shape. When further arguments are
    symbolic too (`LogisticEndpoint()(targets, logits)`), the output shape comes from
    running `call` once on zeros of every argument's shape (batch axis 1), since
    `compute_output_shape` only sees the first.
    """
    input_shape = shape_of(inputs)
    layer._maybe_build(input_shape)
    extra = keras_tensors((args, kwargs))
    if extra:
        out_shape = _run_on_zeros(layer, inputs, args, kwargs)
    else:
        out_shape = layer.compute_output_shape(input_shape)
    outputs = tree.map_shape_structure(
        lambda s: KerasTensor(s, dtype=layer.dtype, name=layer.name), out_shape
    )
    node = Node(layer, (inputs, *args), dict(kwargs), outputs)
    node.input_tensors = keras_tensors(inputs) + extra
    node.output_tensors = keras_tensors(outputs)
    node_index = len(layer._inbound_nodes)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(node.output_tensors):
        t._keras_history = (layer, node_index, i)
    _attach_symbolic_masks(layer, inputs, node.output_tensors)
    return outputs


def _attach_symbolic_masks(layer: Any, inputs: Any, outputs: list[KerasTensor]) -> None:
    """Gives symbolic outputs a bool KerasTensor standing for the mask the layer would give real
    ones (Keras shows it on KerasTensors too). Its shape comes from running `compute_mask` on
    zeros, so a user's `compute_mask` written with ops works; real masks are computed eagerly."""
    if not layer.supports_masking:
        return
    masks = [t._keras_mask for t in keras_tensors(inputs)]
    if not layer._computes_own_mask() and all(m is None for m in masks):
        return

    def stand_in(t: Any) -> Any:
        return (
            None if t is None else backend.xp.ones(tuple(1 if d is None else d for d in t.shape), dtype=bool)
        )

    previous = stand_in(masks[0]) if isinstance(inputs, KerasTensor) else [stand_in(m) for m in masks]
    if not isinstance(inputs, KerasTensor) and all(m is None for m in masks):
        previous = None
    with no_grad():
        mask = layer.compute_mask(zeros_like_symbolic(inputs), previous)
    if mask is None:
        return
    flat_masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
    for out, m in zip(outputs, flat_masks):
        if m is not None:
            shape = tuple(getattr(m, "shape", ()))
            out._keras_mask = KerasTensor((None, *shape[1:]) if shape else (), dtype="bool")


def _zeros(x: Any) -> Any:
    if isinstance(x, KerasTensor):
        return Tensor(backend.xp.zeros(tuple(1 if d is None else d for d in x.shape), dtype=x.dtype))
    return x


def zeros_like_symbolic(structure: Any) -> Any:
    """Zeros (batch axis 1) standing for every KerasTensor in a structure; other leaves are kept."""
    return tree.map_structure(_zeros, structure)


def _run_on_zeros(layer: Any, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Output shapes (batch axis None) of `layer.call` run on zeros standing for the KerasTensors."""
    with no_grad():
        if layer._call_takes_training:
            kwargs = {**kwargs, "training": False}
        out = layer.call(
            zeros_like_symbolic(inputs), *zeros_like_symbolic(args), **zeros_like_symbolic(kwargs)
        )
    return tree.map_shape_structure(lambda s: (None, *s[1:]), shape_of(out))
