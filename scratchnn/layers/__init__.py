"""`keras.layers`: the layers scratchnn provides."""

from types import ModuleType as _ModuleType
from typing import Any as _Any

from scratchnn.layers.activation import ELU as ELU
from scratchnn.layers.activation import Activation as Activation
from scratchnn.layers.activation import LeakyReLU as LeakyReLU
from scratchnn.layers.activation import ReLU as ReLU
from scratchnn.layers.activation import Softmax as Softmax
from scratchnn.layers.batch_normalization import BatchNormalization as BatchNormalization
from scratchnn.layers.category_encoding import CategoryEncoding as CategoryEncoding
from scratchnn.layers.conv_transpose import Conv1DTranspose as Conv1DTranspose
from scratchnn.layers.conv_transpose import Conv2DTranspose as Conv2DTranspose
from scratchnn.layers.convolutional import Conv1D as Conv1D
from scratchnn.layers.convolutional import Conv2D as Conv2D
from scratchnn.layers.convolutional import DepthwiseConv2D as DepthwiseConv2D
from scratchnn.layers.cropping import Cropping2D as Cropping2D
from scratchnn.layers.dense import Dense as Dense
from scratchnn.layers.discretization import Discretization as Discretization
from scratchnn.layers.dropout import Dropout as Dropout
from scratchnn.layers.embedding import Embedding as Embedding
from scratchnn.layers.identity import Identity as Identity
from scratchnn.layers.image_preprocessing import CenterCrop as CenterCrop
from scratchnn.layers.image_preprocessing import RandomBrightness as RandomBrightness
from scratchnn.layers.image_preprocessing import RandomContrast as RandomContrast
from scratchnn.layers.image_preprocessing import RandomCrop as RandomCrop
from scratchnn.layers.image_preprocessing import RandomFlip as RandomFlip
from scratchnn.layers.image_preprocessing import RandomRotation as RandomRotation
from scratchnn.layers.image_preprocessing import RandomTranslation as RandomTranslation
from scratchnn.layers.image_preprocessing import RandomZoom as RandomZoom
from scratchnn.layers.image_preprocessing import Resizing as Resizing
from scratchnn.layers.input_layer import Input as Input
from scratchnn.layers.input_layer import InputLayer as InputLayer
from scratchnn.layers.input_spec import InputSpec as InputSpec
from scratchnn.layers.lambda_layer import Lambda as Lambda
from scratchnn.layers.layer import Layer as Layer
from scratchnn.layers.masking import Masking as Masking
from scratchnn.layers.merging import Add as Add
from scratchnn.layers.merging import Average as Average
from scratchnn.layers.merging import Concatenate as Concatenate
from scratchnn.layers.merging import Dot as Dot
from scratchnn.layers.merging import Maximum as Maximum
from scratchnn.layers.merging import Minimum as Minimum
from scratchnn.layers.merging import Multiply as Multiply
from scratchnn.layers.merging import Subtract as Subtract
from scratchnn.layers.merging import add as add
from scratchnn.layers.merging import average as average
from scratchnn.layers.merging import concatenate as concatenate
from scratchnn.layers.merging import dot as dot
from scratchnn.layers.merging import maximum as maximum
from scratchnn.layers.merging import minimum as minimum
from scratchnn.layers.merging import multiply as multiply
from scratchnn.layers.merging import subtract as subtract
from scratchnn.layers.normalization import LayerNormalization as LayerNormalization
from scratchnn.layers.normalization import UnitNormalization as UnitNormalization
from scratchnn.layers.pooling import AveragePooling1D as AveragePooling1D
from scratchnn.layers.pooling import AveragePooling2D as AveragePooling2D
from scratchnn.layers.pooling import AvgPool1D as AvgPool1D
from scratchnn.layers.pooling import AvgPool2D as AvgPool2D
from scratchnn.layers.pooling import GlobalAveragePooling1D as GlobalAveragePooling1D
from scratchnn.layers.pooling import GlobalAveragePooling2D as GlobalAveragePooling2D
from scratchnn.layers.pooling import GlobalAvgPool1D as GlobalAvgPool1D
from scratchnn.layers.pooling import GlobalAvgPool2D as GlobalAvgPool2D
from scratchnn.layers.pooling import GlobalMaxPool1D as GlobalMaxPool1D
from scratchnn.layers.pooling import GlobalMaxPool2D as GlobalMaxPool2D
from scratchnn.layers.pooling import GlobalMaxPooling1D as GlobalMaxPooling1D
from scratchnn.layers.pooling import GlobalMaxPooling2D as GlobalMaxPooling2D
from scratchnn.layers.pooling import MaxPool1D as MaxPool1D
from scratchnn.layers.pooling import MaxPool2D as MaxPool2D
from scratchnn.layers.pooling import MaxPooling1D as MaxPooling1D
from scratchnn.layers.pooling import MaxPooling2D as MaxPooling2D
from scratchnn.layers.prelu import PReLU as PReLU
from scratchnn.layers.preprocessing import Normalization as Normalization
from scratchnn.layers.preprocessing import Rescaling as Rescaling
from scratchnn.layers.regularization import ActivityRegularization as ActivityRegularization
from scratchnn.layers.regularization import AlphaDropout as AlphaDropout
from scratchnn.layers.regularization import GaussianDropout as GaussianDropout
from scratchnn.layers.regularization import GaussianNoise as GaussianNoise
from scratchnn.layers.reshaping import Flatten as Flatten
from scratchnn.layers.reshaping import Reshape as Reshape
from scratchnn.layers.reshaping_extra import Cropping1D as Cropping1D
from scratchnn.layers.reshaping_extra import Permute as Permute
from scratchnn.layers.reshaping_extra import RepeatVector as RepeatVector
from scratchnn.layers.reshaping_extra import UpSampling1D as UpSampling1D
from scratchnn.layers.reshaping_extra import ZeroPadding1D as ZeroPadding1D
from scratchnn.layers.separable_conv import SeparableConv2D as SeparableConv2D
from scratchnn.layers.separable_conv import SeparableConvolution2D as SeparableConvolution2D
from scratchnn.layers.spatial_dropout import SpatialDropout2D as SpatialDropout2D
from scratchnn.layers.time_distributed import TimeDistributed as TimeDistributed
from scratchnn.layers.up_sampling import UpSampling2D as UpSampling2D
from scratchnn.layers.zero_padding import ZeroPadding2D as ZeroPadding2D
from scratchnn.ops.symbolic import KerasTensor as KerasTensor

Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose

