"""Sequential models: summary, training, parity with Keras's update rules, determinism, bad input."""

import io
from contextlib import redirect_stdout

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def tutorial_dense(hidden=(250, 100), activation="relu", api=sk):
    model = api.Sequential([api.layers.Input((28, 28)), api.layers.Flatten()])
    for units in hidden:
        model.add(api.layers.Dense(units, activation=activation))
    model.add(api.layers.Dense(10, activation="softmax"))
    return model


def blobs(rng, n=240, features=6, classes=3):
    """A separable classification problem: Gaussian blobs around random centres."""
    centres = rng.standard_normal((classes, features)) * 3
    y = rng.integers(0, classes, n)
    x = centres[y] + rng.standard_normal((n, features))
    return x.astype("float32"), y


@pytest.mark.parametrize("hidden,expected", [((250, 100), 222_360), ((300, 100), 266_610)])
def test_tutorial_parameter_counts(hidden, expected):
    assert tutorial_dense(hidden).count_params() == expected


def _summary_text(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def test_summary_matches_keras_text():
    sk.backend.clear_session()
    keras.backend.clear_session()
    ours = _summary_text(tutorial_dense(api=sk))
    theirs = _summary_text(tutorial_dense(api=keras))
    assert ours == theirs


@pytest.mark.parametrize(
    "option, value",
    [
        ("line_length", 80),
        ("positions", [0.4, 0.7, 1.0]),
        ("expand_nested", True),
        ("layer_range", ["a", "b"]),
    ],
)
def test_summary_refuses_layout_options_it_does_not_draw(option, value):
    model = tutorial_dense(api=sk)
    with pytest.raises(NotImplementedError, match=f"Model.summary: `{option}`.*Received: {option}="):
        model.summary(**{option: value})
    lines = []
    model.summary(
        print_fn=lines.append, show_trainable=True, **{option: None if option != "expand_nested" else False}
    )
    assert any("Trainable" in line for line in lines)


def test_flatten_with_input_shape_builds_immediately():
    model = sk.models.Sequential([sk.layers.Flatten(input_shape=[28, 28]), sk.layers.Dense(10)])
    assert model.built and model.count_params() == 7850
    assert model.output_shape == (None, 10)


def test_fit_learns_and_history_has_keras_keys(rng):
    x, y = blobs(rng)
    model = sk.Sequential([sk.layers.Dense(16, activation="relu"), sk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == list(range(15))
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert history.history["val_accuracy"][-1] > 0.9
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.9
    assert model.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx({"accuracy": acc, "loss": loss})


def test_same_seed_gives_same_weights_and_history(rng):
    x, y = blobs(rng)

    def run():
        sk.utils.set_random_seed(7)
        model = sk.Sequential(
            [
                sk.layers.Dense(8, activation="relu"),
                sk.layers.Dropout(0.2),
                sk.layers.Dense(3, activation="softmax"),
            ]
        )
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=3, verbose=0)
        return model.get_weights(), history.history

    (w1, h1), (w2, h2) = run(), run()
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_training_steps_match_keras(optimizer, rng):
    """Same weights, same batches (no shuffling): the updated weights agree with Keras's."""
    x, y = blobs(rng, n=64)
    ours = sk.Sequential(
        [
            sk.layers.Input((6,)),
            sk.layers.Dense(5, activation="tanh"),
            sk.layers.Dense(3, activation="softmax"),
        ]
    )
    theirs = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(5, activation="tanh"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    theirs.set_weights(ours.get_weights())
    for m in (ours, theirs):
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h_ours = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=1e-4)


def test_sample_and_class_weights_match_keras(rng):
    x, y = blobs(rng, n=32)
    ours = sk.Sequential([sk.layers.Input((6,)), sk.layers.Dense(3, activation="softmax")])
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    theirs.set_weights(ours.get_weights())
    for m in (ours, theirs):
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    sw = rng.uniform(0.2, 2, 32).astype("float32")
    np.testing.assert_allclose(
        ours.train_on_batch(x, y, sample_weight=sw), theirs.train_on_batch(x, y, sample_weight=sw), rtol=1e-5
    )
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    np.testing.assert_allclose(
        ours.train_on_batch(x, y, class_weight=cw), theirs.train_on_batch(x, y, class_weight=cw), rtol=1e-5
    )
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_predict_in_batches_equals_one_call(rng):
    x, _ = blobs(rng, n=100)
    model = sk.Sequential([sk.layers.Dense(4, activation="relu"), sk.layers.Dense(2)])
    whole = model(x).numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), whole, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:3]), whole[:3], rtol=1e-6)
    assert isinstance(model.predict(x[:1], verbose=0), np.ndarray)


