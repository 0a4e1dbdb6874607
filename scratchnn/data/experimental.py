"""`tf.data.experimental`: the names older TensorFlow code reaches for there."""

from scratchnn.data.dataset import AUTOTUNE as AUTOTUNE
from scratchnn.data.dataset import cardinality as cardinality
from scratchnn.data.node import INFINITE as INFINITE_CARDINALITY
from scratchnn.data.node import UNKNOWN as UNKNOWN_CARDINALITY

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality"]
