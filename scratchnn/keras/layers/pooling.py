"""`keras.layers.pooling` (Keras 2's path): the pooling layers and their short aliases."""

import scratchnn.layers as _layers
from scratchnn.keras._reexport import select as _select

_NAMES = [
    f"{prefix}{kind}{n}D"
    for prefix in ("", "Global")
    for kind in ("AveragePooling", "MaxPooling", "AvgPool", "MaxPool")
    for n in (1, 2, 3)
]

__all__, __getattr__ = _select(globals(), _layers, _NAMES)
