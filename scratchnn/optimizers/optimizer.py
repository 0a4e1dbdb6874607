"""The `Optimizer` base class: state, clipping, weight decay, EMA and the apply loop.

Subclasses only create their slots in `build` and write `update_step`; everything
shared by all optimizers (the iteration counter, the learning rate or schedule,
gradient clipping, decoupled weight decay, loss-scale unscaling, gradient
accumulation, the moving average of the weights, constraints) runs from `apply`
here, in the order Keras 3 applies it (`keras/src/optimizers/base_optimizer.py`
and the JAX `_backend_apply_gradients`). Two mixins hold parts of it: creating the
variables (optimizer_variables.py) and the optional parts of an update, weight
decay, accumulation and EMA (update_options.py).

Variables are `scratchnn.ops.tensor.Variable`s and every update is in place on
`var.data`, so layers keep seeing the same array objects.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from scratchnn import backend
from scratchnn.ops.tensor import Tensor, Variable, gradient
from scratchnn.optimizers import schedules as _schedules
from scratchnn.optimizers._checks import check_base_arguments, is_number
from scratchnn.optimizers.gradients import clip_gradients, pair_gradients
from scratchnn.optimizers.optimizer_variables import OptimizerVariables
from scratchnn.optimizers.option_defaults import constructor_defaults, overrides_any
from scratchnn.optimizers.update_options import UpdateOptions
from scratchnn.saving.keras_saveable import KerasSaveable
from scratchnn.utils import naming


class Optimizer(OptimizerVariables, UpdateOptions, KerasSaveable):
    """Abstract optimizer base class (Keras 3's `keras.optimizers.Optimizer`).

    A subclass overrides `build(variables)` (call `super().build` first, then
    create slots with `add_optimizer_variables`), `update_step(gradient,
    variable, learning_rate)` and `get_config`.

    One call of `apply(grads, variables)` does, like Keras::

        grads = [g / loss_scale_factor for g in grads]       # if set
        grads = clip(grads)                                   # clipnorm | clipvalue | global_clipnorm
        var -= var * weight_decay * lr                        # if weight_decay, per variable
        update_step(g, var, lr) for each pair                 # the subclass's rule
        average = m * average + (1 - m) * var                 # if use_ema
        var = constraint(var)                                 # if the variable has one
        iterations += 1

    Args:
        learning_rate: float >= 0, a `LearningRateSchedule`, or a callable with
            no arguments returning the learning rate.
        weight_decay: float or None. If set, every step first shrinks each
            variable by `var * weight_decay * lr` (decoupled weight decay).
        clipnorm: float or None. Clip each gradient so its L2 norm is at most this.
        clipvalue: float or None. Clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: float or None. Clip all gradients together so their
            joint L2 norm is at most this. At most one of the three clip
            arguments may be set.
        use_ema: bool, default False. Keep an exponential moving average of
            the weights (slot "average").
        ema_momentum: float in [0, 1], default 0.99. Momentum of that average.
        ema_overwrite_frequency: int >= 1 or None. Every that many iterations
            the weights are overwritten by their average.
        loss_scale_factor: float or None. Gradients are divided by it first.
        gradient_accumulation_steps: int >= 2 or None. Gradients are summed
            over that many calls and the update uses their mean.
        name: string; defaults to the snake-case class name, made unique.

    Raises:
        ValueError: for unknown keyword arguments, out-of-range values, or more
            than one clipping argument.
    """

    # Set for the duration of a data-parallel fit (scratchnn.distribution): sums the gradients
    # of the replicas before every update; None otherwise.
    _gradient_reducer: Any = None

    def __init__(
        self,
        learning_rate: Any,
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
        owner = f"{type(self).__name__}: "
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=2)
        base = {
            "weight_decay": weight_decay,
            "clipnorm": clipnorm,
            "clipvalue": clipvalue,
            "global_clipnorm": global_clipnorm,
            "use_ema": use_ema,
            "ema_momentum": ema_momentum,
            "ema_overwrite_frequency": ema_overwrite_frequency,
            "loss_scale_factor": loss_scale_factor,
            "gradient_accumulation_steps": gradient_accumulation_steps,
            "name": name,
        }
        check_base_arguments(owner, base, kwargs)
        self.name = name or naming.uniquify(naming.to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables: list[Variable] = []
        self._trainable_variables: list[Any] = []
        self._trainable_variables_indices: dict[int, int] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern[str] | None = None
        self._local_step = 1
        # int64 counter (Keras uses int32 under JAX, int64 under TF); saved first.
        self._iterations = self.add_variable((), initializer=0, dtype="int64", name="iteration")
        self._learning_rate: Any = None
        self._set_learning_rate(learning_rate, owner)

    # -- learning rate ----------------------------------------------------------
    def _set_learning_rate(self, learning_rate: Any, owner: str = "") -> None:
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or (
            callable(learning_rate) and not isinstance(learning_rate, Tensor)
        ):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
            return
        value = learning_rate.data if isinstance(learning_rate, Tensor) else learning_rate
        if not is_number(value) or not float(value) >= 0:
            raise ValueError(
                f"{owner}Argument `learning_rate` should be a float >= 0, an instance of "
                "LearningRateSchedule, or a callable with no arguments returning the learning rate. "
                f"Received: learning_rate={learning_rate!r}"
            )
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.data[...] = float(value)
        elif self._learning_rate is not None:
            # Keras refuses too: the schedule's state would be lost silently.
            raise TypeError(
                f"{owner}This optimizer was created with a `LearningRateSchedule` or callable as its "
                "`learning_rate`, so its learning rate cannot be set to a number. Create the optimizer "
                "with a float `learning_rate` instead, or assign a new schedule. "
                f"Received: learning_rate={value!r}"
            )
        else:
            lr = self.add_variable((), initializer=float(value), dtype=backend.floatx(), name="learning_rate")
            self._learning_rate = lr

    @property
    def learning_rate(self) -> Any:
        """The current learning rate.

        The `learning_rate` Variable (scalar, floatx) when it was set as a
        float; the schedule evaluated at `iterations` for a schedule.
        Assigning a float updates it in place; assigning a schedule replaces it.
        """
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, _schedules.LearningRateSchedule):
            return lr(self._iterations)
        return lr()

    @learning_rate.setter
    def learning_rate(self, learning_rate: Any) -> None:
        self._set_learning_rate(learning_rate, f"{type(self).__name__}: ")

    def _current_learning_rate(self) -> float:
        """The learning rate for this step as a Python float (hot path)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return float(lr.data)
        value = lr(self._iterations) if isinstance(lr, _schedules.LearningRateSchedule) else lr()
        return float(value.data if isinstance(value, Tensor) else value)

    @property
    def iterations(self) -> Any:
        """The number of update steps taken: an int64 scalar Variable.

        With `gradient_accumulation_steps`, the number of real updates
        (`raw_calls // gradient_accumulation_steps`), as a Tensor.
        """
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.data // self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self) -> list[Variable]:
        """All optimizer state in Keras's saved order: iteration, learning_rate, then the slots."""
        return self._variables[:]

    # -- slots --------------------------------------------------------------------
    def build(self, variables: Sequence[Any]) -> None:
        """Records the model variables and creates the shared slots.

        Subclasses call `super().build(variables)` first, then add their slots.
        """
        variables = list(variables)
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(variables, "gradient_accumulator")
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = variables
        self.built = True

    def _get_variable_index(self, variable: Any) -> int:
        return self._trainable_variables_indices[id(variable)]

    # -- the training step ------------------------------------------------------
    def update_step(self, gradient: Any, variable: Any, learning_rate: float) -> None:
        """Updates one variable in place from its gradient (same shape and dtype)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step`.")

    def _minimize(self, loss: Any, variables: Sequence[Any]) -> None:
        """One training step's update from a scalar loss: the trainer's entry point.

        The general path is Keras's: scale the loss (`loss_scale_factor`), differentiate,
        then `apply_gradients`, which unscales, clips, decays and updates. An optimizer
        whose update allows a cheaper route (plain SGD) overrides this.

        Args:
            loss: the scalar loss Tensor of the step, its tape still recorded.
            variables: the trainable variables to update.
        """
        grads = gradient(self.scale_loss(loss), variables)
        self.apply_gradients(zip(grads, variables))

    def _reduce_gradients(self, grads: Sequence[Any], variables: Sequence[Any]) -> Sequence[Any]:
        """The gradients the update uses: this process's, or, during a data-parallel `fit`, the sum
        over the replicas that `scratchnn.distribution` installs as `_gradient_reducer`."""
        reducer = self._gradient_reducer
        return grads if reducer is None else reducer(grads, variables)

    def _options_at_defaults(self) -> bool:
        """Whether every constructor option (but the learning rate and name) keeps its default.

        The options are read from the signature of this class's `__init__`, so an option
        added later (to the base class or a subclass) is covered without editing a list.
        """
        read, defaults = constructor_defaults(type(self), _NOT_OPTIONS)
        return read(self) == defaults  # one C-level attrgetter call: this runs every step

    def _update_path_overridden(self, owner: type) -> bool:
        """Whether a subclass of `owner` replaces a method that `_minimize`'s shortcut skips."""
        return overrides_any(type(self), owner, _UPDATE_PATH)

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> Variable:
        """Applies a list of (gradient, variable) pairs; returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs, strict=True)
            self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Any] | None = None) -> None:
        """Updates the variables from their gradients, in place (one training step).

        Args:
            grads: one gradient per variable (backend array or Tensor, the
                variable's shape); None entries are skipped with a warning.
            trainable_variables: the variables; may be omitted once built,
                and then `grads` must match the variables the optimizer was
                built with.

        Raises:
            ValueError: for variables the optimizer was not built with, or if
                every gradient is None.
        """
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"Optimizer {self.name!r}: when passing `grads` without `trainable_variables`, the "
                    "optimizer must already be built. Call `optimizer.build(trainable_variables)` first."
                )
            variables = self._trainable_variables
            if len(grads) != len(variables):
                raise ValueError(
                    f"Optimizer {self.name!r}: expected one gradient per variable it was built with "
                    f"({len(variables)}). Received: len(grads)={len(grads)}"
                )
        else:
            variables = trainable_variables
            if not self.built:
                self.build(list(variables))
        grads = self._reduce_gradients(grads, variables)
        gs, vs = pair_gradients(self.name, grads, variables, self._trainable_variables_indices)
        if self.loss_scale_factor is not None:
            gs = [g / self.loss_scale_factor for g in gs]

        if self.gradient_accumulation_steps:
            self._accumulate_and_maybe_update(gs, vs)
        else:
            self._clip_weight_decay_update(gs, vs)
        if self.use_ema:
            self._update_model_variables_moving_average()
        self._apply_constraints(vs)
        self._iterations.data += 1

    @staticmethod
    def _apply_constraints(variables: Sequence[Any]) -> None:
        """Projects each updated variable that has a constraint (Keras applies them after the step)."""
        for v in variables:
            if getattr(v, "constraint", None) is not None:
                v.assign(v.constraint(v))

    def _clip_weight_decay_update(self, gs: list[Any], vs: list[Any]) -> None:
        lr = self._current_learning_rate()
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            gs = clip_gradients(gs, self.clipnorm, self.global_clipnorm, self.clipvalue)
        if self.weight_decay:
            self._apply_weight_decay(vs, lr)
        self._local_step = int(self.iterations.data) + 1
        self._backend_update_step(gs, vs, lr)

    def _backend_update_step(self, grads: list[Any], variables: list[Any], learning_rate: float) -> None:
        """Runs `update_step` for each pair (Nadam hooks in here)."""
        update = self.update_step
        for g, v in zip(grads, variables, strict=True):
            update(g, v, learning_rate)

    def scale_loss(self, loss: Any) -> Any:
        """Multiplies the loss by `loss_scale_factor` when it is set."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- state and config -----------------------------------------------------------
    def set_weights(self, weights: Sequence[Any]) -> None:
        """Sets every optimizer variable, in the order of `variables`.

        Raises:
            ValueError: if the optimizer is not built or a shape differs.
        """
        if not self.built:
            raise ValueError(
                f"Optimizer {self.name!r}: call `optimizer.build(trainable_variables)` "
                "before `set_weights()`."
            )
        for var, w in zip(self._variables, weights, strict=False):
            var.assign(backend.asarray(w).astype(var.data.dtype))

    def save_own_variables(self, store: Any) -> None:
        """Writes the variables into `store` under keys "0", "1", ... (Keras's layout)."""
        for i, var in enumerate(self._variables):
            store[str(i)] = var.numpy()

    def load_own_variables(self, store: Any) -> None:
        """Reads the variables written by `save_own_variables`; warns and skips on a count mismatch."""
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self._variables)} variables whereas the saved optimizer has {len(store.keys())} "
                "variables.",
                stacklevel=2,
            )
            return
        for i, var in enumerate(self._variables):
            var.assign(backend.asarray(store[str(i)][...]).astype(var.data.dtype))

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, with Keras's keys (JSON-safe)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            learning_rate: Any = float(lr.data)
        elif isinstance(lr, _schedules.LearningRateSchedule):
            learning_rate = _schedules.serialize(lr)
        else:
            learning_rate = lr
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
        """Rebuilds an optimizer (without its state) from `get_config()`."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def _obj_type(self) -> str:
        return "Optimizer"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


# The methods a user may override to change an update; `_minimize` shortcuts that bypass them
# must check none is overridden (`_update_path_overridden`).
_UPDATE_PATH = (
    "apply",
    "apply_gradients",
    "update_step",
    "_backend_update_step",
    "_clip_weight_decay_update",
    "scale_loss",
)
_NOT_OPTIONS = frozenset({"self", "learning_rate", "name", "kwargs"})
