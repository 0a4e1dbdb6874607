"""`.keras`, `.weights.h5`, legacy `.h5` and directory saves, checked against real Keras 3 both ways."""

import keras
import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn.saving.saving_api import load_model, save_model


def _layer_stack(api, kind):
    """Builders for every saved layer type, as (input shape, layers)."""
    L = api.layers
    stacks = {
        "dense": lambda: (
            (6,),
            [L.Dense(5, activation="relu"), L.Dropout(0.3), L.Dense(3, activation="softmax")],
        ),
        "reshape": lambda: ((6,), [L.Reshape((3, 2)), L.Flatten(), L.Activation("tanh"), L.Dense(2)]),
        "preprocessing": lambda: (
            (6,),
            [L.Rescaling(0.5, offset=1.0), L.Normalization(mean=0.5, variance=2.0), L.Dense(2)],
        ),
        "activations": lambda: ((6,), [L.Dense(4), L.ReLU(), L.LeakyReLU(), L.ELU(), L.Softmax()]),
        "conv2d": lambda: (
            (8, 8, 2),
            [
                L.Conv2D(3, 3, activation="relu", padding="same"),
                L.BatchNormalization(),
                L.MaxPooling2D(),
                L.DepthwiseConv2D(2),
                L.AveragePooling2D(1),
                L.SpatialDropout2D(0.2),
                L.ZeroPadding2D(1),
                L.Cropping2D(1),
                L.UpSampling2D(2),
                L.GlobalAveragePooling2D(),
                L.Dense(2),
            ],
        ),
        "conv1d": lambda: (
            (10, 3),
            [L.Conv1D(4, 3), L.MaxPooling1D(), L.AveragePooling1D(1), L.GlobalMaxPooling1D()],
        ),
    }
    shape, layers = stacks[kind]()
    return api.Sequential([api.Input(shape), *layers])


KINDS = ["dense", "reshape", "preprocessing", "activations", "conv2d", "conv1d"]


def _randomize(model, rng):
    """Non-trivial weights (BatchNormalization statistics included), copied to both models."""
    weights = [rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(weights)
    return weights


@pytest.mark.parametrize("kind", KINDS)
def test_sequential_scratchnn_to_keras(kind, rng, tmp_path):
    ours = _layer_stack(sk, kind)
    _randomize(ours, rng)
    x = rng.standard_normal((5, *ours._input_layer.batch_shape[1:])).astype("float32")
    save_model(ours, tmp_path / "m.keras")
    theirs = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0), atol=1e-5)
    assert [type(a).__name__ for a in theirs.layers] == [type(b).__name__ for b in ours.layers]


@pytest.mark.parametrize("kind", KINDS)
def test_sequential_keras_to_scratchnn(kind, rng, tmp_path):
    theirs = _layer_stack(keras, kind)
    _randomize(theirs, rng)
    x = rng.standard_normal((5, *theirs.input_shape[1:])).astype("float32")
    theirs.save(tmp_path / "k.keras")
    ours = load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]


def wide_and_deep(api):
    wide = api.Input((5,), name="wide_input")
    deep = api.Input((6,), name="deep_input")
    h1 = api.layers.Dense(8, activation="relu")(deep)
    h2 = api.layers.Dense(8, activation="relu")(h1)
    merged = api.layers.concatenate([wide, h2])
    main = api.layers.Dense(1, name="main_output")(merged)
    aux = api.layers.Dense(1, name="aux_output")(h2)
    return api.Model(inputs=[wide, deep], outputs=[main, aux])


def _regression(rng, n=64):
    xa = rng.standard_normal((n, 5)).astype("float32")
    xb = rng.standard_normal((n, 6)).astype("float32")
    y = (xa[:, :1] + np.sin(xb[:, :1])).astype("float32")
    return xa, xb, y


