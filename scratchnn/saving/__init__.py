"""`keras.saving`: the registry of custom objects, the serialization library, and model files."""

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

from scratchnn.saving.saving_api import load_model as load_model  # noqa: E402
from scratchnn.saving.saving_api import save_model as save_model  # noqa: E402

__all__ += ["load_model", "save_model"]
