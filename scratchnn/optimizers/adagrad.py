"""Adagrad: per-coordinate learning rates from the sum of squared gradients (Duchi et al., 2011)."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Optimizer that implements the Adagrad algorithm.

    Update rule for a variable `w` with gradient `g`::

        accumulator = accumulator + g**2          # starts at initial_accumulator_value
        w = w - learning_rate * g / sqrt(accumulator + epsilon)

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to 0.001.
        initial_accumulator_value: float >= 0, starting value of the
            accumulators. Defaults to 0.1.
        epsilon: float >= 0, numerical-stability constant. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "accumulator" per variable.

    Example:
        >>> opt = Adagrad(learning_rate=0.01)
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
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
        check_number("initial_accumulator_value", initial_accumulator_value, owner="Adagrad: ")
        check_number("epsilon", epsilon, owner="Adagrad: ")
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list: Any) -> None:
        """Creates the "accumulator" slots, filled with `initial_accumulator_value`."""
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value)
        )

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        acc = self._accumulators[self._trainable_variables_indices[id(variable)]].data
        acc += xp.square(gradient)
        denominator = acc + self.epsilon
        step = learning_rate * gradient
        step /= xp.sqrt(denominator, out=denominator)
        variable.data -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
