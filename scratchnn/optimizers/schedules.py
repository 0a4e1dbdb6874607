"""Learning-rate schedules: callables `step -> learning rate` that optimizers evaluate every step.

Each schedule computes in float64 and returns a floatx array shaped like
`step` (a 0-d array for a scalar step), so `float(schedule(step))` works and
arrays of steps are evaluated at once. Formulas and config keys follow
`keras/src/optimizers/schedules/learning_rate_schedule.py`.
"""

from __future__ import annotations

import math
from typing import Any

from scratchnn import backend
from scratchnn.backend import xp
from scratchnn.ops.tensor import Tensor
from scratchnn.saving.object_family import ObjectFamily


def _step_array(step: Any) -> Any:
    """A Variable, Tensor, array or number -> a float64 backend array."""
    return xp.asarray(step.data if isinstance(step, Tensor) else step, dtype="float64")


def _attributes(schedule: LearningRateSchedule, *names: str) -> dict[str, Any]:
    """`get_config()` of a schedule that stores each constructor argument under its own name."""
    return {name: getattr(schedule, name) for name in names}


def _check_decay_steps(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{owner}: Argument `{name}` must be > 0. Received: {name}={value!r}")


class LearningRateSchedule:
    """Base class of learning-rate schedules.

    Subclasses implement `__call__(step)`, returning the learning rate for the
    0-based optimizer step, and `get_config()`.

    Example:
        >>> class Inverse(LearningRateSchedule):
        ...     def __init__(self, lr): self.lr = lr
        ...     def __call__(self, step): return self.lr / (float(step) + 1)
        ...     def get_config(self): return {"lr": self.lr}
        >>> SGD(learning_rate=Inverse(0.1))
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Instantiates a schedule from the output of `get_config()`."""
        return cls(**config)

    def _out(self, value: Any) -> Any:
        return value.astype(backend.floatx())


class ExponentialDecay(LearningRateSchedule):
    """Exponential decay of the learning rate.

    ::

        p = step / decay_steps               # floor(step / decay_steps) if staircase
        lr = initial_learning_rate * decay_rate ** p

    Args:
        initial_learning_rate: float, the learning rate at step 0.
        decay_steps: positive number, the period of one `decay_rate` factor.
        decay_rate: float, the factor applied every `decay_steps`.
        staircase: bool, decay at discrete intervals. Defaults to False.
        name: string. Defaults to "ExponentialDecay".

    Returns (when called): a floatx array shaped like `step`.

    Raises:
        ValueError: if `decay_steps <= 0`.

    Example:
        >>> schedule = ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)
        >>> float(schedule(1000))   # 0.096
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        _check_decay_steps("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> Any:
        p = _step_array(step) / self.decay_steps
        if self.staircase:
            p = xp.floor(p)
        return self._out(self.initial_learning_rate * xp.power(float(self.decay_rate), p))

    def get_config(self) -> dict[str, Any]:
        return _attributes(self, "initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")


class PiecewiseConstantDecay(LearningRateSchedule):
    """A piecewise-constant learning rate.

    ::

        lr = values[0]   if step <= boundaries[0]
             values[i]   if boundaries[i-1] < step <= boundaries[i]
             values[-1]  if step > boundaries[-1]

    Args:
        boundaries: list of strictly increasing step numbers.
        values: list of learning rates, one more than `boundaries`.
        name: string. Defaults to "PiecewiseConstant".

    Raises:
        ValueError: if `len(values) != len(boundaries) + 1`, or the
            boundaries are not increasing.

    Example:
        >>> schedule = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
        >>> float(schedule(150))   # 0.5
    """

    def __init__(self, boundaries: list[Any], values: list[Any], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of "
                f"values. Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        if any(hi <= lo for lo, hi in zip(boundaries, boundaries[1:], strict=False)):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be strictly increasing. "
                f"Received: boundaries={boundaries}"
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Any:
        # searchsorted(side="left") counts the boundaries strictly below `step`,
        # which is exactly the index of the interval (b[i-1], b[i]] it falls in.
        index = xp.searchsorted(xp.asarray(self.boundaries, dtype="float64"), _step_array(step), side="left")
        return self._out(xp.asarray(self.values, dtype="float64")[index])

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    ::

        step = min(step, decay_steps)                              # cycle=False
        decay_steps = decay_steps * max(1, ceil(step / decay_steps))  # cycle=True
        lr = (initial_learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power
             + end_learning_rate

    Args:
        initial_learning_rate: float, the learning rate at step 0.
        decay_steps: positive number of steps to reach `end_learning_rate`.
        end_learning_rate: float. Defaults to 0.0001.
        power: float, the polynomial's power. Defaults to 1.0.
        cycle: bool, restart from a larger multiple of `decay_steps` after it. Defaults to False.
        name: string. Defaults to "PolynomialDecay".

    Raises:
        ValueError: if `decay_steps <= 0`.

    Example:
        >>> schedule = PolynomialDecay(0.1, decay_steps=10000, end_learning_rate=0.01, power=0.5)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        _check_decay_steps("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> Any:
        s = _step_array(step)
        if self.cycle:
            # The first multiple of decay_steps at or above `step` (1 at step 0).
            decay_steps = self.decay_steps * xp.maximum(xp.ceil(s / self.decay_steps), 1.0)
        else:
            decay_steps = float(self.decay_steps)
            s = xp.minimum(s, decay_steps)
        fraction_left = 1.0 - s / decay_steps
        delta = self.initial_learning_rate - self.end_learning_rate
        return self._out(delta * xp.power(fraction_left, float(self.power)) + self.end_learning_rate)

    def get_config(self) -> dict[str, Any]:
        return _attributes(
            self, "initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name"
        )


class InverseTimeDecay(LearningRateSchedule):
    """Inverse-time decay of the learning rate.

    ::

        p = step / decay_steps               # floor(step / decay_steps) if staircase
        lr = initial_learning_rate / (1 + decay_rate * p)

    Args:
        initial_learning_rate: float, the learning rate at step 0.
        decay_steps: positive number, how often to apply the decay.
        decay_rate: float, the decay rate.
        staircase: bool, decay at discrete intervals. Defaults to False.
        name: string. Defaults to "InverseTimeDecay".

    Raises:
        ValueError: if `decay_steps <= 0`.

    Example:
        >>> schedule = InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
        >>> float(schedule(2))   # 0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        _check_decay_steps("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> Any:
        p = _step_array(step) / self.decay_steps
        if self.staircase:
            p = xp.floor(p)
        return self._out(self.initial_learning_rate / (1.0 + self.decay_rate * p))

    def get_config(self) -> dict[str, Any]:
        return _attributes(self, "initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR, Loshchilov & Hutter 2016), with an optional linear warmup.

    ::

        # warmup (only if warmup_target is not None), for step < warmup_steps:
        lr = initial_learning_rate + (warmup_target - initial_learning_rate) * step / warmup_steps
        # decay, from start = warmup_target or initial_learning_rate:
        s = min(step - warmup_steps, decay_steps)
        lr = start * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)

    Args:
        initial_learning_rate: float, the learning rate at step 0.
        decay_steps: positive number of decay steps.
        alpha: float, the final learning rate as a fraction of the start. Defaults to 0.0.
        name: string. Defaults to "CosineDecay".
        warmup_target: float or None; the learning rate reached after the
            warmup. None (default) skips the warmup.
        warmup_steps: number of warmup steps. Defaults to 0.

    Raises:
        ValueError: if `decay_steps <= 0` or `warmup_steps < 0`.

    Example:
        >>> schedule = CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=100)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        _check_decay_steps("CosineDecay", "decay_steps", decay_steps)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, (int, float)) or warmup_steps < 0:
            raise ValueError(
                f"CosineDecay: Argument `warmup_steps` must be >= 0. Received: warmup_steps={warmup_steps!r}"
            )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, s: Any, start: float) -> Any:
        cosine = 0.5 * (1.0 + xp.cos(math.pi * s / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: Any) -> Any:
        s = _step_array(step)
        if self.warmup_target is None:
            return self._out(self._decay(xp.minimum(s, float(self.decay_steps)), self.initial_learning_rate))
        warmup = float(self.warmup_steps)
        s = xp.minimum(s, self.decay_steps + warmup)
        decayed = self._decay(s - warmup, self.warmup_target)
        if warmup == 0:
            return self._out(decayed)
        warming = self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate) * (
            s / warmup
        )
        return self._out(xp.where(s < warmup, warming, decayed))

    def get_config(self) -> dict[str, Any]:
        return _attributes(
            self, "initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps"
        )


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The multiplier decays from 1 to `alpha` over `first_decay_steps`; each
    restart then lasts `t_mul` times longer and starts from `m_mul` times the
    previous peak::

        f = step / first_decay_steps
        i = floor(f)                                   if t_mul == 1
        i = floor(log(1 - f * (1 - t_mul)) / log(t_mul))  otherwise
        f = f - i  (t_mul == 1)  or  (f - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i
        lr = initial_learning_rate * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi * f)) + alpha)

    Args:
        initial_learning_rate: float, the learning rate at step 0.
        first_decay_steps: positive number of steps of the first period.
        t_mul: float, period growth per restart. Defaults to 2.0.
        m_mul: float, peak factor per restart. Defaults to 1.0.
        alpha: float, the minimum as a fraction of the peak. Defaults to 0.0.
        name: string. Defaults to "SGDRDecay".

    Raises:
        ValueError: if `first_decay_steps <= 0`.

    Example:
        >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=1000)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        _check_decay_steps("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> Any:
        f = _step_array(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i = xp.floor(f)
            f = f - i
        else:
            i = xp.floor(xp.log(1.0 - f * (1.0 - t_mul)) / math.log(t_mul))
            f = (f - (1.0 - xp.power(t_mul, i)) / (1.0 - t_mul)) / xp.power(t_mul, i)
        cosine = 0.5 * xp.power(float(self._m_mul), i) * (1.0 + xp.cos(math.pi * f))
        return self._out(self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha))

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_SCHEDULES = {
    cls.__name__: cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


_FAMILY = ObjectFamily(
    "learning rate schedule", "keras.optimizers.schedules", _SCHEDULES, LearningRateSchedule
)


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict[str, Any]:
    """Returns the Keras config dict of a schedule.

    Returns:
        `{"module": "keras.optimizers.schedules", "class_name": ..., "config": ...,
        "registered_name": None}`; a registered custom schedule gets its
        "package>Name" as `registered_name`.

    Raises:
        TypeError: if the argument is not a `LearningRateSchedule`.
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(
            "`serialize` expects a LearningRateSchedule. "
            f"Received: learning_rate_schedule={learning_rate_schedule!r}"
        )
    return _FAMILY.serialize(learning_rate_schedule)


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    """Rebuilds a schedule from `serialize()`'s dict (or the legacy {"class_name", "config"} form).

    Raises:
        ValueError: for an unknown class name, listing the built-in names.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret learning rate schedule config. Received: config={config!r}")
    return _FAMILY.deserialize(config, custom_objects)
