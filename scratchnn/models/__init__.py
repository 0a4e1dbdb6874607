"""`keras.models`: Model, Sequential, and (later) loading and saving."""

from scratchnn.models.functional import Functional as Functional
from scratchnn.models.model import Model as Model
from scratchnn.models.sequential import Sequential as Sequential

__all__ = ["Functional", "Model", "Sequential"]

from scratchnn.saving.saving_api import load_model as load_model  # noqa: E402
from scratchnn.saving.saving_api import save_model as save_model  # noqa: E402

__all__ += ["load_model", "save_model"]
