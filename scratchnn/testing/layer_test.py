"""`run_layer_test`: one harness for every layer (after Keras's testing/test_case.py).

It checks, for a layer class and its constructor arguments:
- the output shape equals `compute_output_shape` (batch axis aside);
- the number of weights (trainable and non-trainable);
- `from_config(get_config())` builds an equal layer that computes the same output;
- float32 in gives float32 out;
- the tape's gradients (input and every weight) match finite differences in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn import backend
from scratchnn.backend import random
from scratchnn.ops.tensor import Tensor
from scratchnn.testing.gradcheck import check_gradients


def run_layer_test(
    layer_cls: type,
    init_kwargs: dict[str, Any],
    input_shape: tuple[int, ...],
    expected_output_shape: tuple[int, ...] | None = None,
    expected_num_trainable_weights: int = 0,
    expected_num_non_trainable_weights: int = 0,
    call_kwargs: dict[str, Any] | None = None,
    check_gradient: bool = True,
    seed: int = 0,
) -> Any:
    """Runs the checks above; raises AssertionError naming the first that fails.

    The layer's initial weights come from a generator seeded with `seed`, so the checks do
    not depend on what drew from the global generator before (nor change it for what follows).

    Returns:
        The float32 layer that was tested (built).
    """
    with random.scoped_generator(seed):
        call_kwargs = call_kwargs or {}
        rng = np.random.default_rng(seed)
        x = (rng.uniform(0.2, 1.5, input_shape) * rng.choice([-1.0, 1.0], input_shape)).astype("float32")

        layer = layer_cls(**init_kwargs)
        out = layer(x, **call_kwargs)
        _check(isinstance(out, Tensor), f"{layer_cls.__name__} returned {type(out).__name__}, not a Tensor")
        _check(out.dtype == "float32", f"float32 input gave {out.dtype} output")
        if expected_output_shape is not None:
            _check(
                out.shape == tuple(expected_output_shape),
                f"output shape {out.shape} != {expected_output_shape}",
            )
        predicted = layer.compute_output_shape((None, *input_shape[1:]))
        _check(
            tuple(predicted[1:]) == out.shape[1:],
            f"compute_output_shape gave {predicted}, call gave {out.shape}",
        )
        _check(
            len(layer.trainable_weights) == expected_num_trainable_weights,
            f"{len(layer.trainable_weights)} trainable weights, expected {expected_num_trainable_weights}",
        )
        _check(
            len(layer.non_trainable_weights) == expected_num_non_trainable_weights,
            f"{len(layer.non_trainable_weights)} non-trainable weights, expected {expected_num_non_trainable_weights}",
        )

        config = layer.get_config()
        clone = layer_cls.from_config(config)
        clone(x, **call_kwargs)
        clone.set_weights(layer.get_weights())
        _check(clone.get_config() == config, "from_config(get_config()) does not round-trip the config")
        np.testing.assert_allclose(clone(x, **call_kwargs).numpy(), out.numpy(), rtol=1e-6, atol=1e-6)

        if check_gradient:
            previous = backend.floatx()
            backend.set_floatx("float64")
            try:
                layer64 = layer_cls(**init_kwargs)
                layer64(x.astype("float64"), **call_kwargs)
                layer64.set_weights([w.astype("float64") for w in layer.get_weights()])
                weights = layer64.trainable_weights
                x64 = x.astype("float64")

                def forward(inp, *_weights):
                    return layer64(inp, **call_kwargs)

                check_gradients(forward, [x64, *weights], seed=seed)
            finally:
                backend.set_floatx(previous)
        return layer


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)
