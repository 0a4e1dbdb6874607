"""`keras.initializers`: weight initializers and their `get`/`serialize`/`deserialize`.

An initializer is a callable `initializer(shape, dtype=None)` returning a
backend array of `shape` in `dtype` (default `scratchnn.backend.floatx()`).
Names, defaults and configs follow Keras 3 (`keras/src/initializers/`), so a
config saved by Keras deserializes here and the other way round.

Example:
    >>> from scratchnn import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> initializers.serialize(init)["class_name"]
    'GlorotUniform'
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from scratchnn.initializers.initializer import Initializer, RandomInitializer, compute_fans, standardize_shape
from scratchnn.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
from scratchnn.saving.object_family import ObjectFamily, builtin_names

# Lowercase aliases, as exported by `keras.initializers` (they name the classes).
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal

_CLASSES = (
    Initializer,
    Constant,
    Identity,
    Ones,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)


# The names `get` and `deserialize` accept: class names, their snake_case
# forms, and the aliases of `keras/src/initializers/__init__.py`.
ALL_OBJECTS_DICT: dict[str, type] = builtin_names(
    _CLASSES,
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    },
)


_FAMILY = ObjectFamily("initializer", "keras.initializers", ALL_OBJECTS_DICT, Initializer)


def serialize(initializer: Any) -> dict[str, Any] | None:
    """Returns the Keras 3 config dict of a initializer: `{"module": "keras.initializers", "class_name": ...,
    "config": {...}, "registered_name": None}` for built-ins (None for None).

    Raises:
        TypeError: for objects without `get_config()` that are not functions.
    """
    return _FAMILY.serialize(initializer)


def deserialize(config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """Builds a initializer from a name or a (Keras 2 or Keras 3) config dict.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or a dict without "class_name".
        TypeError: for other types.
    """
    return _FAMILY.deserialize(config, custom_objects)


def get(identifier: Any) -> Any:
    """Returns an initializer for `identifier`.

    Args:
        identifier: None; a name such as "glorot_uniform", "he_normal", "zeros",
            "ones", "uniform", "normal", "truncated_normal", "orthogonal",
            "identity"; a config dict (Keras 2 or Keras 3 form); an
            `Initializer` class or instance; a callable `(shape, dtype=None)`;
            or an array, which becomes an initializer returning that array
            (the requested shape must match).

    Returns:
        An initializer (a callable), or None for None.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or an
            identifier of another kind.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None, input_axes=None, output_axes=None)
    """
    if identifier is None or isinstance(identifier, (str, dict)) or callable(identifier):
        return _FAMILY.get(identifier)
    if hasattr(identifier, "shape") and hasattr(identifier, "dtype"):
        value = getattr(identifier, "data", identifier)  # a scratchnn Tensor holds its array in .data

        def initialize_fn(shape: Any, dtype: Any = None) -> Any:
            if standardize_shape(shape) != tuple(value.shape):
                raise ValueError(
                    f"Expected `shape` to be {tuple(value.shape)} for an array used as an "
                    f"initializer. Received: shape={shape}"
                )
            return backend.asarray(value, dtype=backend.standardize_dtype(dtype)).copy()

        return initialize_fn
    raise ValueError(f"Could not interpret initializer identifier. Received: identifier={identifier!r}")


__all__ = [
    "ALL_OBJECTS_DICT",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
