"""`keras.preprocessing` (Keras 2's home of the sequence and image helpers, kept for old code)."""

from scratchnn.keras.preprocessing import image, sequence

__all__ = ["image", "sequence"]
