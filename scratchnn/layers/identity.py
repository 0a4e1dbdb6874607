"""Identity (keras/src/layers/core/identity.py)."""

from __future__ import annotations

from typing import Any

from scratchnn.layers.layer import Layer, keep_input_shape


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer); masks pass through.

    Shapes:
        input: any shape (or a nested structure of tensors); output: the same.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    compute_output_shape = keep_input_shape
