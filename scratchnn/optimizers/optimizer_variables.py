"""Creating an optimizer's variables: the iteration counter, the learning rate and the slots.

`OptimizerVariables` is a mixin of `Optimizer` (keras/src/optimizers/base_optimizer.py
`add_variable`, `add_variable_from_reference`, `add_optimizer_variables`). Every
variable is non-trainable, tracked in creation order (`_variables`, the order Keras
saves), and named "<optimizer name>/<name>".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.tensor import Variable
from scratchnn.optimizers._checks import is_number


class OptimizerVariables:
    """Mixin: `add_variable` and the slot helpers built on it (see the module docstring)."""

    name: str
    _variables: list[Variable]

    def _track_variable(self, variable: Variable) -> None:
        self._variables.append(variable)

    def add_variable(
        self,
        shape: Sequence[int],
        initializer: Any = "zeros",
        dtype: Any = None,
        aggregation: str = "none",
        name: str | None = None,
    ) -> Variable:
        """Creates and tracks one non-trainable optimizer Variable.

        Args:
            shape: the variable's shape.
            initializer: "zeros", "ones", a number, or a callable `(shape, dtype) -> array`.
            dtype: dtype name; defaults to floatx().
            aggregation: kept for Keras compatibility.
            name: the short name; the path is "<optimizer name>/<name>".
        """
        dtype = backend.standardize_dtype(dtype)
        shape = tuple(shape)
        if callable(initializer):
            value = initializer(shape, dtype=dtype)
        else:
            fill = {"zeros": 0, "ones": 1}.get(initializer, initializer)
            if not is_number(fill):
                raise ValueError(
                    f"Optimizer {self.name!r}: unknown initializer for variable {name!r}. Expected "
                    f"'zeros', 'ones', a number or a callable. Received: initializer={initializer!r}"
                )
            value = xp.full(shape, fill, dtype=dtype)
        name = name or "variable"
        var = Variable(value, dtype=dtype, trainable=False, name=name, path=f"{self.name}/{name}")
        var.aggregation = aggregation
        self._track_variable(var)
        return var

    def add_variable_from_reference(
        self, reference_variable: Any, name: str | None = None, initializer: Any = "zeros"
    ) -> Variable:
        """Creates a slot shaped and typed like a model variable.

        Its name is "<reference path with / replaced by _>_<name>", e.g.
        "dense_kernel_momentum", as in Keras.
        """
        ref_path = getattr(reference_variable, "path", None) or str(reference_variable.name)
        slot_name = f"{ref_path.replace('/', '_').replace(':', '_')}_{name or 'var'}"
        return self.add_variable(
            reference_variable.shape,
            initializer=initializer,
            dtype=reference_variable.data.dtype,
            name=slot_name,
        )

    def add_optimizer_variables(
        self, trainable_variables: Sequence[Any], name: str | Sequence[str], initializer: Any = "zeros"
    ) -> Any:
        """Creates one slot per model variable for each name, interleaved per variable.

        With `name=["momentum", "velocity"]` the order is v0_momentum,
        v0_velocity, v1_momentum, ..., the order Keras saves (Adam's layout).

        Returns:
            A list of slots for a single name, else a tuple of lists, one per name.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError(
                "The number of names must match the number of initializers. "
                f"Received: name={name!r}, initializer={initializer!r}"
            )
        out: tuple[list[Variable], ...] = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots, slot_name, init in zip(out, names, inits, strict=True):
                slots.append(self.add_variable_from_reference(variable, slot_name, init))
        return out[0] if isinstance(name, str) else out
