"""Adam: adaptive moment estimation (Kingma & Ba, 2014)."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Optimizer that implements the Adam algorithm.

    Update rule at step `t` (1-based) for a variable `w` with gradient `g`,
    with epsilon added after the bias correction (the "epsilon hat" of the
    paper, as Keras `adam.py` does)::

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        v_hat = maximum(v_hat, v); v = v_hat          # amsgrad only
        alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - alpha * m / (sqrt(v) + epsilon)

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to 0.001.
        beta_1: float in [0, 1), decay of the first moment. Defaults to 0.9.
        beta_2: float in [0, 1), decay of the second moment. Defaults to 0.999.
        epsilon: float >= 0, numerical-stability constant. Defaults to 1e-7.
        amsgrad: bool, use the AMSGrad variant (keeps the running maximum of
            `v`). Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots per variable (interleaved, Keras's saved order): "momentum",
    "velocity"; then "velocity_hat" for every variable when `amsgrad`.

    Example:
        >>> opt = Adam(learning_rate=1e-3)
        >>> opt.apply(grads, model.trainable_variables)
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        owner = f"{type(self).__name__}: "
        check_number("beta_1", beta_1, 0.0, 1.0, owner=owner, open_high=True)
        check_number("beta_2", beta_2, 0.0, 1.0, owner=owner, open_high=True)
        check_number("epsilon", epsilon, owner=owner)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = bool(amsgrad)
        self._alpha_cache: tuple[Any, Any] = (None, None)

    def build(self, var_list: Any) -> None:
        """Creates the "momentum" and "velocity" slots (and "velocity_hat" for amsgrad)."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _alpha(self, dtype: Any, learning_rate: float) -> Any:
        """The bias-corrected step size for this step, cached per (dtype, step, lr).

        Keras casts beta_1, beta_2 and the step to the variable's dtype before
        taking powers, and `1 - float32(0.999)` differs from 0.001 by 1e-5
        relative, so the scalars are computed in that dtype too, for parity.
        """
        key = (dtype, self._local_step, learning_rate)
        if self._alpha_cache[0] != key:
            f = dtype.type
            t = f(self._local_step)
            correction = xp.sqrt(1 - f(self.beta_2) ** t) / (1 - f(self.beta_1) ** t)
            self._alpha_cache = (key, f(learning_rate) * correction)
        return self._alpha_cache[1]

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        i = self._trainable_variables_indices[id(variable)]
        alpha = self._alpha(variable.data.dtype, learning_rate)
        m = self._momentums[i].data
        v = self._velocities[i].data
        tmp = gradient - m
        tmp *= 1 - self.beta_1
        m += tmp
        tmp = xp.square(gradient)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        if self.amsgrad:
            v = xp.maximum(self._velocity_hats[i].data, v, out=self._velocity_hats[i].data)
        denom = xp.sqrt(v)
        denom += self.epsilon
        tmp = m * alpha
        tmp /= denom
        variable.data -= tmp

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
