"""keras-io guide "Understanding masking & padding" (Keras 3 edition), section by section.

The guide imports `keras`, `from keras import ops` and `from keras import layers`; here they come
from `scratchnn.keras`. Masks and outputs are compared against real Keras 3 (JAX) on the same
inputs and weights.

| section                                                   | test / why not                                    |
|-----------------------------------------------------------|---------------------------------------------------|
| Setup                                                     | skipped: imports only                             |
| Introduction                                              | skipped: prose only                               |
| Padding sequence data                                     | test_padding_sequence_data                        |
| Masking                                                   | skipped: prose only                               |
| Mask-generating layers: `Embedding` and `Masking`         | test_mask_generating_{embedding,masking_layer}    |
| Mask propagation in the Functional API and Sequential API | skipped: LSTM (recurrent layers: later issue)     |
| Passing mask tensors directly to layers                   | skipped: LSTM (recurrent layers: later issue)     |
| Supporting masking in your custom layers                  | test_custom_layer_{modifying,generating_a}_mask*  |
| Opting-in to mask propagation on compatible layers        | test_opting_in_to_mask_propagation (not the LSTM) |
| Writing layers that need mask information                 | test_writing_layers_that_need_mask_information    |
| Summary                                                   | skipped: prose only                               |

The last section's final line calls the model with a second positional array,
`model(x, np.random.random(...))`; real Keras 3.15 refuses that ("got multiple values for
argument 'training'"), so the test calls `model(x)`.
"""

import numpy as np
import pytest

import scratchnn as tf
import scratchnn.keras as keras
from scratchnn.keras import layers, ops

RAW_INPUTS = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
# What pad_sequences(RAW_INPUTS, padding="post") gives (checked against real Keras below).
PADDED = np.array(
    [[711, 632, 71, 0, 0, 0], [73, 8, 3215, 55, 927, 0], [83, 91, 1, 645, 1253, 927]], dtype="int32"
)
EXPECTED_MASK = PADDED != 0

# Keras warns the same when a mask reaches a layer without supports_masking.
NO_MASK_SUPPORT_WARNING = "ignore:.*does not support masking"


def _real_keras():
    import keras as real_keras

    return real_keras


def test_padded_constant_is_what_keras_pads():
    np.testing.assert_array_equal(_real_keras().utils.pad_sequences(RAW_INPUTS, padding="post"), PADDED)


@pytest.mark.parametrize(
    "path",
    [
        "keras.utils",
        "tf.keras.preprocessing.sequence",
    ],
)
def test_padding_sequence_data(path):
    # The Keras 3 guide calls keras.utils.pad_sequences; its TensorFlow edition the Keras 2 path.
    pad_sequences = (
        keras.utils.pad_sequences if path == "keras.utils" else tf.keras.preprocessing.sequence.pad_sequences
    )
    padded_inputs = pad_sequences(RAW_INPUTS, padding="post")
    np.testing.assert_array_equal(padded_inputs, PADDED)
    # "pre" padding (the default) and truncation, as real Keras does them.
    for kwargs in ({}, {"maxlen": 4}, {"maxlen": 4, "truncating": "post", "value": -1}):
        np.testing.assert_array_equal(
            pad_sequences(RAW_INPUTS, **kwargs), _real_keras().utils.pad_sequences(RAW_INPUTS, **kwargs)
        )


def test_mask_generating_embedding():
    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    masked_output = embedding(PADDED)
    np.testing.assert_array_equal(np.asarray(masked_output._keras_mask), EXPECTED_MASK)


def _masked_embedding():
    masking_layer = layers.Masking()
    # The guide fakes an embedding lookup: each id repeated 10 times along a new last axis.
    unmasked_embedding = ops.cast(ops.tile(ops.expand_dims(PADDED, axis=-1), [1, 1, 10]), dtype="float32")
    return masking_layer(unmasked_embedding)


