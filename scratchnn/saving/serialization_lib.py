"""The one serialization library: any scratchnn or custom object to Keras 3's config dict, and back.

Format (keras/src/saving/serialization_lib.py, checked against Keras 3.15):

- an object with `get_config()`: `{"module", "class_name", "config",
  "registered_name"}` plus `"build_config"` once built and `"compile_config"`
  once compiled. Built-ins write their public Keras module ("keras.layers")
  and `registered_name: None`; other classes write their Python module (None
  for `__main__`) and `get_registered_name(cls)` ("package>Name" when
  registered, else the class name). `get_config()` output is serialized
  recursively, so a config may hold layers, initializers and so on.
- a function: `{"module": "builtins", "class_name": "function", "config":
  get_registered_name(fn), "registered_name": "function"}`, exactly as Keras
  writes it, for built-in and custom functions alike.
- NumPy arrays, tensors, bytes, slices and Ellipsis as `__numpy__`,
  `__tensor__`, `__bytes__`, `__slice__` and `__ellipsis__` dicts; tuples and
  lists as lists; plain values as themselves.

Deserializing looks a name up, in order, in the registered and custom
objects, the built-in table of the module the config names, and then the
family table a caller passes as `module_objects` (which also reads Keras 2
configs, which carry no module). Nothing named in a config is imported or
executed: lambdas (`__lambda__`, marshalled bytecode in Keras) are refused.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from typing import Any

from scratchnn import backend
from scratchnn.ops.tensor import Tensor
from scratchnn.saving.registry import (
    CustomObjectScope,
    active_custom_objects,
    get_builtin,
    get_builtin_name,
    get_registered_name,
    get_registered_object,
)
from scratchnn.utils import tree

PLAIN_TYPES = (str, int, float, bool)

# Where a function saved under module "builtins" is searched, as Keras's BUILTIN_MODULES.
BUILTIN_FUNCTION_MODULES = (
    "keras.activations",
    "keras.losses",
    "keras.metrics",
    "keras.initializers",
    "keras.regularizers",
    "keras.constraints",
)


class UnknownObjectError(ValueError, TypeError):
    """A config or name refers to a class or function that is not built in, registered, or passed.

    It is both a ValueError (what scratchnn and tf.keras raise for an unknown
    name) and a TypeError (what Keras 3's `deserialize_keras_object` raises),
    so `except` clauses written for either catch it.
    """


# -- serialize --------------------------------------------------------------------------------
def serialize_keras_object(obj: Any) -> Any:
    """Returns the JSON-safe config of `obj` (see the module docstring for the format).

    Args:
        obj: a layer, model, initializer, loss, metric, optimizer, schedule,
            function, or any object with `get_config()`; or a plain value,
            list, tuple, dict or array (serialized item by item).

    Returns:
        A dict (or plain value / list) that `deserialize_keras_object` turns back into `obj`.

    Raises:
        TypeError: for an object without `get_config()`, or a `get_config()` that returns no dict.
        ValueError: for a lambda (name the function and register it instead).

    Example:
        >>> serialize_keras_object(keras.regularizers.L1(0.005))
        {'module': 'keras.regularizers', 'class_name': 'L1', 'config': {'l1': 0.005}, 'registered_name': None}
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return serialize_dict(obj)
    special = _serialize_special(obj)
    if special is not None:
        return special
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            # Keras stores marshalled bytecode that only `safe_mode=False` reloads;
            # scratchnn never runs code from a file, so it cannot reload one either.
            raise ValueError(
                "Cannot serialize a lambda: a saved config names functions, it never holds their code. "
                "Define a named function and decorate it with "
                "`@keras.saving.register_keras_serializable()`. Received: a <lambda>"
            )
        return {
            "module": "builtins",
            "class_name": "function",
            "config": get_registered_name(obj),
            "registered_name": "function",
        }
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize object {obj!r} of type {type(obj).__name__}: to be serializable, a class "
            "must implement `get_config()`."
        )
    inner = obj.get_config()
    if not isinstance(inner, dict):
        raise TypeError(f"The `get_config()` method of {obj!r} should return a dict. It returned: {inner!r}")
    cls = type(obj)
    builtin = get_builtin_name(cls)
    if builtin is not None:
        module, class_name = builtin
        # Keras gives classes it does not export (module "keras.src...") their class name as registered_name.
        registered_name = class_name if ".src." in module else None
    else:
        module = None if cls.__module__ == "__main__" else cls.__module__
        class_name, registered_name = cls.__name__, get_registered_name(cls)
    config = {
        "module": module,
        "class_name": class_name,
        "config": serialize_dict(inner),
        "registered_name": registered_name,
    }
    build_config = _build_config(obj)
    if build_config is not None:
        config["build_config"] = serialize_dict(build_config)
    compile_getter = getattr(obj, "get_compile_config", None)
    compile_config = compile_getter() if callable(compile_getter) else None
    if compile_config is not None:
        config["compile_config"] = serialize_dict(compile_config)
    return config


