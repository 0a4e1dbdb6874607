"""Format specs on Tensors: `f"{loss:.2f}"`, as Keras code prints losses (the GAN loop of the
"training loop from scratch" guide does)."""

import keras as real_keras
import numpy as np
import pytest

from scratchnn import ops


@pytest.mark.parametrize("spec", [".2f", ".4e", "8.3f", "g"])
@pytest.mark.parametrize("value", [0.5, 1234.5678, -3e-5])
def test_scalar_format_spec_matches_keras(value, spec):
    expected = format(real_keras.ops.convert_to_tensor(value, dtype="float32"), spec)
    assert format(ops.convert_to_tensor(np.float32(value)), spec) == expected


def test_integer_scalar_format_spec():
    assert f"{ops.convert_to_tensor(np.int64(7)):03d}" == "007"


def test_empty_spec_keeps_str():
    t = ops.ones((2,))
    assert f"{t}" == str(t)


def test_format_spec_on_several_values_is_refused_as_numpy_refuses_it():
    with pytest.raises(TypeError, match="unsupported format string"):
        format(ops.ones((2, 2)), ".2f")
