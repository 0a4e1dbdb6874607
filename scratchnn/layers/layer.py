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

from scratchnn import backend, ops, regularizers
from scratchnn.layers.input_spec import assert_input_compatibility
from scratchnn.layers.layer_weights import LayerWeights, dtype_policy_name
from scratchnn.metrics.metric import Metric
from scratchnn.ops.operation import Operation
from scratchnn.ops.symbolic import any_symbolic, shape_of, symbolic_call
from scratchnn.ops.tensor import Tensor, Variable, no_grad
from scratchnn.saving.keras_saveable import KerasSaveable
from scratchnn.utils import naming, tree

_BASE_KWARGS = {"input_shape", "input_dim", "batch_input_shape", "batch_size", "autocast", "weights"}


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


def keep_input_shape(self: Any, input_shape: Any) -> Any:
    """`compute_output_shape` of a layer whose output has its input's shape (and structure)."""
    return input_shape


class Layer(LayerWeights, Operation, KerasSaveable):
    """Base class of every layer.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; by default the snake_case class name plus a counter
            ("dense", "dense_1", ...).
        dtype: the dtype of weights and computations (default `floatx()`).
        activity_regularizer: a penalty on the layer's outputs, added to the loss.
        input_shape: shape of one sample, without the batch axis (Sequential only).
    """

    # An `InputSpec` (or one per input) that `__call__` checks every call's inputs against;
    # models set theirs from their inputs (layers/input_spec.py).
    input_spec: Any = None

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
        self._dtype = dtype_policy_name(dtype) if dtype is not None else None
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

    def _obj_type(self) -> str:
        return "Layer"

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
        """One input leaf as a Tensor (arrays and numbers; float data in the layer's dtype)."""
        if isinstance(x, Tensor):
            return x
        arr = backend.asarray(x)
        if arr.dtype.kind == "f" and arr.dtype != self.dtype:
            arr = arr.astype(self.dtype)
        return Tensor(arr)

    def __call__(self, inputs: Any, *args: Any, training: Any = None, **kwargs: Any) -> Any:
        is_tensor = isinstance(inputs, Tensor)
        if (not is_tensor or args) and any_symbolic((inputs, args)):
            if training is not None:
                kwargs["training"] = training
            return symbolic_call(self, inputs, args, kwargs)
        if not is_tensor:
            inputs = tree.map_structure(self._convert_input, inputs)
        if args:
            # Further tensor arguments (`LogisticEndpoint()(targets, logits)`) become Tensors too.
            args = tuple(self._convert_input(a) if _is_array(a) else a for a in args)
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
        if not self.built:
            self._maybe_build(shape_of(inputs))

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
            previous_mask = inputs._keras_mask if is_tensor else _mask_of(inputs)
            if previous_mask is not None and self._call_takes_mask:
                kwargs["mask"] = previous_mask

        _call_context.training = training
        try:
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            _call_context.training = outer

        if self.activity_regularizer is not None:
            for out in tree.flatten(outputs):
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
            penalty = ops.divide(penalty, float(output.shape[0]))
        return penalty

    def _computes_own_mask(self) -> bool:
        # A layer that makes a mask from unmasked inputs (Embedding(mask_zero=True), Masking)
        # overrides compute_mask and supports masking.
        return self.supports_masking and type(self).compute_mask is not Layer.compute_mask

    def _set_output_masks(self, inputs: Any, outputs: Any, previous_mask: Any) -> None:
        """Attaches `compute_mask(inputs, previous_mask)` to outputs that carry no mask yet."""
        flat_outputs = [o for o in tree.flatten(outputs) if isinstance(o, Tensor)]
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
        for out, mask in zip(flat_outputs, tree.flatten(masks)):
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

        sample = tree.map_shape_structure(dummy, input_shape)
        with no_grad():
            kwargs = {"training": False} if self._call_takes_training else {}
            out = self.call(sample, **kwargs)
        shapes = shape_of(out)
        if _first_dim_is_none(input_shape):
            shapes = tree.map_shape_structure(lambda s: (None, *s[1:]), shapes)
        return shapes

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


def _first_dim_is_none(shape: Any) -> bool:
    """Whether the first shape in a structure of shapes has an unknown (None) batch axis."""
    shapes: list[tuple[Any, ...]] = []
    tree.map_shape_structure(shapes.append, shape)
    return bool(shapes) and len(shapes[0]) > 0 and shapes[0][0] is None
