"""`keras.utils`: one-hot encoding, seeding, the progress bar, object registration, image files, PyDataset,
plot_model.

The helpers under scratchnn/utils sit at the bottom of the package (they import the
backend at most), and nearly every package imports one of them, which runs this file
first. So this file imports only those helpers; the names `keras.utils` re-exports from
higher packages (the registry, the serialization library, PyDataset and the batch
packing of the trainers, the one-hot encoding on Tensors) are looked up on first use
(`__getattr__`, PEP 562) from the table below. Otherwise importing `scratchnn.utils.naming`
from the layers would load the trainers and the data pipeline above them.
"""

import importlib as _importlib

from scratchnn.backend.random import set_seed as _set_seed
from scratchnn.utils.image_utils import array_to_img as array_to_img
from scratchnn.utils.image_utils import img_to_array as img_to_array
from scratchnn.utils.image_utils import load_img as load_img
from scratchnn.utils.image_utils import save_img as save_img
from scratchnn.utils.model_visualization import model_to_dot as model_to_dot
from scratchnn.utils.model_visualization import plot_model as plot_model
from scratchnn.utils.progbar import Progbar as Progbar
from scratchnn.utils.sequence_utils import pad_sequences as pad_sequences

# name -> the module that defines it (imported on first use of the name).
_LAZY = {
    "CustomObjectScope": "scratchnn.saving.registry",
    "custom_object_scope": "scratchnn.saving.registry",
    "get_custom_objects": "scratchnn.saving.registry",
    "get_registered_name": "scratchnn.saving.registry",
    "get_registered_object": "scratchnn.saving.registry",
    "register_keras_serializable": "scratchnn.saving.registry",
    "deserialize_keras_object": "scratchnn.saving.serialization_lib",
    "serialize_keras_object": "scratchnn.saving.serialization_lib",
    "pack_x_y_sample_weight": "scratchnn.trainers.data_adapters.data_adapter_utils",
    "unpack_x_y_sample_weight": "scratchnn.trainers.data_adapters.data_adapter_utils",
    "PyDataset": "scratchnn.trainers.data_adapters.py_dataset_adapter",
    "Sequence": "scratchnn.trainers.data_adapters.py_dataset_adapter",
    "normalize": "scratchnn.utils.numerical",
    "to_categorical": "scratchnn.utils.numerical",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
