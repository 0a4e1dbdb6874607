"""Nadam: Adam with Nesterov momentum (Dozat, 2016)."""

from __future__ import annotations

from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.optimizers._checks import check_number
from scratchnn.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    """Optimizer that implements the Nadam algorithm.

    Update rule at step `t` (1-based) for a variable `w` with gradient `g`,
    with the momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96**t)` and
    `u_product` the running product of the `u_t` (one scalar slot)::

        u_product = u_product * u_t                     # once per step
        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: float, `LearningRateSchedule` or callable. Defaults to 0.001.
        beta_1: float in [0, 1), decay of the first moment. Defaults to 0.9.
        beta_2: float in [0, 1), decay of the second moment. Defaults to 0.999.
        epsilon: float >= 0, numerical-stability constant. Defaults to 1e-7.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "momentum" and "velocity" per variable (interleaved), then the
    scalar "u_product" (Keras stores it last too, under the name "variable").

    Example:
        >>> opt = Nadam(learning_rate=2e-3)
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
        check_number("beta_1", beta_1, 0.0, 1.0, owner="Nadam: ", open_high=True)
        check_number("beta_2", beta_2, 0.0, 1.0, owner="Nadam: ", open_high=True)
        check_number("epsilon", epsilon, owner="Nadam: ")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list: Any) -> None:
        """Creates the "momentum" and "velocity" slots and the scalar "u_product"."""
        if self.built:
            return
        var_list = list(var_list)
        dtype = var_list[0].data.dtype if var_list else backend.floatx()
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer=1.0, dtype=dtype, name="u_product")

    def _u(self, step: int, f: Any) -> Any:
        # The momentum schedule in the variable's dtype `f` (Keras casts every scalar to it).
        return f(self.beta_1) * (1 - f(0.5) * f(0.96) ** f(step))

    def _backend_update_step(self, grads: list[Any], variables: list[Any], learning_rate: float) -> None:
        # u_product advances once per step, before the per-variable updates (Keras nadam.py).
        u = self._u_product.data
        u *= self._u(self._local_step, u.dtype.type)
        super()._backend_update_step(grads, variables, learning_rate)

    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates `variable` in place; `gradient` has its shape and dtype."""
        i = self._trainable_variables_indices[id(variable)]
        f = variable.data.dtype.type
        t = self._local_step
        u_t, u_t1 = self._u(t, f), self._u(t + 1, f)
        u_prod = f(self._u_product.data)
        m = self._momentums[i].data
        v = self._velocities[i].data
        tmp = gradient - m
        # Keras nadam.py uses the betas cast to the variable's dtype here too.
        b1, b2 = f(self.beta_1), f(self.beta_2)
        tmp *= 1 - b1
        m += tmp
        tmp = xp.square(gradient)
        tmp -= v
        tmp *= 1 - b2
        v += tmp
        # m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
        m_hat = m * u_t1
        m_hat /= 1 - u_prod * u_t1
        tmp = gradient * (1 - u_t)
        tmp /= 1 - u_prod
        m_hat += tmp
        denominator = xp.sqrt(v / (1 - b2 ** f(t)))
        denominator += self.epsilon
        m_hat *= learning_rate
        m_hat /= denominator
        variable.data -= m_hat

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
