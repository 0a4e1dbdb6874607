"""`keras.layers`: the layers scratchnn provides."""

from scratchnn.layers.activation import ELU as ELU
from scratchnn.layers.activation import Activation as Activation
from scratchnn.layers.activation import LeakyReLU as LeakyReLU
from scratchnn.layers.activation import ReLU as ReLU
from scratchnn.layers.activation import Softmax as Softmax
from scratchnn.layers.dense import Dense as Dense
from scratchnn.layers.dropout import Dropout as Dropout
from scratchnn.layers.input_layer import Input as Input
from scratchnn.layers.input_layer import InputLayer as InputLayer
from scratchnn.layers.input_spec import InputSpec as InputSpec
from scratchnn.layers.layer import Layer as Layer
from scratchnn.layers.preprocessing import Normalization as Normalization
from scratchnn.layers.preprocessing import Rescaling as Rescaling
from scratchnn.layers.reshaping import Flatten as Flatten
from scratchnn.layers.reshaping import Reshape as Reshape
from scratchnn.ops.symbolic import KerasTensor as KerasTensor

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "ELU",
    "Flatten",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "LeakyReLU",
    "Normalization",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
]

from scratchnn.layers.merging import Add as Add  # noqa: E402
from scratchnn.layers.merging import Average as Average  # noqa: E402
from scratchnn.layers.merging import Concatenate as Concatenate  # noqa: E402
from scratchnn.layers.merging import Dot as Dot  # noqa: E402
from scratchnn.layers.merging import Maximum as Maximum  # noqa: E402
from scratchnn.layers.merging import Minimum as Minimum  # noqa: E402
from scratchnn.layers.merging import Multiply as Multiply  # noqa: E402
from scratchnn.layers.merging import Subtract as Subtract  # noqa: E402
from scratchnn.layers.merging import add as add  # noqa: E402
from scratchnn.layers.merging import average as average  # noqa: E402
from scratchnn.layers.merging import concatenate as concatenate  # noqa: E402
from scratchnn.layers.merging import dot as dot  # noqa: E402
from scratchnn.layers.merging import maximum as maximum  # noqa: E402
from scratchnn.layers.merging import minimum as minimum  # noqa: E402
from scratchnn.layers.merging import multiply as multiply  # noqa: E402
from scratchnn.layers.merging import subtract as subtract  # noqa: E402

__all__ += [
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
    "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
]  # fmt: skip

# Convolutional networks (issue 4).
from scratchnn.layers.batch_normalization import BatchNormalization as BatchNormalization  # noqa: E402
from scratchnn.layers.convolutional import Conv1D as Conv1D  # noqa: E402
from scratchnn.layers.convolutional import Conv2D as Conv2D  # noqa: E402
from scratchnn.layers.convolutional import DepthwiseConv2D as DepthwiseConv2D  # noqa: E402
from scratchnn.layers.cropping import Cropping2D as Cropping2D  # noqa: E402
from scratchnn.layers.pooling import AveragePooling1D as AveragePooling1D  # noqa: E402
from scratchnn.layers.pooling import AveragePooling2D as AveragePooling2D  # noqa: E402
from scratchnn.layers.pooling import AvgPool1D as AvgPool1D  # noqa: E402
from scratchnn.layers.pooling import AvgPool2D as AvgPool2D  # noqa: E402
from scratchnn.layers.pooling import GlobalAveragePooling1D as GlobalAveragePooling1D  # noqa: E402
from scratchnn.layers.pooling import GlobalAveragePooling2D as GlobalAveragePooling2D  # noqa: E402
from scratchnn.layers.pooling import GlobalAvgPool1D as GlobalAvgPool1D  # noqa: E402
from scratchnn.layers.pooling import GlobalAvgPool2D as GlobalAvgPool2D  # noqa: E402
from scratchnn.layers.pooling import GlobalMaxPool1D as GlobalMaxPool1D  # noqa: E402
from scratchnn.layers.pooling import GlobalMaxPool2D as GlobalMaxPool2D  # noqa: E402
from scratchnn.layers.pooling import GlobalMaxPooling1D as GlobalMaxPooling1D  # noqa: E402
from scratchnn.layers.pooling import GlobalMaxPooling2D as GlobalMaxPooling2D  # noqa: E402
from scratchnn.layers.pooling import MaxPool1D as MaxPool1D  # noqa: E402
from scratchnn.layers.pooling import MaxPool2D as MaxPool2D  # noqa: E402
from scratchnn.layers.pooling import MaxPooling1D as MaxPooling1D  # noqa: E402
from scratchnn.layers.pooling import MaxPooling2D as MaxPooling2D  # noqa: E402
from scratchnn.layers.spatial_dropout import SpatialDropout2D as SpatialDropout2D  # noqa: E402
from scratchnn.layers.up_sampling import UpSampling2D as UpSampling2D  # noqa: E402
from scratchnn.layers.zero_padding import ZeroPadding2D as ZeroPadding2D  # noqa: E402

