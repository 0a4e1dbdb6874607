"""Parsing and checking a saved model's config before anything is built from it.

A config comes from a file, so its types are not to be trusted: `"config":
null` must not load as an empty model, a `build_config` must hold a shape,
and a config nested thousands of levels deep must give a clear error rather
than a RecursionError from the JSON decoder or the deserializer. Keras checks
none of these up front (its errors come from deep inside the deserializer).
"""

from __future__ import annotations

import json
from typing import Any

# No real model config comes near these: Keras configs of large functional
# models are a few MB and about 10 levels deep, plus about 4 per nested model.
MAX_CONFIG_BYTES = 64 << 20
MAX_CONFIG_DEPTH = 200
_MODEL_CLASSES = ("Sequential", "Functional", "Model")


def parse_config_json(data: bytes | str, filepath: str, what: str = "config.json") -> Any:
    """Decodes a config's JSON text, refusing one too deep to rebuild.

    Raises:
        ValueError: naming the file for invalid UTF-8/JSON, or nesting deeper
            than `MAX_CONFIG_DEPTH`.
    """
    too_deep = (
        f"The {what} in {filepath!r} is nested more than {MAX_CONFIG_DEPTH} levels deep; a model config "
        "is never that deep, so the file is corrupt or hostile."
    )
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        config = json.loads(text)
    except RecursionError:
        raise ValueError(too_deep) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"The {what} in {filepath!r} is not valid JSON: {err}") from err
    if _depth(config) > MAX_CONFIG_DEPTH:
        raise ValueError(too_deep)
    return config


def _depth(obj: Any) -> int:
    """Nesting depth of lists and dicts, walked with an explicit stack (no recursion)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_CONFIG_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _is_shape(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0) for d in value
    )


def _is_shape_structure(value: Any) -> bool:
    """A shape, or a list/dict of shapes (several inputs), as `build_config["input_shape"]` holds."""
    if value is None or _is_shape(value):
        return True
    if isinstance(value, list):
        return bool(value) and all(_is_shape_structure(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_shape_structure(v) for k, v in value.items())
    return False


def validate_model_config(config: Any, filepath: str, what: str = "config.json") -> None:
    """Checks the types of a serialized model and of every layer in its `layers` lists.

    Every layer entry must be a dict with a string `class_name` and a dict
    `config`; a `build_config` must be a dict whose `input_shape` is a shape
    (non-negative ints or None) or a list/dict of shapes.

    Raises:
        ValueError: naming the file, the layer and the value received.
    """
    where = f"The {what} in {filepath!r}"
    stack = [(config, "the model")]
    while stack:
        entry, label = stack.pop()
        if not isinstance(entry, dict):
            raise ValueError(
                f"{where}: {label} must be a dict with 'class_name' and 'config'. Received: {entry!r:.200}"
            )
        class_name = entry.get("class_name")
        if not isinstance(class_name, str) or not class_name:
            raise ValueError(
                f"{where}: {label} has no valid 'class_name'. Received: class_name={class_name!r:.200}"
            )
        inner = entry.get("config")
        if not isinstance(inner, dict):
            raise ValueError(
                f"{where}: {label} ({class_name}) must have a dict 'config' of its settings. "
                f"Received: config={inner!r:.200}"
            )
        name = inner.get("name")
        label = f"layer {name!r} ({class_name})" if isinstance(name, str) else f"{label} ({class_name})"
        build = entry.get("build_config")
        if build is not None:
            if not isinstance(build, dict):
                raise ValueError(
                    f"{where}: {label} has a 'build_config' that is not a dict. Received: {build!r:.200}"
                )
            if not _is_shape_structure(build.get("input_shape")):
                raise ValueError(
                    f"{where}: {label} has an invalid build_config input_shape; expected a list of "
                    f"non-negative ints or None (or a list/dict of them). Received: input_shape="
                    f"{build.get('input_shape')!r:.200}"
                )
        if "compile_config" in entry and not isinstance(entry["compile_config"], (dict, type(None))):
            raise ValueError(
                f"{where}: 'compile_config' must be a dict. Received: {entry['compile_config']!r:.200}"
            )
        layers = inner.get("layers")
        is_model = class_name in _MODEL_CLASSES
        if is_model and not isinstance(layers, list):
            raise ValueError(
                f"{where}: {label} must list its layers in config['layers']. Received: layers={layers!r:.200}"
            )
        if isinstance(layers, list):
            # A custom class may use a "layers" argument of its own: only layer-shaped entries are checked.
            stack.extend(
                (layer, f"layer #{i} of {label}")
                for i, layer in enumerate(layers)
                if is_model or (isinstance(layer, dict) and "class_name" in layer)
            )
