"""`keras.layers.normalization.batch_normalization` (Keras 2's module of BatchNormalization)."""

from scratchnn.layers import BatchNormalization as BatchNormalization

__all__ = ["BatchNormalization"]
