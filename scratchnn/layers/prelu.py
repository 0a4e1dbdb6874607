"""PReLU, the parametric ReLU (keras/src/layers/activations/prelu.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import ops
from scratchnn.layers.layer import Layer, keep_input_shape
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config


class PReLU(Layer):
    """y = x for x >= 0, y = alpha * x otherwise, with a learned slope `alpha` per element.

    Computed as Keras does, relu(x) - alpha * relu(-x), so dy/dx = 1 above zero and alpha
    below, and dy/dalpha = -relu(-x) = min(x, 0) (summed over the shared axes).

    Args:
        alpha_initializer: default "zeros" (the layer starts as a ReLU).
        alpha_regularizer, alpha_constraint: default None.
        shared_axes: int or list of ints (axes of the input, 1 = the first after the batch)
            along which alpha is shared, e.g. [1, 2] for one slope per channel of an image.

    Shapes:
        input: (batch, ...) ; output: the same. alpha: input_shape[1:] with the shared axes 1.

    Raises:
        ValueError: for a shared axis that is not an axis after the batch axis, or an
            unknown size on an axis that is not shared.
    """

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        set_weight_options(self, alpha=(alpha_initializer, alpha_regularizer, alpha_constraint))
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        if self.shared_axes is not None and not all(
            isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in self.shared_axes
        ):
            raise ValueError(
                f"Layer {self.name!r}: `shared_axes` must be positive ints (axis 0 is the batch). "
                f"Received: shared_axes={shared_axes!r}"
            )
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        param_shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if a >= len(input_shape):
                raise ValueError(
                    f"Layer {self.name!r}: shared axis {a} is out of range for inputs of rank "
                    f"{len(input_shape)}. Received: input_shape={tuple(input_shape)}"
                )
            param_shape[a - 1] = 1
        if any(s is None for s in param_shape):
            raise ValueError(
                f"Layer {self.name!r}: every axis that alpha spans must have a known size; share the "
                f"variable ones with `shared_axes`. Received: input_shape={tuple(input_shape)}"
            )
        self.alpha = add_weight_with_options(self, "alpha", tuple(param_shape))
        self.built = True

    def call(self, inputs: Any) -> Any:
        pos = ops.relu(inputs)
        neg = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(pos, neg)

    compute_output_shape = keep_input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            **weight_options_config(self, "alpha"),
            "shared_axes": self.shared_axes,
        }
