"""`keras.models`: Model, Sequential, and (later) loading and saving."""

from scratchnn.models.functional import Functional as Functional
from scratchnn.models.model import Model as Model
from scratchnn.models.sequential import Sequential as Sequential

__all__ = ["Functional", "Model", "Sequential"]
