"""`keras.Input`, `InputLayer` and symbolic tensors for the functional API.

`keras.Input(shape=(28, 28))` returns a `KerasTensor`: a shape and dtype with
no data. Calling a layer on KerasTensors builds the layer for that shape,
records a `Node` (which layer, which inputs, which call arguments), and returns
KerasTensors for the outputs, so `Model(inputs, outputs)` can replay the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scratchnn import backend
from scratchnn.layers.layer import Layer
from scratchnn.ops.tensor import Tensor, no_grad


class KerasTensor:
    """A symbolic tensor: shape (batch axis None), dtype and the node that made it."""

    def __init__(self, shape: tuple[Any, ...], dtype: str | None = None, name: str | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype or backend.floatx()
        self.name = name
        # (layer, node_index, tensor_index): how to find this tensor's producer.
        self._keras_history: tuple[Layer, int, int] | None = None
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

    layer: Layer
    call_args: tuple[Any, ...]  # the positional args, KerasTensors in place
    call_kwargs: dict[str, Any]
    outputs: Any
    input_tensors: list[KerasTensor] = field(default_factory=list)
    output_tensors: list[KerasTensor] = field(default_factory=list)


def _flat_keras_tensors(x: Any) -> list[KerasTensor]:
    if isinstance(x, KerasTensor):
        return [x]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _flat_keras_tensors(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _flat_keras_tensors(v)]
    return []


def _shape_of(x: Any) -> Any:
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    return tuple(x.shape)


def symbolic_call(layer: Layer, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Builds `layer` for the symbolic inputs and returns symbolic outputs (records a Node).

    The layer is built for the first argument's shape. When further arguments are
    symbolic too (`LogisticEndpoint()(targets, logits)`), the output shape comes from
    running `call` once on zeros of every argument's shape (batch axis 1), since
    `compute_output_shape` only sees the first.
    """
    input_shape = _shape_of(inputs)
    layer._maybe_build(input_shape)
    extra = _flat_keras_tensors((args, kwargs))
    if extra:
        out_shape = _run_on_zeros(layer, inputs, args, kwargs)
    else:
        out_shape = layer.compute_output_shape(input_shape)
    outputs = _make_outputs(out_shape, layer)
    node = Node(layer, (inputs, *args), dict(kwargs), outputs)
    node.input_tensors = _flat_keras_tensors(inputs) + extra
    node.output_tensors = _flat_keras_tensors(outputs)
    node_index = len(layer._inbound_nodes)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(node.output_tensors):
        t._keras_history = (layer, node_index, i)
    _attach_symbolic_masks(layer, inputs, node.output_tensors)
    return outputs


def _attach_symbolic_masks(layer: Layer, inputs: Any, outputs: list[KerasTensor]) -> None:
    """Gives symbolic outputs a bool KerasTensor standing for the mask the layer would give real
    ones (Keras shows it on KerasTensors too). Its shape comes from running `compute_mask` on
    zeros, so a user's `compute_mask` written with ops works; real masks are computed eagerly."""
    if not layer.supports_masking:
        return
    flat_in = _flat_keras_tensors(inputs)
    masks = [t._keras_mask for t in flat_in]
    overrides = type(layer).compute_mask is not Layer.compute_mask
    if not overrides and all(m is None for m in masks):
        return

    def stand_in(t: Any) -> Any:
        return (
            None if t is None else backend.xp.ones(tuple(1 if d is None else d for d in t.shape), dtype=bool)
        )

    previous = stand_in(masks[0]) if isinstance(inputs, KerasTensor) else [stand_in(m) for m in masks]
    if not isinstance(inputs, KerasTensor) and all(m is None for m in masks):
        previous = None
    with no_grad():
        mask = layer.compute_mask(_zeros_like_symbolic(inputs), previous)
    if mask is None:
        return
    flat_masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
    for out, m in zip(outputs, flat_masks):
        if m is not None:
            shape = tuple(getattr(m, "shape", ()))
            out._keras_mask = KerasTensor((None, *shape[1:]) if shape else (), dtype="bool")


def _zeros_like_symbolic(x: Any) -> Any:
    """Zeros (batch axis 1) standing for every KerasTensor in a structure."""
    if isinstance(x, KerasTensor):
        return Tensor(backend.xp.zeros(tuple(1 if d is None else d for d in x.shape), dtype=x.dtype))
    if isinstance(x, (list, tuple)):
        return type(x)(_zeros_like_symbolic(v) for v in x)
    if isinstance(x, dict):
        return {k: _zeros_like_symbolic(v) for k, v in x.items()}
    return x


def _run_on_zeros(layer: Layer, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Output shapes (batch axis None) of `layer.call` run on zeros standing for the KerasTensors."""

    zeros = _zeros_like_symbolic
    with no_grad():
        if layer._call_takes_training:
            kwargs = {**kwargs, "training": False}
        out = layer.call(zeros(inputs), *zeros(args), **zeros(kwargs))

    def shapes(o: Any) -> Any:
        if isinstance(o, Tensor):
            return (None, *o.shape[1:])
        if isinstance(o, dict):
            return {k: shapes(v) for k, v in o.items()}
        return [shapes(v) for v in o]

    return shapes(out)


def adjust_input_rank(value: Any, shape: tuple[Any, ...]) -> Any:
    """`value` with a trailing size-1 axis added or dropped to give it the rank of `shape`.

    Keras 3 does this for model inputs (functional.py `_adjust_input_rank`): a (N,) array
    fed to a model whose input is (None, 1) becomes (N, 1), and (N, 1) fed to (None,)
    becomes (N,). Anything else is returned unchanged, for the shape check to refuse.
    """
    ndim = len(getattr(value, "shape", ()))
    if ndim == len(shape) - 1 and shape[-1] == 1:
        return value[..., None]
    if ndim == len(shape) + 1 and ndim and value.shape[-1] == 1:
        return value[..., 0]
    return value


def _make_outputs(shape: Any, layer: Layer) -> Any:
    if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape):
        return KerasTensor(tuple(shape), dtype=layer.dtype, name=layer.name)
    if isinstance(shape, dict):
        return {k: _make_outputs(v, layer) for k, v in shape.items()}
    return [_make_outputs(s, layer) for s in shape]


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

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

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
