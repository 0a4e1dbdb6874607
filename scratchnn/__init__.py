"""scratchnn: neural networks from scratch on NumPy, with the Keras API.

    from scratchnn import keras          # instead of: from tensorflow import keras
    import scratchnn as tf               # instead of: import tensorflow as tf
    import scratchnn.keras as keras      # instead of: import keras

`scratchnn.keras` is imported on first use, so `import scratchnn` stays fast.
"""

from scratchnn.version import __version__

__all__ = ["GradientTape", "Variable", "__version__", "constant", "convert_to_tensor", "keras", "random"]


def __getattr__(name: str):
    # Lazy attributes: `scratchnn.keras` and the TensorFlow-style conveniences.
    import importlib

    if name in ("keras", "random"):
        return importlib.import_module(f"scratchnn.{name}")
    if name in ("GradientTape", "Variable"):
        from scratchnn.ops import tensor

        return getattr(tensor, name)
    if name in ("constant", "convert_to_tensor"):
        from scratchnn.ops import convert_to_tensor

        return convert_to_tensor
    raise AttributeError(f"module 'scratchnn' has no attribute {name!r}")
