"""`keras.regularizers`: weight and activity penalties added to the training loss.

A regularizer is a callable `regularizer(x) -> scalar Tensor`. It is built
from `scratchnn.ops`, so the penalty is differentiable: the tape carries its
gradient back to the weight `x` (a `Variable`) or to the layer output it
penalises. Formulas and names follow `keras/src/regularizers/regularizers.py`.
"""

from __future__ import annotations

import math
from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.saving.object_family import ObjectFamily, builtin_names


def validate_float_arg(value: Any, name: str) -> float:
    """Returns `value` as a float after checking it is finite and non-negative.

    Raises:
        ValueError: naming the argument, otherwise.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isinf(value)
        or math.isnan(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value!r}"
        )
    return float(value)


class Regularizer:
    """Base class of regularizers: `__call__(x)` returns a scalar penalty Tensor.

    The base class returns 0. Subclasses build the penalty from `scratchnn.ops`
    so that it has a gradient.

    Example:
        >>> class L2Half(Regularizer):
        ...     def __call__(self, x):
        ...         return ops.multiply(0.5, ops.sum(ops.square(x)))
        ...     def get_config(self):
        ...         return {}
    """

    def __call__(self, x: Any) -> Any:
        """Returns the penalty of `x` (any shape) as a scalar Tensor."""
        return ops.convert_to_tensor(0.0)

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments as a JSON-serializable dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        """Rebuilds a regularizer from `get_config()` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """L1 and L2 penalty: `l1 * sum(|x|) + l2 * sum(x^2)`.

    Args:
        l1: L1 factor (default 0.0; None means 0.0).
        l2: L2 factor (default 0.0; None means 0.0).

    Raises:
        ValueError: for a negative, infinite or non-numeric factor.

    Example:
        >>> penalty = L1L2(l1=0.1, l2=0.5)(ops.convert_to_tensor([1.0, -2.0]))  # 0.1 * 3 + 0.5 * 5
        >>> round(float(penalty), 5)
        2.8
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Any:
        """Returns the penalty of `x` (any shape) as a scalar Tensor in `x`'s dtype."""
        x = ops.convert_to_tensor(x)
        penalty = ops.convert_to_tensor(0.0, dtype=x.dtype)
        if self.l1:
            penalty = ops.add(penalty, ops.multiply(self.l1, ops.sum(ops.abs(x))))
        if self.l2:
            penalty = ops.add(penalty, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return penalty

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """L1 penalty: `l1 * sum(|x|)`.

    Args:
        l1: L1 factor (default 0.01; None means 0.01).

    Raises:
        ValueError: for a negative, infinite or non-numeric factor.
    """

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, name="l1")

    def __call__(self, x: Any) -> Any:
        """Returns the penalty of `x` (any shape) as a scalar Tensor in `x`'s dtype."""
        return ops.multiply(self.l1, ops.sum(ops.abs(ops.convert_to_tensor(x))))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty: `l2 * sum(x^2)` (no factor 1/2, as in Keras).

    Args:
        l2: L2 factor (default 0.01; None means 0.01).

    Raises:
        ValueError: for a negative, infinite or non-numeric factor.
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x: Any) -> Any:
        """Returns the penalty of `x` (any shape) as a scalar Tensor in `x`'s dtype."""
        return ops.multiply(self.l2, ops.sum(ops.square(ops.convert_to_tensor(x))))

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonality between the rows (or columns) of a 2-D weight.

    With `u_i` the L2-normalised rows (`mode="rows"`) or columns of `x` and `n`
    their number: `factor * 0.5 * sum_{i != j} |u_i . u_j| / (n (n - 1) / 2)`,
    i.e. `factor` times the mean absolute cosine similarity over the pairs.

    Args:
        factor: penalty factor (default 0.01).
        mode: `"rows"` (default) or `"columns"`.

    Raises:
        ValueError: for a bad `factor` or `mode`, or (when called) an input of rank != 2.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"Argument `mode` must be one of ('rows', 'columns'). Received: mode={mode!r}")
        self.mode = mode

    def __call__(self, x: Any) -> Any:
        """Returns the penalty of a `(rows, columns)` input as a scalar Tensor."""
        x = ops.convert_to_tensor(x)
        if len(x.shape) != 2:
            raise ValueError(f"OrthogonalRegularizer needs a rank-2 input. Received: x.shape={x.shape}")
        if self.mode == "columns":
            x = ops.transpose(x)  # (rows, cols) -> (cols, rows): columns become rows
        n = x.shape[0]
        if n < 2:
            return ops.convert_to_tensor(0.0, dtype=x.dtype)  # no pairs (Keras gives 0/0 = NaN)
        # Dividing by max(norm, epsilon) keeps an all-zero row finite.
        norms = ops.sqrt(ops.sum(ops.square(x), axis=1, keepdims=True))  # (n, 1)
        u = ops.divide(x, ops.maximum(norms, backend.epsilon()))
        cosines = ops.matmul(u, ops.transpose(u))  # (n, n)
        off_diagonal = ops.multiply(cosines, 1.0 - xp.eye(n, dtype=x.dtype))
        num_pairs = n * (n - 1) / 2.0
        return ops.multiply(self.factor * 0.5 / num_pairs, ops.sum(ops.abs(off_diagonal)))

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


# Lowercase aliases exported by `keras.regularizers`.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

# Every class by its name and its snake_case name ("l1l2", as Keras's), plus the `l1_l2` alias's name.
ALL_OBJECTS_DICT: dict[str, type] = builtin_names(
    (Regularizer, L1, L2, L1L2, OrthogonalRegularizer), {"l1_l2": L1L2}
)


_FAMILY = ObjectFamily("regularizer", "keras.regularizers", ALL_OBJECTS_DICT, Regularizer)


def serialize(regularizer: Any) -> dict[str, Any] | None:
    """Returns the Keras 3 config dict of a regularizer: `{"module": "keras.regularizers", "class_name": ...,
    "config": {...}, "registered_name": None}` for built-ins (None for None).

    Raises:
        TypeError: for objects without `get_config()` that are not functions.
    """
    return _FAMILY.serialize(regularizer)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Builds a regularizer from a name or a (Keras 2 or Keras 3) config dict.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or a dict without "class_name".
        TypeError: for other types.
    """
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier: Any) -> Any:
    """Returns a regularizer for `identifier`.

    Args:
        identifier: None, a name ("l1", "l2", "l1l2", "L1L2", ...), a config
            dict, a `Regularizer` class or instance, or a callable `x -> scalar`.

    Returns:
        A regularizer, or None for None.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an
            identifier of another kind.
    """
    return _FAMILY.get(identifier)
