"""`keras.constraints`: projections applied to a weight after each optimizer update.

A constraint is a callable `constraint(w) -> array`: it takes a weight (a
backend array, a `Tensor` or a `Variable`) and returns the projected value as
a backend array of the same shape, which the optimizer assigns back in place.
Formulas and names follow `keras/src/constraints/constraints.py`; `norms` below
is the L2 norm over `axis`, kept as a broadcastable dimension.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.saving.object_family import ObjectFamily, builtin_names


def _array(w: Any) -> Any:
    """The backend array behind `w` (Tensors and Variables keep it in `.data`)."""
    return backend.asarray(getattr(w, "data", w))


def _axis(axis: Any) -> int | tuple[int, ...]:
    """NumPy needs a tuple, not a list, for several axes (configs from JSON hold lists)."""
    return tuple(int(a) for a in axis) if isinstance(axis, (list, tuple)) else int(axis)


def _check_axis(axis: Any) -> Any:
    ok = isinstance(axis, int) and not isinstance(axis, bool)
    ok = ok or isinstance(axis, (list, tuple)) and all(isinstance(a, int) for a in axis)
    if not ok:
        raise TypeError(f"Expected `axis` to be an int or a list of ints. Received: axis={axis!r}")
    return axis


def _check_number(name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"Expected `{name}` to be a non-negative number. Received: {name}={value!r}")
    return value


def _norms(w: Any, axis: Any) -> Any:
    # (..., n, ...) -> (..., 1, ...): the L2 norm of each slice along `axis`.
    return xp.sqrt(xp.sum(xp.square(w), axis=_axis(axis), keepdims=True))


class Constraint:
    """Base class of weight constraints: a stateless `__call__(w)` returning the projected weight.

    The base class returns `w` unchanged.

    Example:
        >>> class NonNegative(Constraint):
        ...     def __call__(self, w):
        ...         return xp.maximum(w, 0)
    """

    def __call__(self, w: Any) -> Any:
        """Returns the constrained weight, a backend array shaped like `w`."""
        return _array(w)

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        """Rebuilds a constraint from `get_config()` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales slices whose L2 norm along `axis` exceeds `max_value`.

    `w * clip(norms, 0, max_value) / (epsilon + norms)`.

    Args:
        max_value: largest allowed norm (default 2).
        axis: axis or axes the norm runs over (default 0). For a Dense kernel
            `(input_dim, units)`, `axis=0` constrains each unit's incoming
            weights; for a Conv2D kernel `(kh, kw, in, out)`, use `[0, 1, 2]`.

    Example:
        >>> w = MaxNorm(1.0)(xp.asarray([[3.0], [4.0]]))  # the column's norm 5 becomes 1
        >>> xp.round(w, 6)
        array([[0.6],
               [0.8]])
    """

    def __init__(self, max_value: float = 2, axis: int | Sequence[int] = 0) -> None:
        self.max_value = _check_number("max_value", max_value)
        self.axis = _check_axis(axis)

    def __call__(self, w: Any) -> Any:
        """Returns the projected weight, shaped like `w`."""
        w = _array(w)
        norms = _norms(w, self.axis)
        return w * (xp.clip(norms, 0, self.max_value) / (backend.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the L2 norm of each slice along `axis` into `[min_value, max_value]`.

    `w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (epsilon + norms)`.

    Args:
        min_value: smallest allowed norm (default 0.0).
        max_value: largest allowed norm (default 1.0).
        rate: 1.0 (default) enforces the bounds at once; a smaller rate moves
            the norms part of the way each step.
        axis: axis or axes the norm runs over (default 0), as in `MaxNorm`.
    """

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int | Sequence[int] = 0
    ) -> None:
        self.min_value = _check_number("min_value", min_value)
        self.max_value = _check_number("max_value", max_value)
        self.rate = _check_number("rate", rate)
        self.axis = _check_axis(axis)

    def __call__(self, w: Any) -> Any:
        """Returns the projected weight, shaped like `w`."""
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (backend.epsilon() + norms))

    def get_config(self) -> dict[str, Any]:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


class NonNeg(Constraint):
    """Sets negative weights to zero: `maximum(w, 0)`."""

    def __call__(self, w: Any) -> Any:
        """Returns the projected weight, shaped like `w`."""
        w = _array(w)
        return xp.maximum(w, xp.zeros((), dtype=w.dtype))


class UnitNorm(Constraint):
    """Scales each slice along `axis` to unit L2 norm: `w / (epsilon + norms)`.

    Args:
        axis: axis or axes the norm runs over (default 0), as in `MaxNorm`.
    """

    def __init__(self, axis: int | Sequence[int] = 0) -> None:
        self.axis = _check_axis(axis)

    def __call__(self, w: Any) -> Any:
        """Returns the projected weight, shaped like `w`."""
        w = _array(w)
        return w / (backend.epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


# Lowercase aliases exported by `keras.constraints`.
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

# Every class by its name and its snake_case name ("max_norm").
ALL_OBJECTS_DICT: dict[str, type] = builtin_names((Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm))


_FAMILY = ObjectFamily("constraint", "keras.constraints", ALL_OBJECTS_DICT, Constraint)


def serialize(constraint: Any) -> dict[str, Any] | None:
    """Returns the Keras 3 config dict of a constraint: `{"module": "keras.constraints", "class_name": ...,
    "config": {...}, "registered_name": None}` for built-ins (None for None).

    Raises:
        TypeError: for objects without `get_config()` that are not functions.
    """
    return _FAMILY.serialize(constraint)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Builds a constraint from a name or a (Keras 2 or Keras 3) config dict.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or a dict without "class_name".
        TypeError: for other types.
    """
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier: Any) -> Any:
    """Returns a constraint for `identifier`.

    Args:
        identifier: None, a name ("max_norm", "NonNeg", ...), a config dict, a
            `Constraint` class or instance, or a callable `w -> array`.

    Returns:
        A constraint, or None for None.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an
            identifier of another kind.
    """
    return _FAMILY.get(identifier)