# -- serialization (keras/src/layers/__init__.py) -----------------------------------------------
# Every layer class above is a built-in of "keras.layers": configs name them by that module.
from scratchnn.saving.registry import register_builtins as _register_builtins  # noqa: E402
from scratchnn.saving.serialization import deserialize_layer as _deserialize_layer  # noqa: E402
from scratchnn.saving.serialization_lib import serialize_keras_object as _serialize_keras_object  # noqa: E402

_register_builtins(
    "keras.layers", [obj for obj in globals().values() if isinstance(obj, type) and issubclass(obj, Layer)]
)


def serialize(layer: Layer) -> dict[str, _Any]:
    """Keras 3's config dict of a layer: module, class_name, config, registered_name (and build_config).

    Example:
        >>> keras.layers.serialize(keras.layers.Dense(3))["class_name"]
        'Dense'
    """
    return _serialize_keras_object(layer)


def deserialize(config: dict[str, _Any], custom_objects: dict[str, _Any] | None = None) -> Layer:
    """Rebuilds a layer from `serialize()`'s dict (custom classes via `custom_objects` or registration).

    Raises:
        ValueError: for an unknown class, or a config that does not describe a layer.
    """
    obj = _deserialize_layer(config, custom_objects)
    if not isinstance(obj, Layer):
        raise ValueError(
            "`keras.layers.deserialize` was passed a config that does not describe a layer. "
            f"Received: config={config!r} (it gave a {type(obj).__name__})"
        )
    return obj


# keras.layers's names: every class, function and alias above, not the submodules (as ops/__init__.py).
__all__ = sorted(
    name
    for name, value in globals().items()
    if not name.startswith("_") and not isinstance(value, _ModuleType)
)
