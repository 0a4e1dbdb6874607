"""`keras.utils`: every name of scratchnn.utils, plus Keras 2's `keras.utils.np_utils`."""

import scratchnn.utils as _utils
from scratchnn.keras._reexport import forward as _forward

# Submodules first: see `forward`.
from scratchnn.keras.utils import np_utils

__all__, __getattr__ = _forward(globals(), _utils)
__all__ += ["np_utils"]
