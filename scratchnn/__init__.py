"""scratchnn: neural networks from scratch on NumPy, with the Keras API.

    from scratchnn import keras          # instead of: from tensorflow import keras
    import scratchnn as tf               # instead of: import tensorflow as tf
    import scratchnn.keras as keras      # instead of: import keras

With `import scratchnn as tf`, the TensorFlow names Keras code uses work too: tf.keras, tf.data,
tf.nn, tf.math, tf.random, tf.config, tf.reduce_mean, tf.GradientTape, tf.function, ...
(scratchnn.tf_compat). Every one is imported on first use, so `import scratchnn` stays fast.
"""

import importlib
import importlib.util
import sys

from scratchnn.version import __version__

__all__ = ["GradientTape", "Variable", "__version__", "constant", "convert_to_tensor", "keras", "random"]


def __getattr__(name: str):
    # Lazy attributes (PEP 562): the Keras namespace and TensorFlow's names, resolved on first use
    # and cached here, so later look-ups are plain attribute reads.
    if name.startswith("__"):
        raise AttributeError(f"module 'scratchnn' has no attribute {name!r}")
    # A submodule not imported yet (`from scratchnn import ops` asks here first): imported as
    # the import system would, so a package importing its neighbours never loads tf_compat.
    full_name = f"{__name__}.{name}"
    value = sys.modules.get(full_name)
    if value is None and importlib.util.find_spec(full_name) is not None:
        value = importlib.import_module(full_name)
    if value is None:
        value = _tf_compat().resolve(name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_tf_compat().names()})


def _tf_compat():
    # import_module, not `from scratchnn import tf_compat`, which would ask __getattr__ again.
    return importlib.import_module("scratchnn.tf_compat")
