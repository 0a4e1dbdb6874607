"""`keras.models`: Model, Sequential, cloning, JSON configs, loading and saving."""

from scratchnn.models.functional import Functional as Functional
from scratchnn.models.model import Model as Model
from scratchnn.models.model import model_from_json as model_from_json
from scratchnn.models.sequential import Sequential as Sequential
from scratchnn.saving.registry import register_builtins as _register_builtins

# Configs name Sequential and Model by "keras" and the functional class by its private module
# (keras/src/models/functional.py is not exported), as Keras 3 writes them.
_register_builtins("keras", [Sequential, Model])
_register_builtins("keras.models", [Sequential, Model])
_register_builtins("keras.src.models.functional", [Functional])

from scratchnn.models.cloning import clone_model as clone_model  # noqa: E402

__all__ = ["Functional", "Model", "Sequential", "clone_model", "model_from_json"]

from scratchnn.saving.saving_api import load_model as load_model  # noqa: E402
from scratchnn.saving.saving_api import save_model as save_model  # noqa: E402

__all__ += ["load_model", "save_model"]
