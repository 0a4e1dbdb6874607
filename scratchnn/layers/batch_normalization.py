"""BatchNormalization (keras/src/layers/normalization/batch_normalization.py)."""

from __future__ import annotations

from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.layers.layer import Layer
from scratchnn.layers.masking import mask_data
from scratchnn.layers.weight_options import add_weight_with_options, set_weight_options, weight_options_config
from scratchnn.ops.normalization import batch_norm_train, batch_normalization


class BatchNormalization(Layer):
    """Normalizes each channel, then scales and shifts: y = gamma * (x - mean) / sqrt(var + epsilon) + beta.

    In training (`training=True` and the layer trainable) mean and var are the
    batch's statistics over every axis but `axis` (biased variance, as Keras),
    and the moving statistics are updated:
        moving_mean = moving_mean * momentum + mean * (1 - momentum)   (likewise moving_variance).
    At inference the moving statistics are used instead.

    Args:
        axis: the feature axis, default -1 (channels last).
        momentum: default 0.99. epsilon: default 1e-3.
        center: add the learned offset beta (default True). scale: multiply by gamma (default True).
        beta_initializer "zeros", gamma_initializer "ones", moving_mean_initializer "zeros",
        moving_variance_initializer "ones"; beta/gamma regularizers and constraints.

    Weights:
        gamma, beta (trainable), moving_mean, moving_variance (non-trainable), each (C,).

    Shapes:
        output shape = input shape.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        renorm: bool = False,
        renorm_clipping: Any = None,
        renorm_momentum: float = 0.99,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"Layer {self.name!r}: `axis` must be one integer. Received: axis={axis!r}")
        if renorm:
            raise ValueError(
                f"Layer {self.name!r}: batch renormalization is not supported. Received: renorm={renorm!r}"
            )
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        set_weight_options(
            self,
            beta=(beta_initializer, beta_regularizer, beta_constraint),
            gamma=(gamma_initializer, gamma_regularizer, gamma_constraint),
            moving_mean=(moving_mean_initializer,),
            moving_variance=(moving_variance_initializer,),
        )
        self.synchronized = bool(synchronized)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)

    def build(self, input_shape: Any) -> None:
        axis = self.axis % len(input_shape)
        if input_shape[axis] is None:
            raise ValueError(
                f"Layer {self.name!r}: axis {self.axis} of the input must be known. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        shape = (int(input_shape[axis]),)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = add_weight_with_options(self, "gamma", shape)
        if self.center:
            self.beta = add_weight_with_options(self, "beta", shape)
        self.moving_mean = add_weight_with_options(self, "moving_mean", shape, trainable=False)
        self.moving_variance = add_weight_with_options(self, "moving_variance", shape, trainable=False)
        self.built = True

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        if training and self.trainable:
            if mask is None:
                out, mean, variance = batch_norm_train(inputs, self.gamma, self.beta, self.axis, self.epsilon)
            else:
                out, mean, variance = self._masked_train(inputs, mask_data(mask))
            # In place: optimizers and savers hold these Variable objects.
            m = self.momentum
            self.moving_mean.assign(
                self.moving_mean.data * m + mean.astype(self.moving_mean.data.dtype) * (1 - m)
            )
            self.moving_variance.assign(
                self.moving_variance.data * m + variance.astype(self.moving_variance.data.dtype) * (1 - m)
            )
            return out
        return batch_normalization(
            inputs, self.moving_mean, self.moving_variance, self.axis, self.beta, self.gamma, self.epsilon
        )

    def _masked_train(self, inputs: Any, keep: Any) -> tuple[Any, Any, Any]:
        """Training with statistics over the kept timesteps only (Keras's `_moments(inputs, mask)`).

        With w = the (N, T) mask broadcast over the features and n = sum(w) + epsilon():
        mean = sum(w * x) / n, var = sum(w * (x - mean)^2) / n over every axis but `axis`.
        Both are ops on the tape, so the gradient flows through them as in the fused path.
        """
        if keep.ndim != inputs.ndim - 1:
            raise ValueError(
                f"Layer {self.name!r}: the mask should have one dimension less than the inputs. "
                f"Received: mask.shape={tuple(keep.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        w = xp.broadcast_to(keep[..., None], tuple(inputs.shape))  # (N, T) -> (N, T, C)
        axes = tuple(i for i in range(inputs.ndim) if i != self.axis % inputs.ndim)
        count = w.sum(axis=axes, keepdims=True).astype(inputs.dtype) + backend.epsilon()
        mean = ops.divide(ops.sum(ops.where(w, inputs, 0.0), axis=axes, keepdims=True), count)
        centered = ops.where(w, ops.subtract(inputs, mean), 0.0)
        variance = ops.divide(ops.sum(ops.square(centered), axis=axes, keepdims=True), count)
        mean, variance = ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))  # (1, .., C) -> (C,)
        out = batch_normalization(inputs, mean, variance, self.axis, self.beta, self.gamma, self.epsilon)
        return out, mean.data, variance.data

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **weight_options_config(self, "beta", "gamma", "moving_mean", "moving_variance"),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
