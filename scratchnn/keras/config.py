"""`keras.config`: global settings."""

from scratchnn.backend import epsilon, floatx, image_data_format, set_epsilon, set_floatx
from scratchnn.keras.backend import backend


def enable_unsafe_deserialization() -> None:
    """Accepted for compatibility: scratchnn never deserializes code, so there is nothing to enable."""


__all__ = [
    "backend",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_epsilon",
    "set_floatx",
]
