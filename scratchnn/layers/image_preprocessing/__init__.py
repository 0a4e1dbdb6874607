"""Image preprocessing and augmentation layers (keras/src/layers/preprocessing/image_preprocessing/)."""

from types import ModuleType as _ModuleType

from scratchnn.layers.image_preprocessing.base import (
    BaseImagePreprocessingLayer as BaseImagePreprocessingLayer,
)
from scratchnn.layers.image_preprocessing.random_affine import RandomRotation as RandomRotation
from scratchnn.layers.image_preprocessing.random_affine import RandomTranslation as RandomTranslation
from scratchnn.layers.image_preprocessing.random_affine import RandomZoom as RandomZoom
from scratchnn.layers.image_preprocessing.random_color import RandomBrightness as RandomBrightness
from scratchnn.layers.image_preprocessing.random_color import RandomContrast as RandomContrast
from scratchnn.layers.image_preprocessing.random_crop import RandomCrop as RandomCrop
from scratchnn.layers.image_preprocessing.random_flip import RandomFlip as RandomFlip
from scratchnn.layers.image_preprocessing.resizing import CenterCrop as CenterCrop
from scratchnn.layers.image_preprocessing.resizing import Resizing as Resizing

# Every class imported above, not the submodules (as ops/__init__.py).
__all__ = sorted(
    name
    for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, _ModuleType)
)
