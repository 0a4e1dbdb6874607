"""Masks: the Masking layer, supports_masking and compute_mask as Keras, and layers called with mask=.

These call the layers directly with `mask=`; the propagation of masks between layers (the
`_keras_mask` plumbing in Layer.__call__) is tested in tests/models/test_mask_propagation.py.
"""

import keras
import numpy as np
import pytest

from scratchnn import layers, ops
from scratchnn.testing import check_gradients, run_layer_test


def _sequences(rng, shape=(3, 5, 4), mask_value=0.0):
    """Random (N, T, F) data whose steps 1 and 3 of sample 0 and step 4 of sample 2 are padding."""
    x = rng.uniform(0.5, 1.5, shape).astype("float32") * rng.choice([-1.0, 1.0], shape)
    x[0, [1, 3]] = mask_value
    x[2, 4] = mask_value
    x[1, 2, 0] = mask_value  # one feature equal to the padding value does not mask its step
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_matches_keras(mask_value, rng):
    x = _sequences(rng, mask_value=mask_value)
    ours, theirs = layers.Masking(mask_value), keras.layers.Masking(mask_value)
    np.testing.assert_array_equal(ours(x).numpy(), np.asarray(theirs(x)))
    mask = ours.compute_mask(x)
    np.testing.assert_array_equal(np.asarray(mask), np.asarray(theirs.compute_mask(x)))
    assert np.asarray(mask).tolist()[0] == [True, False, True, False, True]
    assert ours.supports_masking and theirs.supports_masking
    assert ours.get_config()["mask_value"] == theirs.get_config()["mask_value"] == mask_value


def test_masking_harness_and_gradient(rng):
    run_layer_test(layers.Masking, {"mask_value": 0.0}, input_shape=(2, 3, 4))
    # Finite differences cannot cross the mask's jump, so check the rule itself:
    # d out / d x = 1 on kept steps, 0 on masked ones.
    x = _sequences(rng).astype("float64")
    tx = ops.Variable(x, dtype="float64")
    up = rng.standard_normal(x.shape)
    with ops.GradientTape() as tape:
        loss = ops.sum(ops.multiply(layers.Masking()(tx), up))
    (grad,) = tape.gradient(loss, [tx])
    keep = np.any(x != 0, axis=-1, keepdims=True)
    np.testing.assert_array_equal(grad.numpy(), up * keep)


# Constructor arguments for each layer both libraries have, to compare `supports_masking`.
_ARGS = {
    "Activation": ("relu",), "Dense": (3,), "Dropout": (0.5,), "Reshape": ((2,),), "Dot": (1,),
    "Conv1D": (2, 3), "Conv2D": (2, 3), "DepthwiseConv2D": (3,), "SpatialDropout2D": (0.3,),
    "Conv2DTranspose": (2, 3), "Conv1DTranspose": (2, 3), "Embedding": (5, 2), "Rescaling": (0.5,),
    "AveragePooling1D": (2,), "AveragePooling2D": (2,),
}  # fmt: skip
_NAMES = [
    "Activation", "Dense", "Dropout", "ELU", "Flatten", "LeakyReLU", "ReLU", "Softmax", "Normalization",
    "Rescaling", "Reshape", "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply",
    "Subtract", "BatchNormalization", "Conv1D", "Conv2D", "DepthwiseConv2D", "Cropping2D",
    "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "MaxPooling1D", "MaxPooling2D", "SpatialDropout2D",
    "UpSampling2D", "ZeroPadding2D", "Conv2DTranspose", "Conv1DTranspose", "Embedding", "Masking",
]  # fmt: skip


@pytest.mark.parametrize("name", _NAMES)
def test_supports_masking_is_keras(name):
    ours = getattr(layers, name)(*_ARGS.get(name, ()))
    theirs = getattr(keras.layers, name)(*_ARGS.get(name, ()))
    assert ours.supports_masking is theirs.supports_masking


