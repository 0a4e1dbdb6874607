"""LayerNormalization and UnitNormalization (keras/src/layers/normalization/)."""

from __future__ import annotations

import warnings
from typing import Any

from scratchnn import ops
from scratchnn.layers.layer import Layer
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config
from scratchnn.ops.layer_norm import layer_normalization, normalized_axes


def _check_axis(axis: Any) -> int | list[int]:
    """Keras's accepted `axis` forms: an int, or a list/tuple of ints (kept as a list)."""
    if isinstance(axis, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(
        f"Expected an int or a list/tuple of ints for the argument 'axis'. Received: axis={axis!r}"
    )


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: y = (x - mean) / sqrt(var + epsilon) * gamma + beta.

    mean and var are taken per sample over the axes in `axis` (the features), so unlike
    BatchNormalization nothing depends on the other samples of the batch, and training and
    inference compute the same thing. gamma and beta span the axes in `axis`.

    Args:
        axis: int or list of ints, the axes normalized together; default -1.
        epsilon: small float added to the variance; default 1e-3.
        center: add the offset `beta`; default True.
        scale: multiply by `gamma`; default True.
        rms_scaling: Keras's deprecated flag: y = x / sqrt(var + epsilon) * gamma, without
            centering or beta (keras/src/ops/nn.py). It warns, as Keras does; prefer False.
        beta_initializer, gamma_initializer: default "zeros" and "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: default None.

    Shapes:
        input: any shape; output: the same. gamma, beta: (input_shape[a] for a in axis).

    Raises:
        TypeError: for an `axis` that is not an int or list of ints.
        ValueError: for a negative `epsilon`, an axis outside the input's rank, or an
            unknown size on a normalized axis.

    Example:
        >>> LayerNormalization(axis=[1, 2])(np.zeros((4, 5, 6))).shape
        (4, 5, 6)
    """

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        rms_scaling: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = _check_axis(axis)
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon < 0:
            raise ValueError(
                f"Layer {self.name!r}: `epsilon` must be a non-negative number. Received: epsilon={epsilon!r}"
            )
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated in Keras 3: it scales the input by "
                "the variance, not the root mean square. Use `keras.layers.RMSNormalization` for RMS "
                "normalization.",
                stacklevel=2,
            )
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        set_weight_options(
            self,
            beta=(beta_initializer, beta_regularizer, beta_constraint),
            gamma=(gamma_initializer, gamma_regularizer, gamma_constraint),
        )
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        axes = self._axes(input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if any(s is None for s in shape):
            raise ValueError(
                f"Layer {self.name!r}: the normalized axes {list(axes)} must have known sizes. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        # Keras creates gamma before beta; they are the layer's weights in that order.
        self.gamma = None
        if self.scale or self.rms_scaling:
            self.gamma = add_weight_with_options(self, "gamma", shape)
        self.beta = None
        if self.center and not self.rms_scaling:
            self.beta = add_weight_with_options(self, "beta", shape)
        self.built = True

    def _axes(self, input_shape: Any) -> tuple[int, ...]:
        try:
            return normalized_axes(self.axis, len(input_shape))
        except ValueError as err:
            raise ValueError(f"Layer {self.name!r}: {err} (input_shape={tuple(input_shape)})") from None

    def call(self, inputs: Any) -> Any:
        return layer_normalization(
            inputs, self.gamma, self.beta, self.axis, self.epsilon, rms_scaling=self.rms_scaling
        )

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._axes(input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **weight_options_config(self, "beta", "gamma"),
        }


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`: y = x / max(||x||_2, 1e-12).

    As keras.ops.normalize computes it: x * min(1 / sqrt(sum(x^2)), 1e12), so an all-zero
    sample stays zero (and its gradient is finite).

    Args:
        axis: int or list of ints, the axes whose norm is 1 afterwards; default -1.

    Shapes:
        input: any shape; output: the same.

    Raises:
        TypeError: for an `axis` that is not an int or list of ints.
        ValueError: for an axis outside the input's rank.
    """

    _epsilon = 1e-12  # keras/src/layers/normalization/unit_normalization.py

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = _check_axis(axis)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        axes = normalized_axes(self.axis, inputs.ndim)
        square_sum = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        # max(s, eps^2) before the root == min(1/sqrt(s), 1/eps), without dividing by zero.
        inv_norm = ops.divide(1.0, ops.sqrt(ops.maximum(square_sum, self._epsilon**2)))
        return ops.multiply(inputs, inv_norm)

    def compute_output_shape(self, input_shape: Any) -> Any:
        try:
            normalized_axes(self.axis, len(input_shape))
        except ValueError as err:
            raise ValueError(f"Layer {self.name!r}: {err} (input_shape={tuple(input_shape)})") from None
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
