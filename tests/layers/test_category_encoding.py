"""CategoryEncoding: encodings and shapes against Keras, count weights, config, errors."""

import keras
import numpy as np
import pytest

from scratchnn import layers


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize(
    "data",
    [
        [[3], [2], [0], [1]],
        [[0, 1], [0, 0], [1, 2], [3, 1]],
        [3, 2, 0, 1, 1],
        [[[0, 1], [2, 2]], [[3, 0], [1, 1]]],
    ],
)
def test_category_encoding_matches_keras(mode, data):
    x = np.array(data)
    ours, theirs = (
        layers.CategoryEncoding(4, output_mode=mode)(x),
        keras.layers.CategoryEncoding(4, output_mode=mode)(x),
    )
    assert ours.dtype == "float32" == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))
    ours_shape = layers.CategoryEncoding(4, output_mode=mode).compute_output_shape(x.shape)
    assert tuple(ours_shape) == tuple(
        keras.layers.CategoryEncoding(4, output_mode=mode).compute_output_shape(x.shape)
    )


def test_category_encoding_count_weights_and_binary_alias():
    x = np.array([[0, 1, 1], [2, 2, 0]])
    weights = np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 3.0]], dtype="float32")
    ours = layers.CategoryEncoding(3, output_mode="count")(x, count_weights=weights).numpy()
    theirs = np.asarray(keras.layers.CategoryEncoding(3, output_mode="count")(x, count_weights=weights))
    np.testing.assert_allclose(ours, theirs)
    assert layers.CategoryEncoding(3, output_mode="binary").output_mode == "multi_hot"


def test_category_encoding_config_and_errors():
    layer = layers.CategoryEncoding(5, output_mode="count")
    assert layers.CategoryEncoding.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="num_tokens` must be >= 1"):
        layers.CategoryEncoding(0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="0 <= values < num_tokens"):
        layers.CategoryEncoding(3)(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(3)(np.array([[0, 1]]), count_weights=np.ones((1, 2)))
