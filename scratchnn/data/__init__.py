"""`tf.data` on NumPy: `Dataset`, `AUTOTUNE` and the cardinality constants.

`import scratchnn as tf` gives `tf.data.Dataset`; see scratchnn/data/dataset.py.
"""

from scratchnn.data import experimental as experimental
from scratchnn.data.dataset import AUTOTUNE as AUTOTUNE
from scratchnn.data.dataset import Dataset as Dataset
from scratchnn.data.node import INFINITE as INFINITE_CARDINALITY
from scratchnn.data.node import UNKNOWN as UNKNOWN_CARDINALITY
from scratchnn.data.spec import TensorSpec as TensorSpec

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Dataset", "TensorSpec", "experimental"]
