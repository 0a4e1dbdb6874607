"""`keras.random` (and `tf.random`): seeded random tensors.

Every draw goes through `scratchnn.backend.random`, with Keras 3's meaning of `seed=`
(keras/src/random/seed_generator.py):

- `seed=None` draws from the global generator, so each call differs and
  `keras.utils.set_random_seed(s)` / `tf.random.set_seed(s)` make the whole sequence repeat;
- `seed=42` (an int) gives the same values on every call;
- `seed=SeedGenerator(42)` gives new values on every call, the same sequence for the same seed.

The values are NumPy's generator's, not JAX's or TensorFlow's: the same seed repeats here, but
does not give the numbers real Keras gives. TensorFlow's `tf.random.set_seed`, `tf.random.uniform`
with an integer dtype, and `maxval=None` are accepted too, so the module serves as `tf.random`.
"""

from __future__ import annotations

from typing import Any

from scratchnn import backend, ops
from scratchnn.backend import xp
from scratchnn.backend.random import generator as _generator
from scratchnn.backend.random import set_seed
from scratchnn.ops.tensor import Tensor, Variable
from scratchnn.utils import naming


class SeedGenerator:
    """A random state: each random op given it as `seed=` draws new values and advances it.

    The state is a (2,) uint32 Variable `[seed, counter]`, as in Keras; draw i uses a generator
    made from `seed * 2**32 + i`, so two SeedGenerators with the same seed give the same sequence.

    Args:
        seed: int initial seed; None draws one from the global generator (so it repeats after
            `keras.utils.set_random_seed`).
        name: optional name; default "seed_generator", "seed_generator_1", ...

    Raises:
        ValueError: if `seed` is not an int (or None).

    Example:
        >>> gen = keras.random.SeedGenerator(1337)
        >>> a = keras.random.normal((2, 3), seed=gen)
        >>> b = keras.random.normal((2, 3), seed=gen)   # different from a
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self._initial_seed = seed
        if seed is None:
            seed = int(_generator().integers(1, 10**9))
        if not isinstance(seed, (int, xp.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.name = name or naming.uniquify("seed_generator")
        self.state = Variable(
            backend.asarray([int(seed) % 2**32, 0], dtype="uint32"),
            dtype="uint32",
            trainable=False,
            name="seed_generator_state",
        )

    def next(self, ordered: bool = True) -> Tensor:
        """Returns the current `[seed, counter]` and advances the counter by one."""
        current = Tensor(self.state.data.copy())
        self.state.data[1] += 1
        return current

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeedGenerator:
        return cls(**config)


def draw_generator(seed: Any) -> Any:
    """The backend generator for one draw with Keras's `seed=` (None, int or SeedGenerator).

    Raises:
        ValueError: for any other seed.
    """
    if seed is None:
        return _generator()
    if isinstance(seed, SeedGenerator):
        base, count = (int(v) for v in seed.next().data)
        return _generator(base * 2**32 + count)
    if isinstance(seed, (int, xp.integer)):
        # State [seed mod 2**32, 0]: the first draw of SeedGenerator(seed), as in Keras's draw_seed.
        return _generator((int(seed) % 2**32) * 2**32)
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed)})"
    )


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, xp.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype: Any, fn: str) -> str:
    dtype = backend.standardize_dtype(dtype)
    if not backend.is_float_dtype(dtype):
        raise ValueError(f"`keras.random.{fn}` requires a floating point `dtype`. Received: dtype={dtype}")
    return dtype


def _value(v: Any) -> Any:
    return v.data if isinstance(v, Tensor) else v


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from N(mean, stddev**2): a Tensor of `shape`, dtype floatx() by default."""
    dtype = _float_dtype(dtype, "normal")
    values = draw_generator(seed).normal(_value(mean), _value(stddev), size=_shape(shape))
    return Tensor(backend.asarray(values, dtype=dtype))


