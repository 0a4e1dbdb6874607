"""The functions and constants of the `tf.*` namespace (what `import scratchnn as tf` gives).

TensorFlow 2 puts the common math at the top level as well as in tf.math (tf.reduce_mean,
tf.maximum, tf.sigmoid, ...); scratchnn does the same for every tf.math name.
"""

from scratchnn.data.spec import TensorSpec as TensorSpec
from scratchnn.tf_compat import array_ops, dtypes, eager
from scratchnn.tf_compat import math as tf_math
from scratchnn.tf_compat.array_ops import *  # noqa: F403 - the namespace is array_ops.__all__
from scratchnn.tf_compat.dtypes import *  # noqa: F403
from scratchnn.tf_compat.eager import *  # noqa: F403
from scratchnn.tf_compat.linalg import einsum as einsum
from scratchnn.tf_compat.linalg import matmul as matmul
from scratchnn.tf_compat.linalg import norm as norm
from scratchnn.tf_compat.math import *  # noqa: F403
from scratchnn.tf_compat.sort_ops import argsort as argsort
from scratchnn.tf_compat.sort_ops import sort as sort
from scratchnn.tf_compat.tensor_shape import TensorShape as TensorShape

newaxis = None

__all__ = sorted(
    {
        *array_ops.__all__,
        *dtypes.__all__,
        *eager.__all__,
        *tf_math.__all__,
        "TensorShape",
        "TensorSpec",
        "argsort",
        "einsum",
        "matmul",
        "newaxis",
        "norm",
        "sort",
    }
)
