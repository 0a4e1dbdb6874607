"""GradientTape's options: TensorFlow's signature, and a clear refusal of what is not implemented."""

import numpy as np
import pytest

from scratchnn import ops
from scratchnn.ops.tensor import GradientTape, Variable


def test_watch_accessed_variables_false_is_refused():
    with pytest.raises(NotImplementedError, match="Received: watch_accessed_variables=False"):
        GradientTape(watch_accessed_variables=False)


@pytest.mark.parametrize("persistent", [False, True])
def test_default_tape_watches_variables_and_watched_tensors(persistent, rng):
    w = Variable(rng.normal(size=(3,)), name="w")
    x = ops.convert_to_tensor(rng.normal(size=(3,)))
    with GradientTape(persistent=persistent, watch_accessed_variables=True) as tape:
        tape.watch(x)
        y = ops.sum(w * x)
    dw, dx = tape.gradient(y, [w, x])
    np.testing.assert_allclose(dw.numpy(), x.numpy())
    np.testing.assert_allclose(dx.numpy(), w.numpy())
