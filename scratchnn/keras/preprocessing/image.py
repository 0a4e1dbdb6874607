"""`keras.preprocessing.image` (Keras 2's path): the image file helpers."""

from scratchnn.utils import array_to_img as array_to_img
from scratchnn.utils import img_to_array as img_to_array
from scratchnn.utils import load_img as load_img
from scratchnn.utils import save_img as save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]
