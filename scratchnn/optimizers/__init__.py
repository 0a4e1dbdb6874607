"""Optimizers (Keras 3's `keras.optimizers`): SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam.

`get("adam")`, `serialize(opt)` and `deserialize(config)` work like Keras's, and
`scratchnn.optimizers.schedules` holds the learning-rate schedules.
"""

from __future__ import annotations

from typing import Any

from scratchnn.optimizers import schedules as schedules
from scratchnn.optimizers.adadelta import Adadelta as Adadelta
from scratchnn.optimizers.adagrad import Adagrad as Adagrad
from scratchnn.optimizers.adam import Adam as Adam
from scratchnn.optimizers.adamax import Adamax as Adamax
from scratchnn.optimizers.adamw import AdamW as AdamW
from scratchnn.optimizers.nadam import Nadam as Nadam
from scratchnn.optimizers.optimizer import Optimizer as Optimizer
from scratchnn.optimizers.rmsprop import RMSprop as RMSprop
from scratchnn.optimizers.sgd import SGD as SGD

# Lower-case class names, as Keras's ALL_OBJECTS_DICT: "sgd", "adam", "adamw", "rmsprop", ...
ALL_OBJECTS_DICT: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)
}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """Returns the Keras config dict of an optimizer.

    Returns:
        `{"module": "keras.optimizers", "class_name": "Adam", "config": {...},
        "registered_name": None}` for built-ins; a registered custom class
        gets its "package>Name" as `registered_name`.

    Raises:
        TypeError: if `optimizer` is not an `Optimizer`.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"`serialize` expects an Optimizer. Received: optimizer={optimizer!r}")
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {
        "module": "keras.optimizers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else getattr(cls, "_registered_name", cls.__name__),
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """Rebuilds an optimizer from `serialize()`'s dict; built-in class names are case-insensitive.

    Raises:
        ValueError: for an unknown class name, listing the valid names.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer config. Received: config={config!r}")
    from scratchnn.saving.registry import get_registered_object  # a leaf module: no import cycle

    class_name = config["class_name"]
    cls = get_registered_object(config.get("registered_name") or class_name, custom_objects)
    cls = cls or ALL_OBJECTS_DICT.get(str(class_name).lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer: {class_name!r}. Expected one of {sorted(ALL_OBJECTS_DICT)} or a "
            f"registered custom object. Received: config={config!r}"
        )
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier: Any) -> Optimizer | None:
    """Retrieves an optimizer from a name, a config dict or an instance.

    Args:
        identifier: None, a name such as "adam" (case-insensitive, Keras
            defaults), a `serialize()` dict, or an `Optimizer` (returned as is).

    Raises:
        ValueError: if the identifier cannot be interpreted; an unknown name
            lists the valid names.

    Example:
        >>> get("rmsprop").learning_rate.numpy()   # 0.001
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown optimizer: {identifier!r}. Expected one of {sorted(ALL_OBJECTS_DICT)}. "
                f"Received: identifier={identifier!r}"
            )
        return cls()
    raise ValueError(f"Could not interpret optimizer identifier. Received: identifier={identifier!r}")


__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