def test_embedding_supports_masking_only_with_mask_zero():
    assert layers.Embedding(5, 2, mask_zero=True).supports_masking
    assert not layers.Embedding(5, 2).supports_masking


def test_base_compute_mask_passes_the_mask_only_when_supported():
    mask = np.array([[True, False, True]])
    x = np.zeros((1, 3, 2), "float32")
    assert layers.Dense(2).compute_mask(x, mask) is mask
    assert layers.Flatten().compute_mask(x, mask) is None
    assert layers.Dense(2).compute_mask(x) is None

    class Opted(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

    class Computes(layers.Layer):
        def compute_mask(self, inputs, mask=None):
            return mask

    assert Opted().compute_mask(x, mask) is mask
    # As Keras: overriding compute_mask makes a layer support masking by default.
    assert Computes().supports_masking and not layers.Layer().supports_masking
    layer = Computes()
    layer.supports_masking = False
    assert not layer.supports_masking


@pytest.mark.parametrize("keepdims", [False, True])
def test_global_average_pooling_1d_with_mask_matches_keras(keepdims, rng):
    x = rng.standard_normal((3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 1]], dtype=bool)
    ours = layers.GlobalAveragePooling1D(keepdims=keepdims)
    theirs = keras.layers.GlobalAveragePooling1D(keepdims=keepdims)
    out = ours(x, mask=mask)
    np.testing.assert_allclose(out.numpy(), np.asarray(theirs(x, mask=mask)), atol=1e-6)
    np.testing.assert_allclose(out.numpy()[0].reshape(-1), x[0, [0, 1, 3]].mean(axis=0), atol=1e-6)
    assert ours.compute_mask(x, mask) is None and theirs.compute_mask(x, mask) is None
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-6)


def test_global_average_pooling_1d_mask_gradient(rng):
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    run_layer_test(layers.GlobalAveragePooling1D, {}, input_shape=(2, 4, 3), call_kwargs={"mask": mask})
    # Masked steps get no gradient; kept steps share it equally.
    x = ops.Variable(rng.standard_normal((2, 4, 3)), dtype="float64")
    with ops.GradientTape() as tape:
        loss = ops.sum(layers.GlobalAveragePooling1D()(x, mask=mask))
    (grad,) = tape.gradient(loss, [x])
    expected = mask[:, :, None] / mask.sum(axis=1)[:, None, None] * np.ones((2, 4, 3))
    np.testing.assert_allclose(grad.numpy(), expected)


@pytest.mark.parametrize(
    "mask",
    [
        np.array([[True, False, True, True], [False, False, False, False]]),
        np.array([[0.9, 0.2, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0]], dtype="float32"),
    ],
)
def test_softmax_with_mask_matches_keras(mask, rng):
    x = rng.standard_normal((2, 4)).astype("float32")
    ours = layers.Softmax()(x, mask=mask).numpy()
    np.testing.assert_allclose(ours, np.asarray(keras.layers.Softmax()(x, mask=mask)), atol=1e-6)
    keep = mask > 0.5 if mask.dtype != bool else mask
    assert (ours[~keep] == 0).all()


def test_merge_masks_match_keras(rng):
    a, b = rng.standard_normal((2, 3, 4)).astype("float32"), rng.standard_normal((2, 3, 4)).astype("float32")
    ma = np.array([[True, False, True], [False, False, True]])
    mb = np.array([[False, False, True], [True, False, True]])
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        ours, theirs = getattr(layers, name)(), getattr(keras.layers, name)()
        got, want = ours.compute_mask([a, b], [ma, mb]), theirs.compute_mask([a, b], [ma, mb])
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=name)
        assert ours.compute_mask([a, b], [ma, None]) is None is theirs.compute_mask([a, b], [ma, None])
    for axis in (-1, 1):
        got = layers.Concatenate(axis=axis).compute_mask([a, b], [ma, None])
        want = keras.layers.Concatenate(axis=axis).compute_mask([a, b], [ma, None])
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert layers.Dot(axes=2).compute_mask([a, b], [ma, mb]) is None
    with pytest.raises(ValueError, match="should be a list"):
        layers.Add().compute_mask([a, b], ma)
    with pytest.raises(ValueError, match="same length"):
        layers.Add().compute_mask([a, b], [ma])


