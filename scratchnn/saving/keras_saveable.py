"""`KerasSaveable`: what the weights-file walk asks of an object (keras/src/saving/keras_saveable.py).

Layers, models and optimizers derive from it and name their own type with
`_obj_type()` ("Layer", "Model", "Sequential", "Functional", "Optimizer"), so
the file formats walk objects by this protocol (saving/weights_tree.py, as
Keras's saving_lib `_walk_saveable`) and never import the model classes.

This module imports nothing, so every package may derive from it.
"""

from __future__ import annotations


class KerasSaveable:
    """Base of every object whose variables a weights file holds."""

    def _obj_type(self) -> str:
        """The kind of object: decides which children the weights walk visits and in which order."""
        raise NotImplementedError(
            f"{type(self).__name__} derives from KerasSaveable but does not implement `_obj_type()`."
        )
