"""`keras.layers.normalization` (Keras 2's path): BatchNormalization and the other normalizations."""

import scratchnn.layers as _layers
from scratchnn.keras._reexport import select as _select
from scratchnn.keras.layers.normalization import batch_normalization

_NAMES = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "UnitNormalization"]

__all__, __getattr__ = _select(globals(), _layers, _NAMES)
__all__ += ["batch_normalization"]
