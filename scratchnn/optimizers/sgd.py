"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

from scratchnn.backend import xp
from scratchnn.ops.tensor import gradient
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.gradients import pair_gradients
from scratchnn.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent (with momentum) optimizer.

    Update rule for a variable `w` with gradient `g`::

        w = w - learning_rate * g                          # momentum == 0

        velocity = momentum * velocity - learning_rate * g  # momentum > 0
        w = w + velocity                                    # or, if nesterov:
        w = w + momentum * velocity - learning_rate * g

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to 0.01.
        momentum: float in [0, 1]; 0 is plain gradient descent. Defaults to 0.0.
        nesterov: bool, apply Nesterov momentum. Defaults to False.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "momentum" per variable, only when `momentum != 0`.

    Example:
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
        >>> opt.apply_gradients(zip(grads, model.trainable_variables))
    """

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
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
        check_number("momentum", momentum, 0.0, 1.0, owner="SGD: ")
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def build(self, variables: Any) -> None:
        """Creates the "momentum" slots (none when momentum is 0)."""
        if self.built:
            return
        super().build(variables)
        self.momentums = self.add_optimizer_variables(variables, "momentum") if self.momentum != 0 else []

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        if not self.momentums:
            variable.data -= learning_rate * gradient
            return
        m = self.momentums[self._trainable_variables_indices[id(variable)]].data
        step = gradient * learning_rate
        m *= self.momentum
        m -= step
        if self.nesterov:
            variable.data += m * self.momentum - step
        else:
            variable.data += m

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

    def _minimize(self, loss: Any, variables: Any) -> None:
        """The step's update; plain SGD takes a shortcut that needs no `lr * g` temporary.

        When the update is exactly `w -= learning_rate * g` (no momentum, none of the base
        options such as clipping, weight decay, EMA, accumulation or loss scaling, and no
        overridden update method), the backward pass is seeded with the learning rate
        instead of 1. Backpropagation is linear in its seed (every backward is a VJP,
        `ops.record`'s contract), so it yields learning_rate * dL/dw directly, the scale
        riding on multiplications the backward does anyway, and the update is one in-place
        subtraction per variable. Otherwise the general path runs.
        """
        if self.momentum or not self._options_at_defaults() or self._update_path_overridden(SGD):
            super()._minimize(loss, variables)
            return
        if not self.built:
            self.build(list(variables))
        seed = xp.full(loss.data.shape, self._current_learning_rate(), dtype=loss.data.dtype)
        scaled = self._reduce_gradients(gradient(loss, variables, output_gradient=seed), variables)
        gs, vs = pair_gradients(self.name, scaled, variables, self._trainable_variables_indices)
        for s, v in zip(gs, vs, strict=True):
            v.data -= s
        self._apply_constraints(vs)
        self._iterations.data += 1
