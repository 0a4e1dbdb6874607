"""`keras.layers.core` (Keras 2's path): Dense, Dropout, Activation, Flatten, Reshape, ..."""

import scratchnn.layers as _layers
from scratchnn.keras._reexport import select as _select

# keras/layers/core/__init__.py in Keras 2.15, with the layers it re-exported for old imports.
_KERAS2_NAMES = [
    "Activation",
    "ActivityRegularization",
    "Dense",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "Identity",
    "Lambda",
    "Masking",
    "Permute",
    "RepeatVector",
    "Reshape",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]

__all__, __getattr__ = _select(globals(), _layers, _KERAS2_NAMES)
