"""`get` / `serialize` / `deserialize` for one family of objects, over the one serialization library.

Activations, initializers, regularizers, constraints, losses, metrics,
optimizers and learning-rate schedules are each a family: a table of
built-ins by every accepted name. Each package makes one `ObjectFamily`, so
all eight share the rules of `serialization_lib`: how functions serialize,
the look-up order (registered and custom objects, then built-ins), and the
"Unknown ... Expected one of [...]" message.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from scratchnn.saving.registry import get_registered_object, register_builtins
from scratchnn.saving.serialization_lib import (
    UnknownObjectError,
    deserialize_keras_object,
    serialize_keras_object,
)
from scratchnn.utils.naming import to_snake_case


def builtin_names(objects: Iterable[Any], aliases: dict[str, Any] | None = None) -> dict[str, Any]:
    """A family's built-ins by every accepted name: each `__name__`, its snake_case form, then `aliases`.

    As Keras's `ALL_OBJECTS_DICT`: "MaxNorm" and "max_norm" both name the class.
    """
    table = {obj.__name__: obj for obj in objects}
    table.update({to_snake_case(name): obj for name, obj in list(table.items())})
    table.update(aliases or {})
    return table


class ObjectFamily:
    """The serialization rules of one family.

    Args:
        kind: singular noun for messages ("initializer").
        module: the Keras module its built-ins are exported from ("keras.initializers").
        objects: built-in classes and functions by every accepted name
            (class names, snake_case names, aliases).
        base: the family's base class; its instances pass through `get` and `deserialize`.
        arg: the argument name used in "Received: <arg>=..." messages.

    Every object of `objects` is registered as a built-in of `module` under its `__name__`.
    """

    def __init__(
        self,
        kind: str,
        module: str,
        objects: dict[str, Any],
        base: type | None = None,
        arg: str = "identifier",
    ) -> None:
        self.kind = kind
        self.module = module
        self.objects = objects
        self.base = base
        self.arg = arg
        register_builtins(module, objects.values())

    def lookup(self, name: str, custom_objects: dict[str, Any] | None = None) -> Any:
        """The class or function called `name`: a built-in first (as Keras's `get`), then a custom one.

        Raises:
            UnknownObjectError (a ValueError): for an unknown name, listing the valid ones.
        """
        obj = self.objects.get(name)
        if obj is None:
            obj = get_registered_object(name, custom_objects)
        if obj is None:
            raise UnknownObjectError(
                f"Unknown {self.kind} {name!r}. Expected one of {sorted(self.objects)}, or a custom "
                f"{self.kind} registered with `@keras.saving.register_keras_serializable()` or passed in "
                f"`custom_objects`. Received: {self.arg}={name!r}"
            )
        return obj

    def serialize(self, obj: Any) -> Any:
        """Keras 3's config of `obj` (None for None); see `serialize_keras_object`."""
        return serialize_keras_object(obj)

    def deserialize(self, config: Any, custom_objects: dict[str, Any] | None = None) -> Any:
        """Builds an object from a name or a Keras 2 / Keras 3 config dict.

        Raises:
            UnknownObjectError (a ValueError): for an unknown name or class, listing the valid names.
            ValueError: for a dict without "class_name".
            TypeError: for other types.
        """
        if self.base is not None and isinstance(config, self.base):
            return config
        if config is not None and not isinstance(config, (str, dict)):
            raise TypeError(f"Expected a string or a config dict. Received: config={config!r}")
        return deserialize_keras_object(
            config,
            custom_objects,
            module_objects=self.objects,
            printable_module_name=self.kind,
            builtin_module=self.module,
        )

    def get(self, identifier: Any) -> Any:
        """An object for None, a name, a config dict, a class (instantiated) or an instance/callable.

        Raises:
            ValueError: for an unknown name (listing the valid ones) or an identifier of another kind.
        """
        if identifier is None or (self.base is not None and isinstance(identifier, self.base)):
            return identifier
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, str):
            obj = self.lookup(identifier)
            return obj() if inspect.isclass(obj) else obj
        if inspect.isclass(identifier):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier. Received: {self.arg}={identifier!r}")
