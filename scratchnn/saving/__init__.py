"""Serialization: the registry of custom objects, config round trips, and Keras files."""

from scratchnn.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
]

from scratchnn.saving.saving_api import load_model as load_model  # noqa: E402
from scratchnn.saving.saving_api import save_model as save_model  # noqa: E402

__all__ += ["load_model", "save_model"]
