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
from scratchnn.layers.input_layer import KerasTensor as KerasTensor
from scratchnn.layers.layer import Layer as Layer
from scratchnn.layers.preprocessing import Normalization as Normalization
from scratchnn.layers.preprocessing import Rescaling as Rescaling
from scratchnn.layers.reshaping import Flatten as Flatten
from scratchnn.layers.reshaping import Reshape as Reshape

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "ELU",
    "Flatten",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "LeakyReLU",
    "Normalization",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
]