def test_mask_generating_masking_layer():
    masked_embedding = _masked_embedding()
    np.testing.assert_array_equal(np.asarray(masked_embedding._keras_mask), EXPECTED_MASK)


class TemporalSplit(keras.layers.Layer):
    """Splits the input in two along the time axis, and the mask with it."""

    def call(self, inputs):
        return ops.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        return ops.split(mask, 2, axis=1)


def test_custom_layer_modifying_the_mask():
    first_half, second_half = TemporalSplit()(_masked_embedding())
    np.testing.assert_array_equal(np.asarray(first_half._keras_mask), EXPECTED_MASK[:, :3])
    np.testing.assert_array_equal(np.asarray(second_half._keras_mask), EXPECTED_MASK[:, 3:])


def _custom_embedding(lib):
    class CustomEmbedding(lib.layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim), initializer="random_normal", dtype="float32"
            )

        def call(self, inputs):
            return lib.ops.take(self.embeddings, inputs)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return lib.ops.not_equal(inputs, 0)

    return CustomEmbedding


def test_custom_layer_generating_a_mask():
    layer = _custom_embedding(keras)(10, 32, mask_zero=True)
    x = (np.random.default_rng(0).random((3, 10)) * 9).astype("int32")
    y = layer(x)
    mask = layer.compute_mask(x)
    np.testing.assert_array_equal(np.asarray(mask), x != 0)
    # Same lookup as real Keras on the same table.
    reference = _custom_embedding(_real_keras())(10, 32, mask_zero=True)
    reference.build(x.shape)
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(y.numpy(), np.asarray(reference(x)), rtol=1e-6)


def test_custom_layer_generating_a_mask_attaches_it_to_the_output():
    # Real Keras 3 attaches compute_mask's result to the output of a layer that overrides
    # compute_mask, even without supports_masking (CustomEmbedding sets none).
    layer = _custom_embedding(keras)(10, 32, mask_zero=True)
    x = np.array([[1, 0, 2], [0, 3, 4]], dtype="int32")
    reference = _custom_embedding(_real_keras())(10, 32, mask_zero=True)
    np.testing.assert_array_equal(np.asarray(reference(x)._keras_mask), x != 0)
    np.testing.assert_array_equal(np.asarray(layer(x)._keras_mask), x != 0)


class MyActivation(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # safe to pass the mask along unchanged

    def call(self, inputs):
        return ops.relu(inputs)


def test_opting_in_to_mask_propagation():
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert x._keras_mask is not None  # the symbolic output carries the mask
    # (The guide feeds x to an LSTM here; recurrent layers are a later issue.)
    model = keras.Model(inputs, x)
    out = model(PADDED)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), EXPECTED_MASK)


def _temporal_softmax_model(lib):
    class TemporalSoftmax(lib.layers.Layer):
        def call(self, inputs, mask=None):
            broadcast_float_mask = lib.ops.expand_dims(lib.ops.cast(mask, "float32"), -1)
            inputs_exp = lib.ops.exp(inputs) * broadcast_float_mask
            inputs_sum = lib.ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
            return inputs_exp / inputs_sum

    inputs = lib.Input(shape=(None,), dtype="int32")
    x = lib.layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
    x = lib.layers.Dense(1)(x)
    outputs = TemporalSoftmax()(x)
    return lib.Model(inputs, outputs)


@pytest.mark.filterwarnings(NO_MASK_SUPPORT_WARNING)
def test_writing_layers_that_need_mask_information():
    model = _temporal_softmax_model(keras)
    x = np.random.default_rng(1).integers(0, 10, size=(8, 12))
    with np.errstate(invalid="ignore"):  # the guide's sum over a size-1 axis makes 0/0 at masked steps
        y = model(x).numpy()
    reference = _temporal_softmax_model(_real_keras())
    reference.set_weights(model.get_weights())
    np.testing.assert_allclose(y, np.asarray(reference(x)), rtol=1e-6)  # NaN where the mask is False
    assert np.isnan(y[x == 0]).all() and not np.isnan(y[x != 0]).any()
