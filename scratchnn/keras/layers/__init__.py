"""`keras.layers`: every layer of scratchnn.layers, plus Keras 2's submodule paths.

`keras.layers.core`, `.convolutional`, `.pooling` and `.normalization` are the module paths
Keras 2 code imports from (`from keras.layers.core import Dense`); each holds the same classes.
"""

import scratchnn.layers as _layers
from scratchnn.keras._reexport import forward as _forward

# Submodules first: see `forward`.
from scratchnn.keras.layers import convolutional, core, normalization, pooling

__all__, __getattr__ = _forward(globals(), _layers)
__all__ += ["convolutional", "core", "normalization", "pooling"]
