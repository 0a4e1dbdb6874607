"""Where names in configs are looked up: custom objects, registered objects, and the built-ins.

Three tables, as in keras/src/saving/object_registration.py plus Keras's
export table (keras/src/api_export.py):

- the **global registry**, filled by `@register_keras_serializable(package, name)`
  under the key "package>name" (`get_custom_objects()` is that live dict);
- the **scopes** opened with `with custom_object_scope({...}):` (thread-local);
- the **built-ins**: every scratchnn class or function that Keras exports,
  registered by its package under its public module ("keras.layers",
  "keras.initializers", ...). A config saying `{"module": "keras.layers",
  "class_name": "Dense"}` resolves through this table, never by importing the
  module named in a file, so loading runs no code that a file chooses.

This module imports nothing from scratchnn, so every package may register here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scopes = threading.local()

_BUILTINS: dict[str, dict[str, Any]] = {}  # "keras.layers" -> {"Dense": Dense, ...}
_BUILTIN_NAMES: dict[Any, tuple[str, str]] = {}  # Dense -> ("keras.layers", "Dense")


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """Decorator registering a class or function under "package>name" for saving and loading.

    Registered objects are found at load time without `custom_objects`, and
    their configs carry the key in `registered_name`.

    Args:
        package: the package part of the key (default "Custom").
        name: the name part (default the object's `__name__`).

    Raises:
        ValueError: if `package` contains ">", or a class has no `get_config()`.

    Example:
        >>> @keras.saving.register_keras_serializable(package="my_package")
        ... class MyLayer(keras.layers.Layer): ...
        >>> keras.saving.get_registered_name(MyLayer)
        'my_package>MyLayer'
    """
    if ">" in package:
        raise ValueError(f"The package name must not contain '>'. Received: package={package!r}")

    def decorator(obj: Any) -> Any:
        key = f"{package}>{name if name is not None else obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a class needs a get_config() method to be serialized."
            )
        GLOBAL_CUSTOM_OBJECTS[key] = obj
        GLOBAL_CUSTOM_NAMES[obj] = key
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The "package>name" `obj` was registered under, or else its `__name__`."""
    try:
        return GLOBAL_CUSTOM_NAMES[obj]
    except (KeyError, TypeError):  # TypeError: an unhashable object was never registered
        return getattr(obj, "__name__", type(obj).__name__)


def get_custom_objects() -> dict[str, Any]:
    """The global registry, a live dict: `get_custom_objects()["MyLayer"] = MyLayer` registers too.

    Objects of an open `custom_object_scope` are not in it.
    """
    return GLOBAL_CUSTOM_OBJECTS


def _find(name: str, table: dict[str, Any] | None) -> Any:
    """`table[name]`, or for "package>Name" also `table["Name"]` (custom_objects are keyed by class name)."""
    if not table:
        return None
    if name in table:
        return table[name]
    if ">" in name:
        return table.get(name.split(">")[-1])
    return None


def get_registered_object(
    name: str | None,
    custom_objects: dict[str, Any] | None = None,
    module_objects: dict[str, Any] | None = None,
) -> Any:
    """The object for `name`, or None.

    Looked up, in Keras's order, in the open scopes (innermost first), the
    global registry, `custom_objects`, then `module_objects`. A registered
    key "package>Name" also matches a custom object passed as "Name".
    """
    if name is None:
        return None
    for scope in reversed(getattr(_scopes, "stack", [])):
        found = _find(name, scope)
        if found is not None:
            return found
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    found = _find(name, custom_objects)
    if found is not None:
        return found
    return (module_objects or {}).get(name)


def active_custom_objects(custom_objects: dict[str, Any] | None = None) -> dict[str, Any]:
    """`custom_objects`, the open scopes' objects and the global registry merged into one dict.

    Later tables win on equal keys, as in keras/src/saving/serialization_lib.py.
    """
    merged = dict(custom_objects or {})
    for scope in getattr(_scopes, "stack", []):
        merged.update(scope)
    merged.update(GLOBAL_CUSTOM_OBJECTS)
    return merged


class CustomObjectScope:
    """Makes `custom_objects` visible to every deserialization inside a `with` block.

    Args:
        custom_objects: `{name: class_or_function}`.

    Example:
        >>> with keras.saving.custom_object_scope({"MyLayer": MyLayer}):
        ...     model = keras.models.load_model("model.keras")
    """

    def __init__(self, custom_objects: dict[str, Any] | None = None) -> None:
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self) -> CustomObjectScope:
        if not hasattr(_scopes, "stack"):
            _scopes.stack = []
        _scopes.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc: object) -> None:
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


# -- built-ins ------------------------------------------------------------------------------
def register_builtins(module: str, objects: Iterable[Any]) -> None:
    """Records scratchnn's own classes/functions under their Keras module, each by its `__name__`.

    The first module an object is registered under is the one written into
    its configs (Keras's canonical export name).
    """
    for obj in objects:
        name = obj.__name__
        _BUILTINS.setdefault(module, {})[name] = obj
        _BUILTIN_NAMES.setdefault(obj, (module, name))


def get_builtin(module: str, name: str) -> Any:
    """The built-in registered as `module.name`, or None."""
    return _BUILTINS.get(module, {}).get(name)


def get_builtin_name(obj: Any) -> tuple[str, str] | None:
    """`(module, name)` of a built-in class or function, or None for anything else."""
    try:
        return _BUILTIN_NAMES.get(obj)
    except TypeError:  # unhashable objects are never built-ins
        return None


def builtin_objects(module: str) -> dict[str, Any]:
    """Every built-in registered under `module`, by name."""
    return dict(_BUILTINS.get(module, {}))
