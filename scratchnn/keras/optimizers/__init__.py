"""`keras.optimizers`: every name of scratchnn.optimizers, `keras.optimizers.schedules`, and
Keras 2's `keras.optimizers.legacy` (the same classes)."""

import sys as _sys

import scratchnn.optimizers as _optimizers
from scratchnn.keras._reexport import forward as _forward

# Submodules first: see `forward`.
from scratchnn.keras.optimizers import legacy

__all__, __getattr__ = _forward(globals(), _optimizers)
__all__ += ["legacy"]

# `from scratchnn.keras.optimizers.schedules import ExponentialDecay` finds the real module.
_sys.modules.setdefault(f"{__name__}.schedules", _optimizers.schedules)
