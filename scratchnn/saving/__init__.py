"""`keras.saving`: the registry of custom objects, the serialization library, and model files.

The registry and the serialization library sit low in the package (the activations,
losses, layers, ... register their built-ins there), and importing any of this package's
modules runs this file first. So `load_model` and `save_model`, which live with the file
formats above the layers and models (saving_api.py), are looked up on first use
(`__getattr__`, PEP 562) instead of being imported here.
"""

from scratchnn.saving.registry import CustomObjectScope as CustomObjectScope
from scratchnn.saving.registry import custom_object_scope as custom_object_scope
from scratchnn.saving.registry import get_custom_objects as get_custom_objects
from scratchnn.saving.registry import get_registered_name as get_registered_name
from scratchnn.saving.registry import get_registered_object as get_registered_object
from scratchnn.saving.registry import register_keras_serializable as register_keras_serializable
from scratchnn.saving.serialization_lib import deserialize_keras_object as deserialize_keras_object
from scratchnn.saving.serialization_lib import serialize_keras_object as serialize_keras_object

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
]

__all__ += ["load_model", "save_model"]


def __getattr__(name: str):
    if name in ("load_model", "save_model"):
        # Lazy: saving/saving_api.py (the file formats) sits above this package's low half.
        from scratchnn.saving import saving_api

        value = getattr(saving_api, name)
        globals()[name] = value  # later look-ups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "load_model", "save_model"})
