"""`keras.utils.np_utils` (Keras 2's path): to_categorical and normalize."""

from scratchnn.utils import normalize as normalize
from scratchnn.utils import to_categorical as to_categorical

__all__ = ["normalize", "to_categorical"]