def serialize_dict(obj: dict[str, Any]) -> dict[str, Any]:
    """`serialize_keras_object` applied to every value of a dict."""
    return {key: serialize_keras_object(value) for key, value in obj.items()}


def _serialize_special(obj: Any) -> dict[str, Any] | None:
    """The tagged dicts of bytes, slices, Ellipsis, symbolic tensors, tensors and arrays (else None)."""
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        parts = {k: serialize_keras_object(getattr(obj, k)) for k in ("start", "stop", "step")}
        return {"class_name": "__slice__", "config": parts}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    history = getattr(obj, "_keras_history", None)
    if history is not None:  # a KerasTensor (duck-typed: its class lives above this module)
        layer, node_index, tensor_index = history
        config = {
            "shape": list(obj.shape),
            "dtype": obj.dtype,
            "keras_history": [layer.name, node_index, tensor_index],
        }
        return {"class_name": "__keras_tensor__", "config": config}
    if isinstance(obj, Tensor):
        value = backend.to_numpy(obj.data)
        return {"class_name": "__tensor__", "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(obj, backend.xp.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, (backend.xp.ndarray, backend.xp.generic)):
        return obj.item()  # NumPy scalars are plain values
    return None


def _build_config(obj: Any) -> dict[str, Any] | None:
    getter = getattr(obj, "get_build_config", None)
    if callable(getter):
        return getter()
    # Layers without Keras's get_build_config record the shape they were first built for.
    shapes = getattr(obj, "_build_shapes", None)
    if getattr(obj, "built", False) and shapes is not None:
        return {"input_shape": shapes}
    return None


# -- deserialize ------------------------------------------------------------------------------
def deserialize_keras_object(
    config: Any, custom_objects: dict[str, Any] | None = None, safe_mode: bool = True, **kwargs: Any
) -> Any:
    """Rebuilds the object a `serialize_keras_object` config describes.

    Args:
        config: a config dict, a list of them, a plain value, or a name
            (a name is looked up in `custom_objects` and, when given, `module_objects`).
        custom_objects: `{name: class_or_function}` for user-defined objects;
            the open `custom_object_scope`s and registered objects are searched too.
        safe_mode: kept for Keras compatibility. Python lambdas given as
            functions (activations, losses, ...) are refused whatever its value;
            the one place stored bytecode loads is a `Lambda` layer's function,
            and only with safe mode off (layers/lambda_layer.py).
        **kwargs: `module_objects` (a family's built-ins by every accepted name),
            `printable_module_name` (its noun for messages, e.g. "initializer")
            and `builtin_module` (its Keras module, searched first for functions).

    Returns:
        The object; classes are rebuilt with `cls.from_config(config["config"])`
        inside a scope holding `custom_objects`, then built from
        `build_config` and compiled from `compile_config` when present.

    Raises:
        UnknownObjectError (a ValueError and a TypeError): for a class or
            function that is not found, naming it and how to pass or register it.
        TypeError: for a malformed config, or a class whose `from_config` fails.
        ValueError: for a lambda.

    Example:
        >>> config = serialize_keras_object(keras.layers.Dense(3))
        >>> layer = deserialize_keras_object(config)
    """
    module_objects = kwargs.pop("module_objects", None)
    kind = kwargs.pop("printable_module_name", None)
    family_module = kwargs.pop("builtin_module", None)
    if kwargs:
        raise TypeError(f"Unexpected keyword argument(s): {sorted(kwargs)}")
    if config is None:
        return None
    custom = active_custom_objects(custom_objects)
    if isinstance(config, str):
        found = get_registered_object(config, custom)
        if found is not None:  # plain names: legacy configs store functions by name
            return found
        if module_objects is None:
            return config
        if config not in module_objects:
            raise _not_found(kind, config, None, None, "identifier", module_objects, config)
        return _instantiate_named(module_objects[config])
    if isinstance(config, (list, tuple)):
        family = _family(module_objects, kind, family_module)
        return [deserialize_keras_object(x, custom, safe_mode, **family) for x in config]
    if isinstance(config, PLAIN_TYPES):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config!r}")
    if "class_name" not in config or ("config" not in config and module_objects is None):
        if module_objects is not None:
            raise ValueError(
                f"A {kind or 'config'} dict needs a 'class_name' key. Received: config={config!r}"
            )
        return {k: deserialize_keras_object(v, custom, safe_mode) for k, v in config.items()}

    class_name = config["class_name"]
    inner = config.get("config")
    inner = {} if inner is None else inner
    if isinstance(class_name, str) and class_name.startswith("__") and class_name.endswith("__"):
        return _deserialize_special(class_name, inner, custom, safe_mode)
    module = config.get("module")
    if class_name == "function":
        if not isinstance(inner, str):
            raise TypeError(f"Expected 'config' to be a function name (a str). Received: config={config!r}")
        return _retrieve(inner, None, module, "function", config, custom, module_objects, kind, family_module)
    if not isinstance(inner, dict):
        raise TypeError(f"Expected 'config' to be a dict for {class_name!r}. Received: config={config!r}")
    registered_name = config.get("registered_name", class_name)
    cls = _retrieve(
        class_name, registered_name, module, "class", config, custom, module_objects, kind, family_module
    )
    if not inspect.isclass(cls):
        return cls  # a function passed in custom_objects under a class name
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Cannot rebuild {class_name!r}: the class has no `from_config()` method.")
    with CustomObjectScope(custom):
        try:
            # A copy: from_config methods often pop their nested configs.
            instance = cls.from_config(dict(inner))
        except UnknownObjectError:
            raise  # a nested object is missing: that message already says which and how to fix it
        except TypeError as err:
            raise TypeError(
                f"{cls.__name__} could not be deserialized from its config: {err}. Objects that "
                "`get_config()` returns (layers, models, ...) must be deserialized explicitly in "
                f"`from_config()`, e.g. with `keras.saving.deserialize_keras_object`. config={_short(config)}"
            ) from err
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            _build_from_config(instance, build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compile_config)
    return instance


