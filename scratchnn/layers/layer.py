"""The Layer base class: weights, building, calling, configs (keras/src/layers/layer.py).

A subclass defines `build(input_shape)` (weights via `add_weight`) and
`call(inputs, training=False)` (the forward pass written with `scratchnn.ops`);
the tape derives the backward pass. `__call__` converts inputs, builds on first
use, resolves `training` through the call context, passes masks along, and
adds the activity regularizer's penalty to `losses`. Calling a layer on a
symbolic `KerasTensor` (from `keras.Input`) records a node for the functional
API instead of computing.

The call context (keras/src/layers/layer.py `CallContext`): the outermost
`Layer.__call__` of a forward pass fixes `training`, and every nested layer
whose caller passes no `training` inherits it, so a Dropout inside a custom
layer inside a subclassed model drops during `fit` without the user threading
`training=` through each `call`. One deliberate difference from Keras: a nested
call that sets `training` explicitly (`self.bn(x, training=False)`) scopes that
value to its own sub-calls; Keras writes it into the shared context, so a
sibling called after it (`self.dropout(x)`) silently runs in inference mode too.
"""

from __future__ import annotations

import inspect
import threading
import warnings
from typing import Any

from scratchnn import backend, initializers, regularizers
from scratchnn.metrics.metric import Metric
from scratchnn.ops.tensor import Tensor, Variable, no_grad
from scratchnn.utils import naming

_BASE_KWARGS = {"input_shape", "input_dim", "batch_input_shape", "batch_size", "autocast", "weights"}


def _dtype_name(dtype: Any) -> str:
    """Accepts a dtype name, a NumPy dtype, or Keras 3's serialized DTypePolicy dict."""
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", dtype.get("name"))
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return backend.floatx()
    return backend.standardize_dtype(dtype)


def _accepts(fn: Any, arg: str) -> bool:
    params = inspect.signature(fn).parameters
    return arg in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _declared_default(fn: Any, arg: str) -> Any:
    """The default of `arg` in `fn`'s signature (None when absent or without a default)."""
    param = inspect.signature(fn).parameters.get(arg)
    if param is None or param.default is inspect.Parameter.empty:
        return None
    return param.default


# The `training` value of the innermost active `Layer.__call__` on this thread; None outside
# any call (then the next call is the outermost one of a forward pass).
_call_context = threading.local()


# How many layers hold `add_loss` terms right now. While it is zero (the usual case: no
# activity regularizer, no custom add_loss) the outermost call skips walking its sub-layers
# to clear them, and the trainer skips collecting them.
_layers_holding_losses = 0


def any_added_losses() -> bool:
    """True when some layer holds `add_loss` terms (cheap: a counter, no layer walk)."""
    return _layers_holding_losses > 0


