"""The optional parts of an optimizer's update: weight decay, gradient accumulation, EMA.

`UpdateOptions` is a mixin of `Optimizer` (Keras keeps the same methods on its
base optimizer, keras/src/optimizers/base_optimizer.py): decoupled weight decay
and the variables it skips, the accumulation of gradients over
`gradient_accumulation_steps` calls, and the exponential moving average of the
weights (`use_ema`). `Optimizer.apply` calls them in Keras 3's order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scratchnn.backend import xp


class UpdateOptions:
    """Mixin: weight decay, gradient accumulation and the weights' moving average (see the module docstring)."""

    def _accumulate_and_maybe_update(self, gs: list[Any], vs: list[Any]) -> None:
        # As Keras's JAX backend: the update (clip, decay, step) runs only on
        # every `steps`-th call, with the mean of the accumulated gradients.
        steps = self.gradient_accumulation_steps
        accs = [self._accumulated_gradients[self._get_variable_index(v)] for v in vs]
        if (int(self._iterations.data) + 1) % steps == 0:
            mean = [(g + a.data) / steps for g, a in zip(gs, accs, strict=True)]
            for a in accs:
                a.data[...] = 0
            self._clip_weight_decay_update(mean, vs)
        else:
            for g, a in zip(gs, accs, strict=True):
                a.data += g

    # -- weight decay -------------------------------------------------------------
    def exclude_from_weight_decay(
        self, var_list: Sequence[Any] | None = None, var_names: Sequence[str] | None = None
    ) -> None:
        """Excludes variables, or variables whose name contains one of `var_names`, from weight decay.

        Raises:
            ValueError: if the optimizer is already built.
        """
        if self.built:
            raise ValueError(
                f"Optimizer {self.name!r}: `exclude_from_weight_decay()` can only be configured before "
                "the optimizer is built."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None

    def _use_weight_decay(self, variable: Any) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or pattern.search(getattr(variable, "name", "")) is None

    def _apply_weight_decay(self, variables: list[Any], lr: float) -> None:
        wd = self.weight_decay
        for v in variables:
            if self._use_weight_decay(v):
                # (var * wd) * lr with both scalars in the variable's dtype, as Keras.
                v.data -= v.data * wd * lr

    # -- moving average (EMA) -----------------------------------------------------
    def _update_model_variables_moving_average(self) -> None:
        step = int(self.iterations.data)
        for var, avg in zip(self._trainable_variables, self._model_variables_moving_average, strict=True):
            # The first step copies the weights (momentum 0), as in Keras.
            m = xp.asarray(self.ema_momentum if step != 0 else 0.0, dtype=avg.data.dtype)
            avg.data *= m
            avg.data += (1 - m) * var.data
        freq = self.ema_overwrite_frequency
        if freq and (step + 1) % freq == 0:
            self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _overwrite_model_variables_with_average_value(self, trainable_variables: Sequence[Any]) -> None:
        averages = self._model_variables_moving_average
        if len(trainable_variables) != len(averages):
            raise ValueError(
                f"Optimizer {self.name!r}: expected {len(averages)} model variables to overwrite with "
                f"their moving average. Received: len(trainable_variables)={len(trainable_variables)}"
            )
        for var, avg in zip(trainable_variables, averages, strict=True):
            var.data[...] = avg.data

    def finalize_variable_values(self, var_list: Sequence[Any]) -> None:
        """At the end of training, replaces the weights by their moving average when `use_ema`."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)
