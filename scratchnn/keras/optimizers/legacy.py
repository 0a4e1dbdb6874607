"""`keras.optimizers.legacy` (Keras 2.11+): the same classes as `keras.optimizers`.

Keras 2 kept its older optimizer implementations here; scratchnn has one implementation of each,
with Keras 3's update rules, so code importing from this path gets those classes.
"""

import scratchnn.optimizers as _optimizers
from scratchnn.keras._reexport import select as _select

_NAMES = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "Optimizer", "RMSprop", "SGD"]

__all__, __getattr__ = _select(globals(), _optimizers, _NAMES)
