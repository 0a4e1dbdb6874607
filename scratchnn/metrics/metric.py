"""The `Metric` base class: streaming state, `update_state` / `result` / `reset_state`."""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.metrics.metrics_utils import auto_name
from scratchnn.ops.tensor import Tensor, Variable


class Metric:
    """Encapsulates metric logic and state.

    A metric accumulates statistics over batches with `update_state`, reports
    them with `result` and starts over with `reset_state`. Built-in metrics keep
    their state in Python floats or small arrays, because the trainer updates
    them once per batch. Subclasses written for Keras that create their state
    with `self.add_variable(...)` and update it with `.assign(...)` also work:
    the default `reset_state` zeroes those variables.

    Args:
        dtype: dtype of the result; `None` means `backend.floatx()` ("float32").
        name: name of the metric instance, the key in training logs. Defaults
            to the snake-cased class name, made unique ("precision_1", ...).

    Example:

    ```python
    m = SomeMetric(...)
    for y_true, y_pred in batches:
        m.update_state(y_true, y_pred)
    print("Final result:", float(m.result()))
    ```
    """

    def __init__(self, dtype: Any = None, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name or auto_name(type(self).__name__)
        self._dtype = backend.standardize_dtype(dtype)
        self._variables: list[Variable] = []

    @property
    def dtype(self) -> str:
        """The dtype of the metric's result, e.g. "float32"."""
        return self._dtype

    @property
    def variables(self) -> list[Variable]:
        """The state variables created with `add_variable` (empty for built-ins)."""
        return list(self._variables)

    def add_variable(
        self,
        shape: Any = (),
        initializer: Any = "zeros",
        dtype: Any = None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> Variable:
        """Creates a non-trainable state variable that `reset_state` zeroes.

        Args:
            shape: the variable's shape.
            initializer: "zeros", "ones", or a callable `(shape, dtype) -> array`.
            dtype: defaults to the metric's dtype.
            aggregation: accepted for Keras compatibility; unused.
            name: the variable's name.

        Raises:
            ValueError: for an unknown initializer string.
        """
        dtype = backend.standardize_dtype(dtype or self._dtype)
        if isinstance(initializer, str):
            fills = {"zeros": xp.zeros, "ones": xp.ones}
            if initializer not in fills:
                raise ValueError(
                    f"Unknown metric variable initializer. Expected one of {sorted(fills)}. "
                    f"Received: initializer={initializer!r}"
                )
            initializer = fills[initializer]
        variable = Variable(
            initializer, shape=tuple(shape), dtype=dtype, trainable=False, name=name or "variable"
        )
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    add_weight = add_variable

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        """Accumulates statistics for the metric (implemented by subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_state`.")

    def result(self) -> Tensor:
        """Returns the current value as a 0-d Tensor (implemented by subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `result`.")

    def reset_state(self) -> None:
        """Clears the accumulated state; the trainer calls it at each epoch start."""
        for variable in self._variables:
            variable.data[...] = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        """Updates the state with one batch, then returns `result()` (as Keras does)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments as a JSON-safe dict."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """Rebuilds a metric from `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
