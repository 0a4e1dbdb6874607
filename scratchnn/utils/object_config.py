"""Name look-up and Keras 3 config dicts for families of small objects.

Initializers, regularizers and constraints are each a family: a table of
built-in classes by name, serialized as {"module": "keras.<family>s",
"class_name": ..., "config": {...}, "registered_name": ...}. One
`ObjectFamily` per package does the look-up, `serialize` and `deserialize`
the same way for all three.
"""

from __future__ import annotations

import inspect
from typing import Any


class ObjectFamily:
    """The serialization rules of one family.

    Args:
        kind: singular noun for messages ("initializer").
        module: the Keras module written into configs ("keras.initializers").
        objects: built-in classes (and functions) by every accepted name.
        base: the family's base class; instances of it pass through `deserialize`.
    """

    def __init__(self, kind: str, module: str, objects: dict[str, Any], base: type) -> None:
        self.kind = kind
        self.module = module
        self.objects = objects
        self.base = base

    def lookup(self, name: str, custom_objects: dict[str, Any] | None = None) -> Any:
        """The class or function for `name`: registered and custom objects first, then built-ins.

        Raises:
            ValueError: for an unknown name, listing the valid ones.
        """
        from scratchnn.saving.registry import get_registered_object  # a leaf module: no import cycle

        obj = get_registered_object(name, custom_objects)
        if obj is None:
            obj = self.objects.get(name)
        if obj is None:
            raise ValueError(
                f"Unknown {self.kind} {name!r}. Expected one of {sorted(self.objects)}, or a custom "
                f"object passed in `custom_objects` or registered with "
                f"`keras.saving.register_keras_serializable`. Received: identifier={name!r}"
            )
        return obj

    def serialize(self, obj: Any) -> dict[str, Any] | None:
        """The Keras 3 config dict of `obj` (None for None).

        Raises:
            TypeError: for objects without `get_config()` that are not functions.
        """
        if obj is None:
            return None
        from scratchnn.saving.registry import get_registered_name

        if inspect.isfunction(obj):
            name = get_registered_name(obj)
            return {
                "module": obj.__module__,
                "class_name": "function",
                "config": name,
                "registered_name": name,
            }
        if not hasattr(obj, "get_config"):
            raise TypeError(
                f"Cannot serialize a {self.kind} without get_config(). Received: {self.kind}={obj!r}"
            )
        cls = type(obj)
        builtin = self.objects.get(cls.__name__) is cls
        return {
            "module": self.module if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": obj.get_config(),
            "registered_name": None if builtin else get_registered_name(cls),
        }

    def deserialize(self, config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
        """Builds an object from a name or a Keras 2 / Keras 3 config dict.

        Raises:
            ValueError: for an unknown name or a dict without "class_name".
            TypeError: for other types.
        """
        if config is None or isinstance(config, self.base):
            return config
        if isinstance(config, str):
            obj = self.lookup(config, custom_objects)
            return obj() if inspect.isclass(obj) else obj
        if not isinstance(config, dict):
            raise TypeError(f"Expected a string or a config dict. Received: config={config!r}")
        if "class_name" not in config:
            raise ValueError(f"A config dict needs a 'class_name' key. Received: config={config!r}")
        if config["class_name"] == "function":
            return self.lookup(config.get("registered_name") or config["config"], custom_objects)
        cls = self.lookup(config.get("registered_name") or config["class_name"], custom_objects)
        inner = dict(config.get("config") or {})
        return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
