"""`keras.backend`: float type, epsilon, image layout, clear_session."""

from scratchnn.backend import epsilon, floatx, get_backend, image_data_format, set_epsilon, set_floatx
from scratchnn.metrics.metrics_utils import reset_name_counters
from scratchnn.utils import naming


def backend() -> str:
    """The name of the computation backend: "numpy" (scratchnn's own engine)."""
    return get_backend()


def clear_session() -> None:
    """Resets automatic layer and metric names (dense, dense_1, ...; precision, precision_1, ...), as Keras does."""
    naming.reset()
    reset_name_counters()


__all__ = ["backend", "clear_session", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx"]
