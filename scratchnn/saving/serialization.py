"""Layer and model configs in Keras 3's dict form, and back.

A serialized layer is {"module": "keras.layers", "class_name": "Dense",
"config": {...}, "registered_name": null, "build_config": {"input_shape": [...]}}
(keras/src/saving/serialization_lib.py). Deserializing looks classes up only
among scratchnn's layers, registered objects and `custom_objects`: nothing in
a file is ever executed.
"""

from __future__ import annotations

from typing import Any

from scratchnn.saving.registry import get_registered_object


def _builtin_classes() -> dict[str, type]:
    from scratchnn import layers as layers_module
    from scratchnn.models.functional import Functional
    from scratchnn.models.sequential import Sequential

    classes = {name: obj for name, obj in vars(layers_module).items() if isinstance(obj, type)}
    classes.update({"Sequential": Sequential, "Functional": Functional, "Model": Functional})
    return classes


def serialize_layer(layer: Any) -> dict[str, Any]:
    """A layer's Keras 3 config dict (with build_config when built)."""
    from scratchnn.models.functional import Functional
    from scratchnn.models.sequential import Sequential

    cls = type(layer)
    registered = getattr(cls, "_registered_name", None)
    registered = registered if registered and get_registered_object(registered) is cls else None
    class_name = cls.__name__
    if cls is Sequential:
        module = "keras"
    elif cls is Functional:
        # Keras writes the private module and registered_name "Functional" (verified with 3.15).
        module, registered = "keras.src.models.functional", "Functional"
    elif registered:
        module = cls.__module__
    else:
        module = "keras.layers"
    out: dict[str, Any] = {
        "module": module,
        "class_name": class_name,
        "config": layer.get_config(),
        "registered_name": registered,
    }
    shapes = getattr(layer, "_build_shapes", None)
    if layer.built and shapes is not None and type(layer).__name__ != "InputLayer":
        out["build_config"] = {"input_shape": _jsonable_shape(shapes)}
    return out


def _jsonable_shape(shape: Any) -> Any:
    if isinstance(shape, tuple):
        return list(shape)
    if isinstance(shape, list):
        return [_jsonable_shape(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    return shape


def deserialize_layer(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """Rebuilds a layer (or model) from its config dict.

    Raises:
        ValueError: for an unknown class, naming it and how to register it.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with a 'class_name'. Received: {config!r}")
    class_name = config["class_name"]
    registered = config.get("registered_name")
    cls = get_registered_object(registered or class_name, custom_objects)
    if cls is None and registered != class_name:
        cls = get_registered_object(class_name, custom_objects)
    if cls is None:
        cls = _builtin_classes().get(class_name)
    if cls is None:
        raise ValueError(
            f"Unknown layer class {class_name!r} (registered name {registered!r}). scratchnn does not "
            f"provide it. If it is your own class, decorate it with "
            f"@keras.saving.register_keras_serializable() or pass custom_objects={{'{class_name}': {class_name}}} "
            "to load_model()."
        )
    inner = dict(config.get("config") or {})
    if hasattr(cls, "from_config"):
        try:
            layer = (
                cls.from_config(inner, custom_objects)
                if _takes_custom_objects(cls)
                else cls.from_config(inner)
            )
        except TypeError as err:
            raise ValueError(f"Could not rebuild layer {class_name!r} from its config: {err}") from err
    else:
        layer = cls(**inner)
    build = config.get("build_config")
    if build and not layer.built and build.get("input_shape") is not None:
        layer._maybe_build(_to_tuple_shape(build["input_shape"]))
    return layer


def _takes_custom_objects(cls: type) -> bool:
    import inspect

    try:
        return "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        return False


def _to_tuple_shape(shape: Any) -> Any:
    if isinstance(shape, list) and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape)
    if isinstance(shape, list):
        return [_to_tuple_shape(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _to_tuple_shape(v) for k, v in shape.items()}
    return shape


def serialize_model(model: Any, include_compile: bool = True) -> dict[str, Any]:
    """The top-level dict of a model's `config.json` (with `compile_config` when compiled)."""
    out = serialize_layer(model)
    if (
        include_compile
        and getattr(model, "compiled", False)
        and getattr(model, "optimizer", None) is not None
    ):
        out["compile_config"] = model.get_compile_config()
    return out


def deserialize_model(
    config: dict[str, Any], custom_objects: dict[str, Any] | None = None, compile: bool = True
) -> Any:
    """Rebuilds a model from `serialize_model`'s dict (also Keras-written ones), compiling it if asked."""
    model = deserialize_layer(config, custom_objects)
    compile_config = config.get("compile_config")
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
    if kind == "loss":
        from scratchnn import losses

        return losses.serialize(value)
    from scratchnn import metrics

    return metrics.serialize(value)


def deserialize_compile_value(value: Any, kind: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """The inverse of `serialize_compile_value`; strings are kept as names."""
    if value is None or isinstance(value, (str, int, float, bool)):
        if isinstance(value, str) and custom_objects and value in custom_objects:
            return custom_objects[value]
        return value
    if isinstance(value, list):
        return [deserialize_compile_value(v, kind, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: deserialize_compile_value(v, kind, custom_objects) for k, v in value.items()}
    if kind == "loss":
        from scratchnn import losses

        return losses.deserialize(value, custom_objects)
    from scratchnn import metrics

    return metrics.deserialize(value, custom_objects)
