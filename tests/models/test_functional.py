"""Functional and subclassed models: graph order, summary, multi-output training, Wide & Deep."""

import io
from contextlib import redirect_stdout

import keras
import numpy as np
import pytest

import scratchnn.keras as sk


def wide_and_deep(api):
    wide = api.Input((5,), name="wide_input")
    deep = api.Input((6,), name="deep_input")
    h1 = api.layers.Dense(30, activation="relu")(deep)
    h2 = api.layers.Dense(30, activation="relu")(h1)
    merged = api.layers.concatenate([wide, h2])
    main = api.layers.Dense(1, name="main_output")(merged)
    aux = api.layers.Dense(1, name="aux_output")(h2)
    return api.Model(inputs=[wide, deep], outputs=[main, aux])


def regression(rng, n=96):
    xa = rng.standard_normal((n, 5)).astype("float32")
    xb = rng.standard_normal((n, 6)).astype("float32")
    y = (xa[:, :1] - 0.5 * xb[:, 1:2] + np.sin(xb[:, :1])).astype("float32")
    return xa, xb, y


def _summary(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def test_layer_order_and_summary_match_keras():
    sk.backend.clear_session()
    keras.backend.clear_session()
    ours, theirs = wide_and_deep(sk), wide_and_deep(keras)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert _summary(ours) == _summary(theirs)
    assert "Connected to" in _summary(ours)


def test_chain_functional_summary_matches_keras():
    sk.backend.clear_session()
    keras.backend.clear_session()

    def chain(api):
        inputs = api.Input((4,))
        return api.Model(inputs, api.layers.Dense(2)(api.layers.Dense(3)(inputs)))

    assert _summary(chain(sk)) == _summary(chain(keras))


@pytest.mark.parametrize("as_dict", [False, True])
def test_multi_output_training_matches_keras(as_dict, rng):
    xa, xb, y = regression(rng, n=32)
    ours, theirs = wide_and_deep(sk), wide_and_deep(keras)
    theirs.set_weights(ours.get_weights())
    if as_dict:
        kwargs = {
            "loss": {"main_output": "mse", "aux_output": "mae"},
            "loss_weights": {"main_output": 0.9, "aux_output": 0.1},
            "metrics": {"main_output": ["mae"], "aux_output": ["mse"]},
        }
        targets = {"main_output": y, "aux_output": y}
    else:
        kwargs = {"loss": ["mse", "mae"], "loss_weights": [0.9, 0.1], "metrics": [["mae"], ["mse"]]}
        targets = [y, y]
    for m in (ours, theirs):
        m.compile(optimizer="sgd", **kwargs)
    h_ours = ours.fit(
        [xa, xb], targets, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_split=0.25
    )
    h_theirs = theirs.fit(
        [xa, xb], targets, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_split=0.25
    )
    assert sorted(h_ours.history) == sorted(h_theirs.history)
    assert "main_output_loss" in h_ours.history and "val_aux_output_mse" in h_ours.history
    for key in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[key], h_theirs.history[key], rtol=1e-4, err_msg=key)
    np.testing.assert_allclose(
        ours.evaluate([xa, xb], targets, verbose=0), theirs.evaluate([xa, xb], targets, verbose=0), rtol=1e-4
    )


def test_dict_inputs_and_bad_input_count(rng):
    xa, xb, _ = regression(rng, n=4)
    model = wide_and_deep(sk)
    by_list = model.predict([xa, xb], verbose=0)
    by_dict = model.predict({"wide_input": xa, "deep_input": xb}, verbose=0)
    np.testing.assert_array_equal(by_list[0], by_dict[0])
    with pytest.raises(ValueError, match="expects 2 input"):
        model.predict([xa], verbose=0)


class WideAndDeepModel(sk.Model):
    """Géron's subclassed Wide & Deep model with an auxiliary output."""

    def __init__(self, units=30, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.hidden1 = sk.layers.Dense(units, activation=activation)
        self.hidden2 = sk.layers.Dense(units, activation=activation)
        self.main_output = sk.layers.Dense(1)
        self.aux_output = sk.layers.Dense(1)

    def call(self, inputs):
        input_a, input_b = inputs
        hidden1 = self.hidden1(input_b)
        hidden2 = self.hidden2(hidden1)
        concat = sk.ops.concatenate([input_a, hidden2], axis=-1)
        return self.main_output(concat), self.aux_output(hidden2)


def test_subclassed_model_trains_summarises_and_saves_weights(rng, tmp_path):
    xa, xb, y = regression(rng)
    sk.utils.set_random_seed(1)
    model = WideAndDeepModel(name="wide_and_deep")
    model.compile(loss="mse", loss_weights=[0.9, 0.1], optimizer=sk.optimizers.SGD(0.05))
    history = model.fit((xa, xb), (y, y), epochs=20, verbose=0)
    assert set(history.history) == {"loss", "output_1_loss", "output_2_loss"}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    total, main_loss, aux_loss = model.evaluate((xa, xb), (y, y), verbose=0)
    assert total == pytest.approx(0.9 * main_loss + 0.1 * aux_loss, rel=1e-5)
    y_main, y_aux = model.predict((xa, xb), verbose=0)
    assert y_main.shape == y_aux.shape == (96, 1)
    text = _summary(model)
    assert 'Model: "wide_and_deep"' in text and "Trainable params: 1,207" in text

    model.save_weights(tmp_path / "wd.weights.h5")
    clone = WideAndDeepModel()
    clone((xa[:1], xb[:1]))
    clone.load_weights(tmp_path / "wd.weights.h5")
    np.testing.assert_array_equal(clone.predict((xa, xb), verbose=0)[0], y_main)


def test_wide_and_deep_checkpoint_and_early_stopping_restore_best(rng, tmp_path):
    """Few training samples and a large learning rate: validation loss turns up, training stops early."""
    xa, xb, y = regression(rng, n=120)
    y_noisy = y + rng.normal(0, 0.5, y.shape).astype("float32")
    sk.utils.set_random_seed(0)
    model = WideAndDeepModel(units=64)
    model.compile(loss="mse", loss_weights=[0.9, 0.1], optimizer=sk.optimizers.Adam(0.01))
    path = str(tmp_path / "my_keras_model.weights.h5")
    checkpoint = sk.callbacks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True)
    early = sk.callbacks.EarlyStopping(patience=10, restore_best_weights=True)
    train, val = slice(0, 40), slice(40, 120)
    history = model.fit(
        (xa[train], xb[train]),
        (y_noisy[train], y_noisy[train]),
        epochs=300,
        validation_data=((xa[val], xb[val]), (y_noisy[val], y_noisy[val])),
        callbacks=[checkpoint, early],
        verbose=0,
    )
    val_losses = history.history["val_loss"]
    assert len(val_losses) < 300
    best = int(np.argmin(val_losses))
    assert len(val_losses) == best + 11  # stopped `patience` epochs after the best one
    restored = model.evaluate((xa[val], xb[val]), (y_noisy[val], y_noisy[val]), verbose=0)[0]
    assert restored == pytest.approx(val_losses[best], rel=1e-5)
    from_checkpoint = WideAndDeepModel(units=64)
    from_checkpoint((xa[:1], xb[:1]))
    from_checkpoint.load_weights(path)
    for a, b in zip(from_checkpoint.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
