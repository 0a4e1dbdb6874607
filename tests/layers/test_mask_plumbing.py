"""Masks travel on tensors: `compute_mask` makes one, `call(..., mask=None)` receives it, layers
that support masking pass it on, and a mask on the predictions weights the loss, as in Keras 3."""

import numpy as np
import pytest

import scratchnn.keras as keras


def _layers(lib, seen):
    class MaskZeros(lib.layers.Layer):
        """Marks timesteps whose features are all zero as padding."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def compute_mask(self, inputs, mask=None):
            return lib.ops.greater(lib.ops.max(lib.ops.abs(inputs), axis=-1), 0)

        def call(self, inputs):
            return inputs

    class Passthrough(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return inputs * 2.0

    class Reader(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            seen.append(mask)  # symbolic while a functional model is built: converted by the test
            return inputs

    return MaskZeros, Passthrough, Reader


def _sequences():
    x = np.random.default_rng(0).standard_normal((3, 4, 2)).astype("float32")
    x[0, 2:] = 0
    x[2, 3] = 0
    return x


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_a_mask_reaches_call_through_a_masking_layer(kind):
    import keras as real

    x = _sequences()
    results = []
    for lib in (keras, real):
        seen = []
        MaskZeros, Passthrough, Reader = _layers(lib, seen)
        if kind == "sequential":
            model = lib.Sequential([lib.Input((4, 2)), MaskZeros(), Passthrough(), Reader()])
        else:
            inputs = lib.Input((4, 2))
            model = lib.Model(inputs, Reader()(Passthrough()(MaskZeros()(inputs))))
        seen.clear()
        out = model(x)
        results.append((np.asarray(seen[-1]), np.asarray(out)))
    (ours_mask, ours_out), (keras_mask, keras_out) = results
    np.testing.assert_array_equal(ours_mask, keras_mask)
    np.testing.assert_array_equal(ours_mask, [[1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]])
    np.testing.assert_allclose(ours_out, keras_out)


def test_an_explicit_mask_argument_wins():
    seen = []
    _, _, Reader = _layers(keras, seen)
    given = np.array([[True, False]])
    Reader()(np.ones((1, 2, 1), "float32"), mask=given)
    np.testing.assert_array_equal(np.asarray(seen[-1]), given)


def test_a_layer_without_mask_support_drops_the_mask_with_a_warning():
    seen = []
    MaskZeros, _, Reader = _layers(keras, seen)

    class Plain(keras.layers.Layer):
        def call(self, inputs):
            return inputs + 1.0

    model = keras.Sequential([keras.Input((4, 2)), MaskZeros(), Plain(), Reader()])
    with pytest.warns(UserWarning, match="does not support masking"):
        model(_sequences())
    assert seen[-1] is None


def test_a_mask_on_the_predictions_weights_the_loss_as_in_keras():
    import keras as real

    x = _sequences()
    y = np.random.default_rng(1).standard_normal((3, 4, 2)).astype("float32")
    histories = []
    for lib in (keras, real):
        MaskZeros, Passthrough, _ = _layers(lib, [])
        model = lib.Sequential([lib.Input((4, 2)), MaskZeros(), Passthrough()])
        model.compile(optimizer="sgd", loss="mse")
        histories.append(model.evaluate(x, y, verbose=0))
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-6)
    # By hand: the mean over the 9 valid timesteps of the per-timestep mse.
    per_step = ((2 * x - y) ** 2).mean(-1)
    valid = np.any(x != 0, -1)
    np.testing.assert_allclose(histories[0], per_step[valid].mean(), rtol=1e-6)
