"""Registry isolation: a test's `register_keras_serializable` calls do not leak into other tests."""

import keras
import pytest

from scratchnn.saving import registry


@pytest.fixture
def clean_registry():
    """Empties scratchnn's and Keras's global custom-object registries for one test, then restores them."""
    saved = dict(registry.GLOBAL_CUSTOM_OBJECTS), dict(registry.GLOBAL_CUSTOM_NAMES)
    keras_objects = keras.saving.get_custom_objects()
    keras_saved = dict(keras_objects)
    registry.GLOBAL_CUSTOM_OBJECTS.clear()
    keras_objects.clear()
    yield
    registry.GLOBAL_CUSTOM_OBJECTS.clear()
    registry.GLOBAL_CUSTOM_OBJECTS.update(saved[0])
    registry.GLOBAL_CUSTOM_NAMES.clear()
    registry.GLOBAL_CUSTOM_NAMES.update(saved[1])
    keras_objects.clear()
    keras_objects.update(keras_saved)