def test_functional_both_directions_with_optimizer_state(rng, tmp_path):
    xa, xb, y = _regression(rng)
    ours = wide_and_deep(sk)
    ours.compile(optimizer="adam", loss=["mse", "mse"], loss_weights=[0.9, 0.1])
    ours.fit([xa, xb], [y, y], epochs=2, batch_size=16, verbose=0)
    ours.save(tmp_path / "wd.keras")

    theirs = keras.models.load_model(tmp_path / "wd.keras")
    for p, q in zip(theirs.predict([xa, xb], verbose=0), ours.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(p, q, atol=1e-5)
    assert int(theirs.optimizer.iterations.numpy()) == 8
    for a, b in zip(theirs.optimizer.variables[2:], ours.optimizer.variables[2:]):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), atol=1e-7)

    theirs.save(tmp_path / "back.keras")
    back = load_model(tmp_path / "back.keras")
    assert back.input_names == ["wide_input", "deep_input"] and back.output_names == [
        "main_output",
        "aux_output",
    ]
    for p, q in zip(back.predict([xa, xb], verbose=0), ours.predict([xa, xb], verbose=0)):
        np.testing.assert_allclose(p, q, atol=1e-5)

    # Training resumes exactly: same next epoch from the original and the reloaded model.
    reloaded = load_model(tmp_path / "wd.keras")
    for m in (ours, reloaded):
        m.fit([xa, xb], [y, y], epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), reloaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_shared_layer_and_merge_layers_round_trip(rng, tmp_path):
    def build(api):
        a = api.Input((4,), name="a")
        b = api.Input((4,), name="b")
        shared = api.layers.Dense(4, name="shared")
        sa, sb = shared(a), shared(b)
        L = api.layers
        merged = [L.add([sa, sb]), L.subtract([sa, sb]), L.multiply([sa, sb]), L.average([sa, sb])]
        merged += [L.maximum([sa, sb]), L.minimum([sa, sb]), L.dot([sa, sb], axes=1, normalize=True)]
        out = L.Concatenate(axis=-1)(merged)
        return api.Model([a, b], out)

    theirs = build(keras)
    ours = build(sk)
    ours.set_weights(theirs.get_weights())
    x = [rng.standard_normal((3, 4)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)
    ours.save(tmp_path / "s.keras")
    np.testing.assert_allclose(
        keras.models.load_model(tmp_path / "s.keras").predict(x, verbose=0),
        ours.predict(x, verbose=0),
        atol=1e-5,
    )
    theirs.save(tmp_path / "t.keras")
    np.testing.assert_allclose(
        load_model(tmp_path / "t.keras").predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5
    )


def test_weights_files_both_directions(rng, tmp_path):
    ours = wide_and_deep(sk)
    theirs = wide_and_deep(keras)
    _randomize(ours, rng)
    ours.save_weights(tmp_path / "o.weights.h5")
    theirs.load_weights(tmp_path / "o.weights.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    _randomize(theirs, rng)
    theirs.save_weights(tmp_path / "t.weights.h5")
    ours.load_weights(tmp_path / "t.weights.h5")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_tutorial_savedmodel_directory_and_legacy_h5(rng, tmp_path):
    model = _layer_stack(sk, "dense")
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = rng.standard_normal((8, 6)).astype("float32")
    model.save(tmp_path / "my_keras_model", save_format="tf")
    assert sorted(p.name for p in (tmp_path / "my_keras_model").iterdir()) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    again = sk.models.load_model(tmp_path / "my_keras_model")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert again.compiled and again.loss == "sparse_categorical_crossentropy"

    model.save(tmp_path / "m.h5")
    np.testing.assert_allclose(
        load_model(tmp_path / "m.h5").predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )

    theirs = _layer_stack(keras, "dense")
    _randomize(theirs, rng)
    theirs.compile(optimizer="adam", loss="mse")
    theirs.save(tmp_path / "legacy.h5")  # Keras 3 writes the legacy HDF5 layout for .h5
    np.testing.assert_allclose(
        load_model(tmp_path / "legacy.h5").predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5
    )


def test_tutorial_h5_weights_name(rng, tmp_path):
    model = _layer_stack(sk, "dense")
    _randomize(model, rng)
    model.save_weights(tmp_path / "my_keras_model.h5")
    other = _layer_stack(sk, "dense")
    other.load_weights(tmp_path / "my_keras_model.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