@pytest.mark.parametrize("name", ["Maximum", "Minimum"])
def test_maximum_minimum_skip_masked_steps_as_keras(name, rng):
    from keras.src.backend import set_keras_mask

    a, b, c = (rng.standard_normal((2, 3, 4)).astype("float32") for _ in range(3))
    masks = [
        np.array([[True, False, True], [False, False, True]]),
        np.array([[False, False, True], [True, False, True]]),
        np.array([[True, True, False], [True, False, False]]),
    ]
    ja, jb, jc = (keras.ops.convert_to_tensor(v) for v in (a, b, c))
    for t, m in zip((ja, jb, jc), masks):
        set_keras_mask(t, keras.ops.convert_to_tensor(m))
    want = np.asarray(getattr(keras.layers, name)()([ja, jb, jc]))
    got = getattr(layers, name)()([a, b, c], mask=masks).numpy()
    np.testing.assert_allclose(got, want, atol=1e-6)
    # Without masks the plain elementwise extremum.
    plain = getattr(np, name.lower()).reduce([a, b, c])
    np.testing.assert_allclose(getattr(layers, name)()([a, b, c]).numpy(), plain)


def test_maximum_with_masks_gradient(rng):
    masks = [np.array([[True, False, True]]), np.array([[False, True, True]])]
    a, b = rng.standard_normal((1, 3, 2)), rng.standard_normal((1, 3, 2)) + 3.0  # no ties
    check_gradients(lambda p, q: layers.Maximum()([p, q], mask=masks), [a, b])


def test_batch_normalization_masked_training_matches_keras(rng):
    x = rng.standard_normal((3, 5, 4)).astype("float32") * 2 + 1
    mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1], [0, 0, 1, 0, 1]], dtype=bool)
    ours, theirs = layers.BatchNormalization(momentum=0.5), keras.layers.BatchNormalization(momentum=0.5)
    ours(x)
    theirs.build(x.shape)
    out = ours(x, training=True, mask=mask).numpy()
    np.testing.assert_allclose(out, np.asarray(theirs(x, training=True, mask=mask)), atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # Inference ignores the mask (moving statistics), as in Keras.
    np.testing.assert_allclose(ours(x, mask=mask).numpy(), np.asarray(theirs(x, mask=mask)), atol=1e-5)
    with pytest.raises(ValueError, match="one dimension less"):
        ours(x, training=True, mask=mask[:, :, None])


def test_batch_normalization_masked_training_gradient():
    mask = np.array([[True, False, True, True], [False, True, True, True]])
    run_layer_test(
        layers.BatchNormalization,
        {},
        input_shape=(2, 4, 3),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=2,
        call_kwargs={"training": True, "mask": mask},
    )


def test_compute_mask_on_symbolic_inputs_gives_symbolic_masks():
    # The functional API may ask for masks of KerasTensors: only shape and dtype exist there.
    tokens, seq = layers.Input((4,), dtype="int32"), layers.Input((4, 3))
    emb = layers.Embedding(5, 3, mask_zero=True)
    mask = emb.compute_mask(tokens)
    assert isinstance(mask, layers.KerasTensor) and mask.shape == (None, 4) and mask.dtype == "bool"
    assert layers.Masking().compute_mask(seq).shape == (None, 4)
    assert layers.Add().compute_mask([seq, seq], [mask, mask]).shape == (None, 4)
    assert layers.Concatenate(axis=1).compute_mask([seq, seq], [mask, None]).shape == (None, 8)
    assert layers.Concatenate().compute_mask([seq, seq], [mask, None]).shape == (None, 4)
    assert layers.Embedding(5, 3).compute_mask(tokens) is None
