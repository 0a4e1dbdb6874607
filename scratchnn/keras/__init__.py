"""The Keras namespace: `from scratchnn import keras` / `import scratchnn.keras as keras`.

Re-exports only; the code lives in the scratchnn packages. Submodules are
registered under `scratchnn.keras.*` too, so `from scratchnn.keras.layers
import Dense` and `from scratchnn.keras.models import Sequential` work.
`keras.layers`, `keras.optimizers` and `keras.utils` are packages here, since they
also hold Keras 2's module paths (`keras.layers.core`, `keras.optimizers.legacy`,
`keras.utils.np_utils`), which are not modules of the scratchnn packages.
"""

import sys as _sys

from scratchnn import (
    activations,
    callbacks,
    constraints,
    distribution,
    initializers,
    losses,
    metrics,
    models,
    ops,
    random,
    regularizers,
    saving,
)
from scratchnn.keras import backend, config, datasets, layers, optimizers, preprocessing, utils
from scratchnn.layers import Input, Layer
from scratchnn.models import Model, Sequential
from scratchnn.ops.tensor import Variable
from scratchnn.version import __version__

for _name, _module in {
    "activations": activations,
    "callbacks": callbacks,
    "constraints": constraints,
    "distribution": distribution,
    "initializers": initializers,
    "losses": losses,
    "metrics": metrics,
    "models": models,
    "ops": ops,
    "random": random,
    "regularizers": regularizers,
    "saving": saving,
}.items():
    _sys.modules.setdefault(f"{__name__}.{_name}", _module)

__all__ = [
    "Input",
    "Layer",
    "Model",
    "Sequential",
    "Variable",
    "__version__",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "distribution",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "preprocessing",
    "utils",
]
