"""The registry of user-defined layers, losses, metrics and models.

Loading a model never executes code from the file: a class named in a config
is looked up only among scratchnn's built-ins, the objects registered with
`register_keras_serializable`, and the `custom_objects` passed in by the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_GLOBAL: dict[str, Any] = {}
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """Decorator registering a class or function under "package>name" for loading.

    Example:
        >>> @register_keras_serializable(package="my_package")
        ... class MyLayer(keras.layers.Layer): ...
    """
    if ">" in package:
        raise ValueError(f"The package name must not contain '>'. Received: package={package!r}")

    def decorator(obj: Any) -> Any:
        key = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class needs a get_config() method.")
        _GLOBAL[key] = obj
        obj._registered_name = key
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` was registered under, or its class/function name."""
    registered = getattr(obj, "_registered_name", None)
    if registered is not None and _GLOBAL.get(registered) is obj:
        return registered
    return getattr(obj, "__name__", type(obj).__name__)


def get_custom_objects() -> dict[str, Any]:
    """The global registry (a live dict, as in Keras)."""
    return _GLOBAL


def get_registered_object(name: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """Finds `name` in the active scopes, `custom_objects` and the registry, or returns None.

    A registered "package>Name" is also found by its bare "Name" in custom_objects.
    """
    for scope in reversed(getattr(_scopes, "stack", [])):
        if name in scope:
            return scope[name]
    bare = name.split(">")[-1]
    if custom_objects:
        if name in custom_objects:
            return custom_objects[name]
        if bare in custom_objects:
            return custom_objects[bare]
    return _GLOBAL.get(name)


def serialize_custom(obj: Any) -> str:
    """The name used in a config for a user-defined function."""
    return get_registered_name(obj)


class CustomObjectScope:
    """Makes `custom_objects` visible to every load inside a `with` block."""

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