def test_categorical_labels_and_accuracy_resolution(rng):
    x, y = blobs(rng)
    model = sk.Sequential([sk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, sk.utils.to_categorical(y), epochs=2, verbose=0)
    assert 0 <= history.history["accuracy"][-1] <= 1


def test_verbose_2_prints_one_line_per_epoch(rng, capsys):
    x, y = blobs(rng, n=64)
    model = sk.Sequential([sk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=2, validation_data=(x, y))
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("2/2 - ") and " - accuracy: " in lines[1]
    assert " - val_accuracy: " in lines[1] and " - val_loss: " in lines[1]
    assert len(lines) == 4


def test_stop_training_from_a_callback(rng):
    x, y = blobs(rng, n=64)

    class StopAfterTwo(sk.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    model = sk.Sequential([sk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=10, callbacks=[StopAfterTwo()], verbose=0)
    assert len(history.history["loss"]) == 2


def test_regularization_losses_are_added(rng):
    x, y = blobs(rng, n=32)
    plain = sk.Sequential([sk.layers.Input((6,)), sk.layers.Dense(3, activation="softmax")])
    reg = sk.Sequential(
        [
            sk.layers.Input((6,)),
            sk.layers.Dense(3, activation="softmax", kernel_regularizer=sk.regularizers.l2(0.1)),
        ]
    )
    reg.set_weights(plain.get_weights())
    for m in (plain, reg):
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    penalty = 0.1 * float(np.sum(plain.get_weights()[0] ** 2))
    assert reg.test_on_batch(x, y) == pytest.approx(plain.test_on_batch(x, y) + penalty, rel=1e-5)


# -- bad input -----------------------------------------------------------------------


def compiled_model():
    model = tutorial_dense((8,))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_before_compile_is_an_error():
    with pytest.raises(ValueError, match="compile"):
        tutorial_dense((8,)).fit(np.zeros((4, 28, 28)), np.zeros(4))


def test_input_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"expected shape=\(None, 28, 28\), found shape=\(4, 784\)"):
        compiled_model().fit(np.zeros((4, 784)), np.zeros(4), verbose=0)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="x sizes: \\[4\\], y sizes: \\[3\\]"):
        compiled_model().fit(np.zeros((4, 28, 28)), np.zeros(3), verbose=0)


def test_nan_in_data_is_an_error():
    x = np.zeros((4, 28, 28))
    x[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        compiled_model().fit(x, np.zeros(4), verbose=0)


def test_empty_data_is_an_error():
    with pytest.raises(ValueError, match="non-empty"):
        compiled_model().fit(np.zeros((0, 28, 28)), np.zeros(0), verbose=0)


def test_labels_out_of_range_are_an_error():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 10\)"):
        compiled_model().fit(np.zeros((4, 28, 28)), np.array([0, 1, 2, 10]), verbose=0)


def test_one_hot_labels_with_sparse_loss_are_an_error():
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        compiled_model().fit(np.zeros((4, 28, 28)), np.eye(10)[:4], verbose=0)


def test_unknown_optimizer_lists_valid_names():
    with pytest.raises(ValueError, match="sgd"):
        tutorial_dense((8,)).compile(optimizer="sgdd", loss="mse")


def test_unknown_metric_is_an_error():
    model = tutorial_dense((8,))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["acuracy"])
    with pytest.raises(ValueError, match="acuracy"):
        model.fit(np.zeros((4, 28, 28)), np.zeros(4), verbose=0)


def test_predict_passes_nan_through_instead_of_raising():
    # fit rejects NaN (it would ruin the weights); predict skips that pass over the data, as Keras.
    model = compiled_model()
    x = np.zeros((3, 28, 28))
    x[1, 2, 3] = np.nan
    out = model.predict(x, verbose=0)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
