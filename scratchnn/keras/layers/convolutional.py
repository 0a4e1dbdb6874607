"""`keras.layers.convolutional` (Keras 2's path): the convolutions, and the pooling, cropping,
up-sampling and zero-padding layers Keras 2 re-exported here (`from keras.layers.convolutional
import Conv2D, MaxPooling2D`)."""

import scratchnn.layers as _layers
from scratchnn.keras._reexport import select as _select

_CONV = [f"{kind}{n}D" for kind in ("Conv", "SeparableConv", "DepthwiseConv") for n in (1, 2, 3)]
_CONV += [f"Conv{n}DTranspose" for n in (1, 2, 3)]
_POOLING = [f"{kind}{n}D" for kind in ("AveragePooling", "MaxPooling") for n in (1, 2, 3)]
_RESHAPING = [f"{kind}{n}D" for kind in ("Cropping", "UpSampling", "ZeroPadding") for n in (1, 2, 3)]
# Keras 2's long aliases of the convolution classes.
_ALIASES = {f"Convolution{n}D": f"Conv{n}D" for n in (1, 2, 3)}
_ALIASES.update({f"Convolution{n}DTranspose": f"Conv{n}DTranspose" for n in (1, 2, 3)})
_ALIASES.update({f"SeparableConvolution{n}D": f"SeparableConv{n}D" for n in (1, 2)})

__all__, __getattr__ = _select(globals(), _layers, _CONV + _POOLING + _RESHAPING + list(_ALIASES), _ALIASES)