def _family(module_objects: dict[str, Any] | None, kind: str | None, module: str | None) -> dict[str, Any]:
    if module_objects is None:
        return {}
    return {"module_objects": module_objects, "printable_module_name": kind, "builtin_module": module}


def _instantiate_named(obj: Any) -> Any:
    """A family member named by a plain string: a class is instantiated with its defaults."""
    return obj() if inspect.isclass(obj) else obj


def _deserialize_special(class_name: str, inner: Any, custom: dict[str, Any], safe_mode: bool) -> Any:
    if class_name == "__numpy__":
        return backend.xp.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        return Tensor(backend.xp.asarray(inner["value"], dtype=inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(
            *(deserialize_keras_object(inner[k], custom, safe_mode) for k in ("start", "stop", "step"))
        )
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom, safe_mode) for v in inner["value"])
    if class_name == "__lambda__":
        raise ValueError(
            "The config holds a Python lambda (marshalled bytecode). scratchnn never executes code from "
            "a saved file, whatever `safe_mode` says. Rewrite the lambda as a named function, decorate it "
            "with `@keras.saving.register_keras_serializable()`, and save the model again."
        )
    if class_name == "__keras_tensor__":
        raise TypeError("A symbolic tensor config can only be read as part of a functional model config.")
    raise TypeError(f"Unknown special config class {class_name!r}.")


