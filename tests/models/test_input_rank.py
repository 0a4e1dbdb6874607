"""A last size-1 axis is added to (or dropped from) model inputs, as Keras 3 does."""

import numpy as np
import pytest

import scratchnn.keras as keras


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_a_vector_feeds_a_model_whose_input_is_one_wide(kind):
    import keras as real

    x = np.linspace(-1, 1, 12).astype("float32")
    outs = []
    for lib in (keras, real):
        lib.utils.set_random_seed(0)
        if kind == "sequential":
            model = lib.Sequential([lib.Input((1,)), lib.layers.Dense(2)])
        else:
            inputs = lib.Input((1,))
            model = lib.Model(inputs, lib.layers.Dense(2)(inputs))
        outs.append((model, np.asarray(model.predict(x, verbose=0))))
    (ours, ours_out), (theirs, _) = outs
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours_out, np.asarray(theirs.predict(x, verbose=0)), rtol=1e-6)
    np.testing.assert_allclose(ours(x).numpy(), ours_out, rtol=1e-6)
    np.testing.assert_allclose(ours_out, ours.predict(x[:, None], verbose=0), rtol=1e-6)
    ours.compile(optimizer="sgd", loss="mse")
    ours.fit(x, np.zeros((12, 2), "float32"), verbose=0)


def test_other_rank_mismatches_are_still_refused():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="incompatible"):
        model.predict(np.ones(5, "float32"), verbose=0)