__all__ += [
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Cropping2D",
    "DepthwiseConv2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "SpatialDropout2D",
    "UpSampling2D",
    "ZeroPadding2D",
]

# Transposed convolutions, embeddings and masking (issue 13).
from scratchnn.layers.conv_transpose import Conv1DTranspose as Conv1DTranspose  # noqa: E402
from scratchnn.layers.conv_transpose import Conv2DTranspose as Conv2DTranspose  # noqa: E402
from scratchnn.layers.embedding import Embedding as Embedding  # noqa: E402
from scratchnn.layers.masking import Masking as Masking  # noqa: E402

Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose

__all__ += [
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Convolution1DTranspose",
    "Convolution2DTranspose",
    "Embedding",
    "Masking",
]

# Core, regularization, reshaping and preprocessing layers of the Keras guides (issue 13).
from scratchnn.layers.category_encoding import CategoryEncoding as CategoryEncoding  # noqa: E402
from scratchnn.layers.discretization import Discretization as Discretization  # noqa: E402
from scratchnn.layers.identity import Identity as Identity  # noqa: E402
from scratchnn.layers.image_preprocessing import CenterCrop as CenterCrop  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomBrightness as RandomBrightness  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomContrast as RandomContrast  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomCrop as RandomCrop  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomFlip as RandomFlip  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomRotation as RandomRotation  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomTranslation as RandomTranslation  # noqa: E402
from scratchnn.layers.image_preprocessing import RandomZoom as RandomZoom  # noqa: E402
from scratchnn.layers.image_preprocessing import Resizing as Resizing  # noqa: E402
from scratchnn.layers.lambda_layer import Lambda as Lambda  # noqa: E402
from scratchnn.layers.normalization import LayerNormalization as LayerNormalization  # noqa: E402
from scratchnn.layers.normalization import UnitNormalization as UnitNormalization  # noqa: E402
from scratchnn.layers.prelu import PReLU as PReLU  # noqa: E402
from scratchnn.layers.regularization import ActivityRegularization as ActivityRegularization  # noqa: E402
from scratchnn.layers.regularization import AlphaDropout as AlphaDropout  # noqa: E402
from scratchnn.layers.regularization import GaussianDropout as GaussianDropout  # noqa: E402
from scratchnn.layers.regularization import GaussianNoise as GaussianNoise  # noqa: E402
from scratchnn.layers.reshaping_extra import Cropping1D as Cropping1D  # noqa: E402
from scratchnn.layers.reshaping_extra import Permute as Permute  # noqa: E402
from scratchnn.layers.reshaping_extra import RepeatVector as RepeatVector  # noqa: E402
from scratchnn.layers.reshaping_extra import UpSampling1D as UpSampling1D  # noqa: E402
from scratchnn.layers.reshaping_extra import ZeroPadding1D as ZeroPadding1D  # noqa: E402
from scratchnn.layers.separable_conv import SeparableConv2D as SeparableConv2D  # noqa: E402
from scratchnn.layers.separable_conv import SeparableConvolution2D as SeparableConvolution2D  # noqa: E402
from scratchnn.layers.time_distributed import TimeDistributed as TimeDistributed  # noqa: E402

__all__ += [
    "ActivityRegularization",
    "AlphaDropout",
    "CategoryEncoding",
    "CenterCrop",
    "Cropping1D",
    "Discretization",
    "GaussianDropout",
    "GaussianNoise",
    "Identity",
    "Lambda",
    "LayerNormalization",
    "PReLU",
    "Permute",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "RepeatVector",
    "Resizing",
    "SeparableConv2D",
    "SeparableConvolution2D",
    "TimeDistributed",
    "UnitNormalization",
    "UpSampling1D",
    "ZeroPadding1D",
]

# -- serialization (keras/src/layers/__init__.py) -----------------------------------------------
# Every layer class above is a built-in of "keras.layers": configs name them by that module.
from typing import Any as _Any  # noqa: E402

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


__all__ += ["deserialize", "serialize"]
