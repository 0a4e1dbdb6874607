"""`keras.config`: global settings."""

from scratchnn.backend import epsilon, floatx, image_data_format, set_epsilon, set_floatx
from scratchnn.keras.backend import backend
from scratchnn.utils.safe_mode import enable_unsafe_deserialization

__all__ = [
    "backend",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
]