class Layer:
    """Base class of every layer.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; by default the snake_case class name plus a counter
            ("dense", "dense_1", ...).
        dtype: the dtype of weights and computations (default `floatx()`).
        activity_regularizer: a penalty on the layer's outputs, added to the loss.
        input_shape: shape of one sample, without the batch axis (Sequential only).
    """

    def __init__(
        self,
        *,
        activity_regularizer: Any = None,
        trainable: bool = True,
        dtype: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Layer name must be a string. Received: name={name!r}")
        object.__setattr__(self, "_tracked_layers", [])
        object.__setattr__(self, "_tracked_metrics", [])
        self.name = name or naming.uniquify(naming.to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype = _dtype_name(dtype) if dtype is not None else None
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        # Keras's default: a layer supports masking when it overrides compute_mask.
        self._supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._own_variables: list[Variable] = []
        self._losses: list[Tensor] = []
        self._call_takes_training = _accepts(self.call, "training")
        # A `call(x, training=True)` default applies when no caller and no outer call sets it.
        self._call_training_default = bool(_declared_default(self.call, "training"))
        self._call_takes_mask = "mask" in inspect.signature(self.call).parameters
        self._build_shapes: Any = None
        self._inbound_nodes: list[Any] = []
        batch_shape = kwargs.get("batch_input_shape")
        if batch_shape is None and kwargs.get("input_shape") is not None:
            batch_shape = (kwargs.get("batch_size"), *tuple(kwargs["input_shape"]))
        if batch_shape is None and kwargs.get("input_dim") is not None:
            batch_shape = (kwargs.get("batch_size"), int(kwargs["input_dim"]))
        self._batch_input_shape = tuple(batch_shape) if batch_shape is not None else None
        self._initial_weights = kwargs.get("weights")

    # -- attribute tracking: sub-layers and metrics assigned as attributes are tracked ----
    def __setattr__(self, name: str, value: Any) -> None:
        tracked = self.__dict__.get("_tracked_layers")
        if tracked is not None and not name.startswith("_"):
            candidates = value if isinstance(value, (list, tuple)) else [value]
            for v in candidates:
                if isinstance(v, Layer) and v is not self and all(v is not t for t in tracked):
                    tracked.append(v)
                elif isinstance(v, Metric) and all(v is not m for m in self._tracked_metrics):
                    # A model's `self.loss_tracker = Mean()` joins `model.metrics` (Keras tracks it too).
                    self._tracked_metrics.append(v)
        object.__setattr__(self, name, value)

    # -- properties ----------------------------------------------------------
    @property
    def dtype(self) -> str:
        """The layer's variable and compute dtype ("float32" unless set)."""
        return self._dtype or backend.floatx()

    @property
    def compute_dtype(self) -> str:
        return self.dtype

    @property
    def variable_dtype(self) -> str:
        return self.dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._tracked_layers:
            layer.trainable = value

    @property
    def path(self) -> str:
        return self.name

    def _flatten_layers(self) -> list[Layer]:
        """This layer's tracked sub-layers, recursively, each once."""
        out: list[Layer] = []
        seen: set[int] = set()
        stack = list(reversed(self._tracked_layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._tracked_layers))
        return out

    @property
    def weights(self) -> list[Variable]:
        """Every variable, layer by layer: this layer's own (trainable ones first), then sub-layers'.

        This is Keras 3's order (keras/src/layers/layer.py `weights`), the order of
        `get_weights`/`set_weights` and of the saved files; freezing a layer does not reorder it.
        """
        out = list(self._own_variables)
        for layer in self._tracked_layers:
            out.extend(layer.weights)
        return _unique(out)

    @property
    def trainable_weights(self) -> list[Variable]:
        """The variables that training updates (none when the layer is frozen)."""
        if not self.trainable:
            return []
        out = [v for v in self._own_variables if v.trainable]
        for layer in self._tracked_layers:
            out.extend(layer.trainable_weights)
        return _unique(out)

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """The variables that training leaves alone (all of them when the layer is frozen)."""
        if not self.trainable:
            return self.weights
        out = [v for v in self._own_variables if not v.trainable]
        for layer in self._tracked_layers:
            out.extend(layer.non_trainable_weights)
        return _unique(out)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def losses(self) -> list[Tensor]:
        """The `add_loss` terms of the last forward pass (this layer's and its sub-layers'),
        including activity penalties, then the weight penalties computed from the current
        weights (as Keras computes them on each access)."""
        out = list(self._losses)
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for v in self.weights:
            if v.regularizer is not None:
                out.append(v.regularizer(v))
        return out

    def add_loss(self, loss: Any) -> None:
        """Adds a loss term that training adds to the compiled loss (Keras's `Layer.add_loss`).

        Called inside `call`, e.g. `self.add_loss(1e-2 * ops.sum(ops.square(x)))`. The terms
        of a forward pass are dropped when the next outermost call starts, so they always
        belong to the latest pass.

        Args:
            loss: a scalar Tensor (or array-like; non-scalars are summed by the trainer).
        """
        global _layers_holding_losses
        if not isinstance(loss, Tensor):
            loss = Tensor(backend.asarray(loss, dtype=backend.floatx()))
        if not self._losses:
            _layers_holding_losses += 1
        self._losses.append(loss)

    def _clear_losses(self) -> None:
        """Drops the `add_loss` terms of this layer and its sub-layers (a new forward pass)."""
        global _layers_holding_losses
        for layer in (self, *self._flatten_layers()):
            if layer._losses:
                layer._losses = []
                _layers_holding_losses -= 1

    # -- weights ---------------------------------------------------------------
    def add_weight(
        self,
        shape: Any = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
        aggregation: str = "none",
        name: str | None = None,
    ) -> Variable:
        """Creates a weight owned by this layer.

        Args:
            shape: tuple of ints (default scalar).
            initializer: name, Initializer or callable; default "glorot_uniform"
                for float weights, "zeros" otherwise (as in Keras).
            dtype: default the layer's dtype.
            trainable: whether optimizers update it.
            regularizer: penalty added to `losses`.
            constraint: projection applied after each optimizer update.
            name: e.g. "kernel".
        """
        shape = tuple(int(s) for s in (shape or ()))
        dtype = _dtype_name(dtype) if dtype is not None else self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_variables)}"
        var = Variable(
            init, shape=shape, dtype=dtype, trainable=trainable, name=name, path=f"{self.path}/{name}"
        )
        var.regularizer = regularizers.get(regularizer)
        from scratchnn import constraints

        var.constraint = constraints.get(constraint)
        var.aggregation = aggregation
        # Keras keeps trainable variables before non-trainable ones within a layer.
        position = len(self._own_variables)
        if trainable:
            position = sum(1 for v in self._own_variables if v.trainable)
        self._own_variables.insert(position, var)
        return var

    def get_weights(self) -> list[Any]:
        """The weights as host NumPy arrays, in `weights` order."""
        return [backend.to_numpy(v.data).copy() for v in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Sets the weights from arrays in `weights` order, all or nothing.

        Every value is checked (count, shape, numeric dtype) before the first
        weight changes, so a bad list leaves the layer as it was. Keras checks
        each weight as it assigns it, leaving the earlier ones overwritten.

        Raises:
            ValueError: naming the layer, when the count or a shape differs or a value is not numeric.
        """
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"Layer {self.name!r} expects {len(params)} weights, but the list has {len(weights)} "
                f"elements. Expected shapes {[p.shape for p in params]}."
            )
        values = [self._checked_weight(var, value) for var, value in zip(params, weights)]
        for var, arr in zip(params, values):
            var.assign(arr)

    def _checked_weight(self, var: Variable, value: Any) -> Any:
        """`value` as a backend array of `var`'s shape and dtype, or a ValueError naming the layer and weight."""
        arr = backend.asarray(value)
        if arr.dtype.kind not in "fiub":
            raise ValueError(
                f"Layer {self.name!r} weight {var.name!r} expects numbers, but the value given has dtype "
                f"{arr.dtype}. Received: an array of shape {tuple(arr.shape)}"
            )
        if tuple(arr.shape) != var.shape:
            raise ValueError(
                f"Layer {self.name!r} weight {var.name!r} has shape {var.shape}; the value given has "
                f"shape {tuple(arr.shape)}."
            )
        return arr.astype(var.data.dtype, copy=False)

    def count_params(self) -> int:
        """Total number of weight elements.

        Raises:
            ValueError: if the layer is not built yet.
        """
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer {self.name!r}, but the layer isn't built. "
                "Build it first, e.g. by calling it on data or with `build(input_shape)`."
            )
        return int(sum(v.size for v in self.weights))

    # -- building and calling ------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Creates the weights for inputs of `input_shape` (batch axis first, may be None)."""
        self.built = True

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self.build(input_shape)
            self.built = True
            self._build_shapes = input_shape
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The forward pass; subclasses override it."""
        return inputs

    def _convert_input(self, x: Any) -> Any:
        if isinstance(x, Tensor):
            return x
        if isinstance(x, (list, tuple)):
            return type(x)(self._convert_input(v) for v in x)
        if isinstance(x, dict):
            return {k: self._convert_input(v) for k, v in x.items()}
        arr = backend.asarray(x)
        if arr.dtype.kind == "f" and arr.dtype != self.dtype:
            arr = arr.astype(self.dtype)
        return Tensor(arr)

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        if (not isinstance(inputs, Tensor) or args) and _contains((inputs, args), _keras_tensor_class()):
            from scratchnn.layers.input_layer import symbolic_call

            if training is not None:
                kwargs["training"] = training
            return symbolic_call(self, inputs, args, kwargs)
        inputs = self._convert_input(inputs)
        if args:
            # Further tensor arguments (`LogisticEndpoint()(targets, logits)`) become Tensors too.
            args = tuple(self._convert_input(a) if _is_array(a) else a for a in args)
        if not self.built:
            self._maybe_build(_shapes_of(inputs))

        # training: this call's argument, else the enclosing call's, else call()'s own default.
        outer = getattr(_call_context, "training", None)
        if outer is None and _layers_holding_losses:
            self._clear_losses()  # the outermost call starts a new forward pass
        if training is None:
            training = outer if outer is not None else self._call_training_default
        training = bool(training)
        if self._call_takes_training:
            kwargs["training"] = training

        # Masks travel on the tensors (`_keras_mask`); `call(..., mask=None)` receives the input's.
        previous_mask = kwargs.get("mask")
        if previous_mask is None:
            previous_mask = inputs._keras_mask if isinstance(inputs, Tensor) else _mask_of(inputs)
            if previous_mask is not None and self._call_takes_mask:
                kwargs["mask"] = previous_mask

        _call_context.training = training
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _call_context.training = outer

        if self.activity_regularizer is not None:
            for out in _flat(outputs):
                if isinstance(out, Tensor):
                    self.add_loss(self._activity_penalty(out))
        if previous_mask is not None or (self.supports_masking and self._computes_own_mask()):
            self._set_output_masks(inputs, outputs, previous_mask)
        return outputs

    def _activity_penalty(self, output: Tensor) -> Tensor:
        """The activity regularizer's penalty of one output, divided by the batch size.

        Keras 3 (layers/layer.py `__call__`) normalizes by the batch so the penalty's weight
        does not change with `batch_size`.
        """
        penalty = self.activity_regularizer(output)
        if output.ndim > 0 and output.shape[0] > 0:
            from scratchnn import ops

            penalty = ops.divide(penalty, float(output.shape[0]))
        return penalty

    def _computes_own_mask(self) -> bool:
        # A layer that makes a mask from unmasked inputs (Embedding(mask_zero=True), Masking)
        # overrides compute_mask and supports masking.
        return self.supports_masking and type(self).compute_mask is not Layer.compute_mask

    def _set_output_masks(self, inputs: Any, outputs: Any, previous_mask: Any) -> None:
        """Attaches `compute_mask(inputs, previous_mask)` to outputs that carry no mask yet."""
        flat_outputs = [o for o in _flat(outputs) if isinstance(o, Tensor)]
        if not self.supports_masking:
            if previous_mask is not None:
                warnings.warn(
                    f"Layer {self.name!r} (of type {type(self).__name__}) was passed an input with a "
                    "mask attached to it. However, this layer does not support masking and will "
                    "therefore destroy the mask information. Downstream layers will not see the mask.",
                    stacklevel=3,
                )
            return
        if all(o._keras_mask is not None for o in flat_outputs):
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for out, mask in zip(flat_outputs, _flat(masks)):
            if out._keras_mask is None and mask is not None:
                out._keras_mask = mask.data if isinstance(mask, Tensor) else mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for `input_shape`; by default found by running `call` on zeros.

        None axes (the batch, variable lengths) are run with size 1 and reported
        as None again.
        """
        self._maybe_build(input_shape)

        def dummy(shape):
            return Tensor(backend.xp.zeros(tuple(1 if d is None else d for d in shape), dtype=self.dtype))

        sample = _map_shapes(input_shape, dummy)
        with no_grad():
            kwargs = {"training": False} if self._call_takes_training else {}
            out = self.call(sample, **kwargs)
        batch_is_none = _first_dim_is_none(input_shape)
        return _map_outputs(out, lambda t: ((None,) + t.shape[1:]) if batch_is_none else t.shape)

    # -- serialization ---------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as a JSON-safe dict (Keras's base keys)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """Rebuilds a layer from `get_config()` output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    # -- masking (keras/src/layers/layer.py supports_masking / compute_mask) ----------------
    @property
    def supports_masking(self) -> bool:
        """Whether `compute_mask` gives the output mask; a layer that does not drops the mask it gets.

        True by default when a subclass overrides `compute_mask`, as in Keras.
        """
        return self._supports_masking

    @supports_masking.setter
    def supports_masking(self, value: bool) -> None:
        self._supports_masking = bool(value)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of this layer's output: the incoming `mask` when it supports masking, else None.

        Args:
            inputs: the layer's inputs.
            mask: the incoming mask (bool, True = keep the timestep), or None.
        """
        return mask if self.supports_masking else None

    # -- the symbolic tensors of the first call (keras/src/ops/operation.py) -----------------
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


def _keras_tensor_class() -> type:
    from scratchnn.layers.input_layer import KerasTensor

    return KerasTensor


def _single(values: list[Any]) -> Any:
    """A one-element list as its element (Keras's convention for node inputs and outputs)."""
    return values[0] if len(values) == 1 else values


def _unique(variables: list[Variable]) -> list[Variable]:
    seen: set[int] = set()
    out = []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _is_array(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "__array_interface__") or hasattr(x, "__array__")


def _mask_of(inputs: Any) -> Any:
    """The `_keras_mask` of a Tensor, or the list of masks of a list of Tensors (None if none)."""
    if isinstance(inputs, Tensor):
        return inputs._keras_mask
    if isinstance(inputs, (list, tuple)):
        masks = [t._keras_mask if isinstance(t, Tensor) else None for t in inputs]
        return masks if any(m is not None for m in masks) else None
    return None


def _flat(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flat(v)]
    if isinstance(x, dict):
        return [y for v in x.values() for y in _flat(v)]
    return [x]


def _contains(x: Any, kind: type) -> bool:
    if isinstance(x, kind):
        return True
    if isinstance(x, (list, tuple)):
        return any(_contains(v, kind) for v in x)
    if isinstance(x, dict):
        return any(_contains(v, kind) for v in x.values())
    return False


def _shapes_of(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return [_shapes_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shapes_of(v) for k, v in x.items()}
    return tuple(x.shape)


def _is_shape(x: Any) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _map_shapes(shape: Any, fn: Any) -> Any:
    if _is_shape(shape):
        return fn(tuple(shape))
    if isinstance(shape, dict):
        return {k: _map_shapes(v, fn) for k, v in shape.items()}
    return [_map_shapes(s, fn) for s in shape]


def _map_outputs(out: Any, fn: Any) -> Any:
    if isinstance(out, Tensor):
        return fn(out)
    if isinstance(out, dict):
        return {k: _map_outputs(v, fn) for k, v in out.items()}
    return [_map_outputs(o, fn) for o in out]


def _first_dim_is_none(shape: Any) -> bool:
    if _is_shape(shape):
        return len(shape) > 0 and shape[0] is None
    values = list(shape.values()) if isinstance(shape, dict) else list(shape)
    return bool(values) and _first_dim_is_none(values[0])
