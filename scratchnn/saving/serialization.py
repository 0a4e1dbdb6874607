"""Layer, model and compile-argument configs, written with the one library (`serialization_lib`).

A serialized layer is Keras 3's {"module": "keras.layers", "class_name":
"Dense", "config": {...}, "registered_name": null, "build_config":
{"input_shape": [...]}}. These helpers add what layers and models need on
top of `serialize_keras_object` / `deserialize_keras_object`: the table that
reads Keras 2 configs (which name no module), "layer class" in messages, and
the compile config kept apart so `load_model(compile=False)` can skip it.
Classes are looked up only among scratchnn's built-ins, registered objects
and `custom_objects`: nothing in a file is ever executed.
"""

from __future__ import annotations

from typing import Any

from scratchnn import losses, metrics
from scratchnn.saving import serialization_lib
from scratchnn.saving.registry import builtin_objects, get_builtin


def _layer_objects() -> dict[str, Any]:
    """Built-in layers and models by class name, plus the Keras 2 names of functional models."""
    objects = {**builtin_objects("keras.layers"), **builtin_objects("keras")}
    functional = get_builtin("keras.src.models.functional", "Functional")
    if functional is not None:
        objects.update({"Functional": functional, "Model": functional})
    return objects


def serialize_layer(layer: Any) -> dict[str, Any]:
    """A layer's (or model's) Keras 3 config dict, with build_config when built."""
    return serialization_lib.serialize_keras_object(layer)


def deserialize_layer(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """Rebuilds a layer (or model) from its config dict (Keras 3, or Keras 2 without "module").

    Raises:
        ValueError: for a config that is not a dict with a 'class_name', or an
            unknown class (naming it and how to register or pass it).
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with a 'class_name'. Received: {config!r}")
    return serialization_lib.deserialize_keras_object(
        config, custom_objects, module_objects=_layer_objects(), printable_module_name="layer class"
    )


def serialize_model(model: Any, include_compile: bool = True) -> dict[str, Any]:
    """The top-level dict of a model's `config.json` (with `compile_config` when compiled and asked)."""
    out = serialization_lib.serialize_keras_object(model)
    if not include_compile:
        out.pop("compile_config", None)
    return out


def deserialize_model(
    config: dict[str, Any], custom_objects: dict[str, Any] | None = None, compile: bool = True
) -> Any:
    """Rebuilds a model from `serialize_model`'s dict (also Keras-written ones), compiling it if asked."""
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    model = deserialize_layer(config, custom_objects)
    if compile and compile_config and hasattr(model, "compile_from_config"):
        model.compile_from_config(compile_config, custom_objects)
    return model


def serialize_compile_value(value: Any, kind: str) -> Any:
    """A loss / metric spec (name, object, list or dict of them) in JSON-safe form."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [serialize_compile_value(v, kind) for v in value]
    if isinstance(value, dict):
        return {k: serialize_compile_value(v, kind) for k, v in value.items()}
    return serialization_lib.serialize_keras_object(value)


def deserialize_compile_value(value: Any, kind: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """The inverse of `serialize_compile_value`; strings are kept as names unless they name a custom object."""
    if value is None or isinstance(value, (str, int, float, bool)):
        if isinstance(value, str) and custom_objects and value in custom_objects:
            return custom_objects[value]
        return value
    if isinstance(value, list):
        return [deserialize_compile_value(v, kind, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: deserialize_compile_value(v, kind, custom_objects) for k, v in value.items()}
    if kind == "loss":
        return losses.deserialize(value, custom_objects)
    return metrics.deserialize(value, custom_objects)
