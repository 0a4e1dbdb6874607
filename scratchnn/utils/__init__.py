"""`keras.utils`: one-hot encoding, seeding, the progress bar, object registration."""

from scratchnn.backend.random import set_seed as _set_seed
from scratchnn.saving.registry import custom_object_scope as custom_object_scope
from scratchnn.saving.registry import get_custom_objects as get_custom_objects
from scratchnn.saving.registry import register_keras_serializable as register_keras_serializable
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
    "Progbar",
    "custom_object_scope",
    "get_custom_objects",
    "normalize",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "set_random_seed",
    "to_categorical",
]
