"""RMSprop: divide the gradient by a running RMS of its recent magnitudes (Hinton)."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """Optimizer that implements the RMSprop algorithm.

    Update rule for a variable `w` with gradient `g`::

        velocity = rho * velocity + (1 - rho) * g**2
        average_grad = rho * average_grad + (1 - rho) * g           # centered only
        denominator = velocity - average_grad**2 + epsilon          # centered
        denominator = velocity + epsilon                            # otherwise
        increment = learning_rate * g / sqrt(denominator)
        momentum_slot = momentum * momentum_slot + increment        # momentum > 0
        w = w - momentum_slot          # or  w = w - increment  when momentum == 0

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to 0.001.
        rho: float in [0, 1], discount of the squared-gradient average. Defaults to 0.9.
        momentum: float in [0, 1]. Defaults to 0.0.
        epsilon: float >= 0, numerical-stability constant. Defaults to 1e-7.
        centered: bool, normalize by the estimated gradient variance instead
            of the raw second moment. Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "velocity" per variable; then "momentum" per variable if
    `momentum > 0`; then "average_gradient" per variable if `centered`.

    Example:
        >>> opt = RMSprop(learning_rate=1e-3, momentum=0.9, centered=True)
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
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
        check_number("rho", rho, 0.0, 1.0, owner="RMSprop: ")
        check_number("momentum", momentum, 0.0, 1.0, owner="RMSprop: ")
        check_number("epsilon", epsilon, owner="RMSprop: ")
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    def build(self, var_list: Any) -> None:
        """Creates the "velocity", "momentum" and "average_gradient" slots as needed."""
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum > 0 else []
        self._average_gradients = (
            self.add_optimizer_variables(var_list, "average_gradient") if self.centered else []
        )

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        i = self._trainable_variables_indices[id(variable)]
        rho = self.rho
        velocity = self._velocities[i].data
        velocity *= rho
        velocity += (1 - rho) * xp.square(gradient)
        if self.centered:
            avg = self._average_gradients[i].data
            avg *= rho
            avg += (1 - rho) * gradient
            denominator = velocity - xp.square(avg)
            denominator += self.epsilon
        else:
            denominator = velocity + self.epsilon
        increment = learning_rate * gradient
        increment /= xp.sqrt(denominator, out=denominator)
        if self._momentums:
            mom = self._momentums[i].data
            mom *= self.momentum
            mom += increment
            variable.data -= mom
        else:
            variable.data -= increment

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
