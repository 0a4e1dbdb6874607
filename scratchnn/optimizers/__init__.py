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
from scratchnn.saving.object_family import ObjectFamily

# Lower-case class names, as Keras's ALL_OBJECTS_DICT: "sgd", "adam", "adamw", "rmsprop", ...
ALL_OBJECTS_DICT: dict[str, type[Optimizer]] = {
    cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)
}


# Class names are matched case-insensitively, so the family table holds the lower-case names.
_FAMILY = ObjectFamily("optimizer", "keras.optimizers", ALL_OBJECTS_DICT, Optimizer)


def _lower_class_name(config: Any) -> Any:
    """Built-in class names in any case ("adam", "ADAM") become the table's key (Keras does the same)."""
    if isinstance(config, dict) and str(config.get("class_name", "")).lower() in ALL_OBJECTS_DICT:
        return {**config, "class_name": str(config["class_name"]).lower()}
    return config


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
    return _FAMILY.serialize(optimizer)


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """Rebuilds an optimizer from `serialize()`'s dict; built-in class names are case-insensitive.

    Raises:
        ValueError: for an unknown class name, listing the valid names.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer config. Received: config={config!r}")
    return _FAMILY.deserialize(_lower_class_name(config), custom_objects)


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
    if isinstance(identifier, str) and identifier.lower() in ALL_OBJECTS_DICT:
        identifier = identifier.lower()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if identifier is not None and not isinstance(identifier, (str, Optimizer)):
        raise ValueError(f"Could not interpret optimizer identifier. Received: identifier={identifier!r}")
    return _FAMILY.get(identifier)


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
