"""`keras.preprocessing.sequence` (Keras 2's path): pad_sequences."""

from scratchnn.utils import pad_sequences as pad_sequences

__all__ = ["pad_sequences"]
