"""The weights half of `Layer`: creating, listing, getting and setting variables.

`LayerWeights` is a mixin of `scratchnn.layers.layer.Layer` (Keras keeps the
same methods on its Layer, keras/src/layers/layer.py). It reads the layer's
`_own_variables` (this layer's variables, trainable ones first) and
`_tracked_layers` (sub-layers assigned as attributes), which `Layer.__init__` sets.
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend, constraints, initializers, regularizers
from scratchnn.ops.tensor import Variable


def dtype_policy_name(dtype: Any) -> str:
    """Accepts a dtype name, a NumPy dtype, or Keras 3's serialized DTypePolicy dict."""
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", dtype.get("name"))
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return backend.floatx()
    return backend.standardize_dtype(dtype)


def unique_variables(variables: list[Variable]) -> list[Variable]:
    """`variables` without repeats (a weight shared by two sub-layers is listed once), in order."""
    seen: set[int] = set()
    out = []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


class LayerWeights:
    """Mixin: `add_weight`, the weight lists, `get_weights`/`set_weights`, `count_params`."""

    name: str
    built: bool
    _own_variables: list[Variable]
    _tracked_layers: list[Any]

    @property
    def weights(self) -> list[Variable]:
        """Every variable, layer by layer: this layer's own (trainable ones first), then sub-layers'.

        This is Keras 3's order (keras/src/layers/layer.py `weights`), the order of
        `get_weights`/`set_weights` and of the saved files; freezing a layer does not reorder it.
        """
        out = list(self._own_variables)
        for layer in self._tracked_layers:
            out.extend(layer.weights)
        return unique_variables(out)

    @property
    def trainable_weights(self) -> list[Variable]:
        """The variables that training updates (none when the layer is frozen)."""
        if not self.trainable:
            return []
        out = [v for v in self._own_variables if v.trainable]
        for layer in self._tracked_layers:
            out.extend(layer.trainable_weights)
        return unique_variables(out)

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """The variables that training leaves alone (all of them when the layer is frozen)."""
        if not self.trainable:
            return self.weights
        out = [v for v in self._own_variables if not v.trainable]
        for layer in self._tracked_layers:
            out.extend(layer.non_trainable_weights)
        return unique_variables(out)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

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
        dtype = dtype_policy_name(dtype) if dtype is not None else self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        name = name or f"variable_{len(self._own_variables)}"
        var = Variable(
            init, shape=shape, dtype=dtype, trainable=trainable, name=name, path=f"{self.path}/{name}"
        )
        var.regularizer = regularizers.get(regularizer)
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
