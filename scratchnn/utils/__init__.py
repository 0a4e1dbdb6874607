"""`keras.utils`: one-hot encoding, seeding, the progress bar, object registration, image files,
PyDataset, plot_model."""

from scratchnn.backend.random import set_seed as _set_seed
from scratchnn.saving.registry import CustomObjectScope as CustomObjectScope
from scratchnn.saving.registry import custom_object_scope as custom_object_scope
from scratchnn.saving.registry import get_custom_objects as get_custom_objects
from scratchnn.saving.registry import get_registered_name as get_registered_name
from scratchnn.saving.registry import get_registered_object as get_registered_object
from scratchnn.saving.registry import register_keras_serializable as register_keras_serializable
from scratchnn.saving.serialization_lib import deserialize_keras_object as deserialize_keras_object
from scratchnn.saving.serialization_lib import serialize_keras_object as serialize_keras_object
from scratchnn.trainers.data_adapters.data_adapter_utils import (
    pack_x_y_sample_weight as pack_x_y_sample_weight,
)
from scratchnn.trainers.data_adapters.data_adapter_utils import (
    unpack_x_y_sample_weight as unpack_x_y_sample_weight,
)
from scratchnn.trainers.data_adapters.py_dataset_adapter import PyDataset as PyDataset
from scratchnn.trainers.data_adapters.py_dataset_adapter import Sequence as Sequence
from scratchnn.utils.image_utils import array_to_img as array_to_img
from scratchnn.utils.image_utils import img_to_array as img_to_array
from scratchnn.utils.image_utils import load_img as load_img
from scratchnn.utils.image_utils import save_img as save_img
from scratchnn.utils.model_visualization import model_to_dot as model_to_dot
from scratchnn.utils.model_visualization import plot_model as plot_model
from scratchnn.utils.numerical import normalize as normalize
from scratchnn.utils.numerical import to_categorical as to_categorical
from scratchnn.utils.progbar import Progbar as Progbar
from scratchnn.utils.sequence_utils import pad_sequences as pad_sequences


def set_random_seed(seed: int) -> None:
    """Seeds Python, NumPy and scratchnn: the same seed gives the same weights and history.

    Raises:
        ValueError: if `seed` is not a non-negative integer.
    """
    _set_seed(seed)


__all__ = [
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Sequence",
    "array_to_img",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "img_to_array",
    "load_img",
    "model_to_dot",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "save_img",
    "serialize_keras_object",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