def _retrieve(
    name: str,
    registered_name: str | None,
    module: str | None,
    obj_type: str,
    full_config: dict[str, Any],
    custom: dict[str, Any],
    module_objects: dict[str, Any] | None,
    kind: str | None,
    family_module: str | None = None,
) -> Any:
    """Finds the class or function a config names (see the module docstring for the order)."""
    found = get_registered_object(name if obj_type == "function" else registered_name, custom)
    if found is not None:
        return found
    keras_module = isinstance(module, str) and (module == "keras" or module.startswith("keras."))
    if keras_module:
        found = _builtin(module, name)
        if found is not None:
            return found
    if obj_type == "function" and module in ("builtins", None):
        # The caller's family first: keras.metrics.mean_squared_error is not the loss function.
        first = [m for m in (module_objects, family_module) if m]
        for family in first + [m for m in BUILTIN_FUNCTION_MODULES if m != family_module]:
            found = family.get(name) if isinstance(family, dict) else _builtin(family, name)
            if found is not None and not inspect.isclass(found):
                return found
        # Keras <= 3.6 saved registered functions by bare name: match "package>name" keys.
        matches = [obj for key, obj in custom.items() if key.endswith(f">{name}")]
        if len(matches) == 1:
            return matches[0]
    # Family tables resolve Keras 2 configs (no "module" key) and private Keras modules;
    # never a module outside Keras, which would swap a user's class for a built-in.
    if module_objects and ("module" not in full_config or keras_module) and name in module_objects:
        return module_objects[name]
    if obj_type == "class" and registered_name != name:
        found = get_registered_object(name, custom)
        if found is not None:
            return found
    raise _not_found(kind, name, registered_name, module, obj_type, module_objects, full_config)


def _builtin(module: str, name: str) -> Any:
    found = get_builtin(module, name)
    if found is None and "scratchnn.keras" not in sys.modules:
        # The packages register their built-ins when imported; a config read before
        # they are loaded imports them all once (a function-level import: they import this module).
        importlib.import_module("scratchnn.keras")
        found = get_builtin(module, name)
    return found


def _not_found(
    kind: str | None,
    name: str,
    registered_name: str | None,
    module: str | None,
    obj_type: str,
    module_objects: dict[str, Any] | None,
    received: Any,
) -> UnknownObjectError:
    bare = name.split(">")[-1]
    what = obj_type if obj_type in ("class", "function") else "object"
    message = f"Unknown {kind} {name!r}" if kind else f"Could not locate {what} {name!r}"
    if registered_name not in (None, name, "function"):
        message += f" (registered name {registered_name!r})"
    message += "."
    if isinstance(module, str) and module.startswith("keras"):
        message += f" scratchnn does not provide `{module}.{name}`."
    elif module_objects and kind and module in (None, "builtins") and ">" not in name:
        # Names without a module may be typos of a built-in; a registered or user-module name is not.
        message += f" Expected one of {sorted(module_objects)}."
    message += (
        f" If it is your own {what}, decorate it with `@keras.saving.register_keras_serializable()` "
        "(and import it before loading), or pass it to the loading function, e.g. "
        f"load_model(path, custom_objects={{{bare!r}: {bare}}}), or open a "
        "`keras.saving.custom_object_scope`."
    )
    label = "identifier" if isinstance(received, str) else "config"
    return UnknownObjectError(f"{message} Received: {label}={_short(received)}")


def _short(value: Any, limit: int = 400) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _build_from_config(instance: Any, build_config: dict[str, Any]) -> None:
    """Builds a deserialized layer for its saved input shape (Keras's `build_from_config`)."""
    builder = getattr(instance, "build_from_config", None)
    if callable(builder):
        builder(build_config)
        return
    shape = build_config.get("input_shape")
    if shape is not None:
        instance._maybe_build(to_tuple_shape(shape))


def to_tuple_shape(shape: Any) -> Any:
    """JSON shapes (lists) back to tuples, keeping lists/dicts of shapes as containers."""
    return tree.map_shape_structure(tuple, shape)
