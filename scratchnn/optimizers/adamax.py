"""Adamax: Adam with the infinity norm (Kingma & Ba, 2014, section 7)."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Optimizer that implements the Adamax algorithm.

    Update rule at step `t` (1-based) for a variable `w` with gradient `g`::

        m = m + (g - m) * (1 - beta_1)
        u = maximum(beta_2 * u, abs(g))
        w = w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to 0.001.
        beta_1: float in [0, 1), decay of the first moment. Defaults to 0.9.
        beta_2: float in [0, 1), decay of the infinity norm. Defaults to 0.999.
        epsilon: float >= 0, numerical-stability constant. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots per variable (interleaved): "momentum", "norm".

    Example:
        >>> opt = Adamax(learning_rate=2e-3)
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
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
        check_number("beta_1", beta_1, 0.0, 1.0, owner="Adamax: ", open_high=True)
        check_number("beta_2", beta_2, 0.0, 1.0, owner="Adamax: ", open_high=True)
        check_number("epsilon", epsilon, owner="Adamax: ")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list: Any) -> None:
        """Creates the "momentum" and "norm" slots."""
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        i = self._trainable_variables_indices[id(variable)]
        m = self._m[i].data
        u = self._u[i].data
        tmp = gradient - m
        tmp *= 1 - self.beta_1
        m += tmp
        u *= self.beta_2
        xp.maximum(u, xp.abs(gradient), out=u)
        denominator = u + self.epsilon
        # Powers in the variable's dtype, as Keras casts beta_1 and the step first.
        f = variable.data.dtype.type
        denominator *= 1 - f(self.beta_1) ** f(self._local_step)
        tmp = learning_rate * m
        tmp /= denominator
        variable.data -= tmp

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
