"""`keras.models`: Model, Sequential, cloning, JSON configs, loading and saving.

Each model class registers itself as a built-in of saving/registry.py in the module that
defines it, so a config naming `{"module": "keras", "class_name": "Sequential"}` or a
functional model resolves without the saving code importing the models.
"""

from scratchnn.models.cloning import clone_model as clone_model
from scratchnn.models.functional import Functional as Functional
from scratchnn.models.model import Model as Model
from scratchnn.models.model import model_from_json as model_from_json
from scratchnn.models.sequential import Sequential as Sequential
from scratchnn.saving.saving_api import load_model as load_model
from scratchnn.saving.saving_api import save_model as save_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