def uniform(shape: Any, minval: Any = 0.0, maxval: Any = None, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from [minval, maxval): floats (floatx() by default), or integers as tf.random.uniform
    gives for an integer `dtype` (then `maxval` is required). `maxval` None means 1.0 for floats
    (Keras's default and TensorFlow's).

    Raises:
        ValueError: for an integer dtype without `maxval`.
    """
    dtype = backend.standardize_dtype(dtype)
    if not backend.is_float_dtype(dtype):
        if maxval is None:
            raise ValueError(
                f"`maxval` must be given for an integer dtype. Received: dtype={dtype}, maxval=None"
            )
        return randint(shape, minval, maxval, dtype=dtype, seed=seed)
    maxval = 1.0 if maxval is None else maxval
    values = draw_generator(seed).uniform(_value(minval), _value(maxval), size=_shape(shape))
    return Tensor(backend.asarray(values, dtype=dtype))


def randint(shape: Any, minval: Any, maxval: Any, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Samples integers uniformly from [minval, maxval); int32 by default.

    Raises:
        ValueError: for a non-integer dtype.
    """
    dtype = backend.standardize_dtype(dtype)
    if xp.dtype(dtype).kind not in "iu":
        raise ValueError(f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype}")
    values = draw_generator(seed).integers(_value(minval), _value(maxval), size=_shape(shape), dtype=dtype)
    return Tensor(backend.asarray(values))


def truncated_normal(
    shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None
) -> Tensor:
    """Samples from N(mean, stddev**2) restricted to [mean - 2 stddev, mean + 2 stddev] (redrawn
    outside, as Keras does)."""
    dtype = _float_dtype(dtype, "truncated_normal")
    size = _shape(shape)
    rng = draw_generator(seed)
    values = rng.standard_normal(size)
    outside = xp.abs(values) > 2
    while outside.any():  # about 4.6% are redrawn each round, so a few rounds suffice
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = xp.abs(values) > 2
    return Tensor(backend.asarray(values * _value(stddev) + _value(mean), dtype=dtype))


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Tensor:
    """Permutes the slices of `x` along `axis` (each slice stays whole, like tf.random.shuffle;
    Keras's JAX and NumPy backends shuffle each column independently instead)."""
    t = ops.convert_to_tensor(x)
    order = draw_generator(seed).permutation(t.shape[axis])
    return ops.take(t, backend.asarray(order), axis=axis)


def dropout(inputs: Any, rate: float, noise_shape: Any = None, seed: Any = None) -> Tensor:
    """Zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate).

    Composed of ops (where, divide), so the gradient is g / (1 - rate) on the kept elements.

    Args:
        inputs: a tensor of any shape.
        rate: the drop probability in [0, 1].
        noise_shape: the shape of the mask, broadcast to the input's (None entries take the
            input's size), e.g. (batch, 1, 1, channels) to drop whole channels.
        seed: None, an int or a SeedGenerator.

    Raises:
        ValueError: if `rate` is outside [0, 1].
    """
    x = ops.convert_to_tensor(inputs)
    rate = float(rate)
    if not 0 <= rate <= 1:
        raise ValueError(f"`rate` must be in [0, 1]. Received: rate={rate}")
    if rate == 0:
        return x
    if rate == 1:
        return ops.zeros_like(x)
    if noise_shape is None:
        noise_shape = x.shape
    noise_shape = tuple(x.shape[i] if n is None else int(n) for i, n in enumerate(noise_shape))
    keep_prob = 1.0 - rate
    keep = draw_generator(seed).uniform(size=noise_shape) < keep_prob
    keep = xp.broadcast_to(backend.asarray(keep), x.shape)
    return ops.where(keep, ops.divide(x, keep_prob), 0)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32", seed: Any = None) -> Tensor:
    """Draws `num_samples` classes per row from softmax(logits): (batch, K) -> (batch, num_samples).

    Raises:
        ValueError: if `logits` is not 2-D.
    """
    z = ops.convert_to_tensor(logits)
    if z.ndim != 2:
        raise ValueError(
            f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. Received: {z.shape}"
        )
    probs = ops.softmax(ops.cast(z, "float64")).data
    cdf = xp.cumsum(probs, axis=-1)  # (B, K)
    u = draw_generator(seed).uniform(size=(z.shape[0], int(num_samples)))  # (B, S)
    # Inverse CDF: the class is the number of cumulative probabilities at or below u.
    idx = (backend.asarray(u)[:, :, None] >= cdf[:, None, :]).sum(axis=-1)
    return Tensor(xp.minimum(idx, z.shape[1] - 1).astype(backend.standardize_dtype(dtype)))


def gamma(shape: Any, alpha: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from Gamma(alpha, 1)."""
    dtype = _float_dtype(dtype, "gamma")
    return Tensor(backend.asarray(draw_generator(seed).gamma(_value(alpha), size=_shape(shape)), dtype=dtype))


def binomial(shape: Any, counts: Any, probabilities: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples the number of successes in `counts` trials of probability `probabilities`."""
    dtype = _float_dtype(dtype, "binomial")
    values = draw_generator(seed).binomial(_value(counts), _value(probabilities), size=_shape(shape))
    return Tensor(backend.asarray(values, dtype=dtype))


def beta(shape: Any, alpha: Any, beta: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples from Beta(alpha, beta)."""
    dtype = _float_dtype(dtype, "beta")
    return Tensor(
        backend.asarray(
            draw_generator(seed).beta(_value(alpha), _value(beta), size=_shape(shape)), dtype=dtype
        )
    )


def __getattr__(name: str) -> Any:
    raise AttributeError(
        f"module 'scratchnn.random' has no attribute {name!r}: scratchnn's keras.random / tf.random "
        f"provide {', '.join(__all__)}."
    )


__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "set_seed",
    "shuffle",
    "truncated_normal",
    "uniform",
]
