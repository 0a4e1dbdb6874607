"""keras.metrics.BinaryCrossentropy & co. equal real Keras on the same batches."""

import numpy as np
import pytest

import scratchnn.keras as keras

RNG = np.random.default_rng(0)
BINARY = (RNG.integers(0, 2, (6, 3)).astype("float32"), RNG.uniform(0.05, 0.95, (6, 3)).astype("float32"))
PROBS = RNG.dirichlet(np.ones(4), 6).astype("float32")
ONEHOT = np.eye(4, dtype="float32")[RNG.integers(0, 4, 6)]


@pytest.mark.parametrize(
    "name, kwargs, y_true, y_pred",
    [
        ("BinaryCrossentropy", {}, *BINARY),
        ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BINARY[0], BINARY[1] * 4 - 2),
        ("CategoricalCrossentropy", {}, ONEHOT, PROBS),
        ("SparseCategoricalCrossentropy", {}, ONEHOT.argmax(1), PROBS),
        ("KLDivergence", {}, PROBS[::-1].copy(), PROBS),
        ("Poisson", {}, ONEHOT, PROBS),
    ],
)
def test_matches_keras_over_two_batches_with_weights(name, kwargs, y_true, y_pred):
    import keras as real

    ours, theirs = getattr(keras.metrics, name)(**kwargs), getattr(real.metrics, name)(**kwargs)
    weights = np.linspace(0.5, 2.0, len(y_pred)).astype("float32")
    for m in (ours, theirs):
        m.update_state(y_true[:3], y_pred[:3])
        m.update_state(y_true[3:], y_pred[3:], sample_weight=weights[3:])
    assert ours.name == theirs.name
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-5)
    rebuilt = type(ours).from_config(ours.get_config())
    assert rebuilt.get_config() == ours.get_config()


def test_as_a_compiled_metric_it_tracks_the_loss():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.0),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.BinaryCrossentropy(from_logits=True)],
    )
    logs = model.evaluate(BINARY[1], BINARY[0], batch_size=6, verbose=0, return_dict=True)
    assert logs["binary_crossentropy"] == pytest.approx(logs["loss"], rel=1e-6)
