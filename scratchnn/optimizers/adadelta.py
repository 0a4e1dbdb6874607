"""Adadelta: an adaptive learning rate from running averages of updates (Zeiler, 2012)."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Optimizer that implements the Adadelta algorithm.

    Update rule for a variable `w` with gradient `g`::

        accumulated_grad = rho * accumulated_grad + (1 - rho) * g**2
        delta = -sqrt(accumulated_delta_var + epsilon) * g / sqrt(accumulated_grad + epsilon)
        accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta**2
        w = w + learning_rate * delta

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to
            0.001 (the paper's rule corresponds to 1.0).
        rho: float in [0, 1], decay rate of both averages. Defaults to 0.95.
        epsilon: float >= 0, numerical-stability constant. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots per variable (interleaved): "accumulated_grad", "accumulated_delta_var".

    Example:
        >>> opt = Adadelta(learning_rate=1.0)
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
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
        check_number("rho", rho, 0.0, 1.0, owner="Adadelta: ")
        check_number("epsilon", epsilon, owner="Adadelta: ")
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list: Any) -> None:
        """Creates the "accumulated_grad" and "accumulated_delta_var" slots."""
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"]
        )

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        i = self._trainable_variables_indices[id(variable)]
        rho, eps = self.rho, self.epsilon
        acc_g = self._accumulated_grads[i].data
        acc_d = self._accumulated_delta_vars[i].data
        acc_g *= rho
        acc_g += (1 - rho) * xp.square(gradient)
        # delta = -(rms(acc_d) * g) / rms(acc_g), with rms(x) = sqrt(x + eps)
        delta = xp.sqrt(acc_d + eps)
        delta *= gradient
        delta /= xp.sqrt(acc_g + eps)
        xp.negative(delta, out=delta)
        acc_d *= rho
        acc_d += (1 - rho) * xp.square(delta)
        delta *= learning_rate
        variable.data += delta

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
