"""ONNX export: onnxruntime gives model.predict's outputs (<= 1e-5) on the tutorial models and on every
supported layer; anything else is refused with an error naming it."""

import json
import os
import stat
import sys

import numpy as np
import onnx
import onnxruntime
import pytest

from scratchnn import keras
from scratchnn.apps import recipes
from scratchnn.apps.cli.__main__ import main
from scratchnn.export import UnsupportedLayerError, supported_layers
from tests.data_env import data_dir

L = keras.layers


def run_onnx(path, inputs):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    inputs = inputs if isinstance(inputs, list) else [inputs]
    return session.run(None, {n: np.asarray(x, np.float32) for n, x in zip(names, inputs)})


def assert_same_predictions(model, inputs, tmp_path, atol=1e-5):
    path = tmp_path / f"{model.name}.onnx"
    model.export(str(path), format="onnx")
    expected = model.predict(inputs, verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    got = run_onnx(path, inputs)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.shape == np.asarray(b).shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol)
    return path


@pytest.fixture(scope="module")
def mnist_images():
    os.environ["SCRATCHNN_DATA"] = data_dir()
    (x_train, y_train), (x_test, _) = keras.datasets.mnist.load_data()
    return x_train[:600].astype("float32") / 255, y_train[:600], x_test[:64].astype("float32") / 255


# -- the tutorial models -------------------------------------------------------------------
@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_every_recipe_model_after_some_training(name, mnist_images, tmp_path):
    x_train, y_train, x_test = mnist_images
    recipe = recipes.get(name)
    keras.utils.set_random_seed(0)
    model = recipes.build_model(recipe)
    shape = recipes.input_shape(recipe)
    model.fit(x_train.reshape(-1, *shape), y_train, epochs=1, batch_size=64, verbose=0)
    assert_same_predictions(model, x_test.reshape(-1, *shape), tmp_path)


def test_the_keras_convnet_with_dropout(mnist_images, tmp_path):
    x_train, y_train, x_test = mnist_images
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            L.MaxPooling2D(pool_size=(2, 2)),
            L.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            L.MaxPooling2D(pool_size=(2, 2)),
            L.Flatten(),
            L.Dropout(0.5),
            L.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(x_train[..., None], y_train, epochs=1, batch_size=128, verbose=0)
    assert_same_predictions(model, x_test[..., None], tmp_path)


def test_the_wide_and_deep_regression_model(rng, tmp_path):
    x = rng.normal(3.0, 2.0, (300, 8)).astype("float32")
    y = x @ rng.normal(size=8).astype("float32")
    normalization = L.Normalization()
    normalization.adapt(x)
    inputs = keras.Input(shape=(8,))
    normalized = normalization(inputs)
    hidden = L.Dense(30, activation="relu")(L.Dense(30, activation="relu")(normalized))
    model = keras.Model(inputs=[inputs], outputs=[L.Dense(1)(L.Concatenate()([normalized, hidden]))])
    model.compile(loss="mse", optimizer="sgd")
    model.fit(x, y, epochs=2, verbose=0)
    assert_same_predictions(model, x[:50], tmp_path)


# -- every supported layer -------------------------------------------------------------------
def seq(input_shape, *stack, name="m"):
    return keras.Sequential([keras.Input(shape=input_shape), *stack], name=name)


def bn_model(rng, input_shape, **kwargs):
    """A BatchNormalization whose weights and moving statistics are not the initial zeros and ones."""
    model = seq(input_shape, L.BatchNormalization(**kwargs))
    bn = model.layers[-1]
    for weight in bn.weights:
        weight.assign(rng.uniform(0.5, 1.5, weight.shape).astype("float32"))
    return model


def functional(shapes, merge):
    inputs = [keras.Input(shape=s) for s in shapes]
    return keras.Model(inputs=inputs, outputs=merge(inputs))


LAYER_CASES = {
    "dense 3-d input": lambda rng: seq((5, 6), L.Dense(4, activation="tanh")),
    "dense without bias": lambda rng: seq((6,), L.Dense(3, use_bias=False)),
    "flatten + reshape": lambda rng: seq((4, 6), L.Reshape((3, -1)), L.Flatten(), L.Dense(2)),
    "dropout + spatial dropout": lambda rng: seq((6, 6, 3), L.SpatialDropout2D(0.3), L.Dropout(0.4)),
    "relu variants": lambda rng: seq(
        (7,), L.ReLU(max_value=0.6, negative_slope=0.1, threshold=0.2), L.ReLU(), L.ReLU(max_value=0.5)
    ),
    "leaky relu + elu + softmax": lambda rng: seq((7,), L.LeakyReLU(0.2), L.ELU(0.7), L.Softmax()),
    "softmax on axis 1": lambda rng: seq((4, 5), L.Softmax(axis=1)),
    "conv2d same, strides, dilation": lambda rng: seq(
        (13, 12, 2),
        L.Conv2D(3, 3, padding="same", strides=2),
        L.Conv2D(4, (2, 3), dilation_rate=2, activation="relu"),
    ),
    "conv2d groups": lambda rng: seq((7, 7, 4), L.Conv2D(6, 3, groups=2)),
    "depthwise conv2d": lambda rng: seq((8, 8, 3), L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")),
    "conv1d + pooling 1d": lambda rng: seq(
        (12, 3),
        L.Conv1D(4, 3, padding="same", activation="elu"),
        L.MaxPooling1D(2),
        L.AveragePooling1D(2, padding="same"),
    ),
    "pooling 2d same and valid": lambda rng: seq(
        (7, 9, 2),
        L.MaxPooling2D(2, padding="same"),
        L.AveragePooling2D((2, 3), strides=1, padding="same"),
        L.AveragePooling2D(2),
    ),
    "global pooling": lambda rng: functional(
        [(5, 6, 3)], lambda i: [L.GlobalAveragePooling2D()(i[0]), L.GlobalMaxPooling2D(keepdims=True)(i[0])]
    ),
    "global pooling 1d": lambda rng: functional(
        [(6, 3)], lambda i: L.Concatenate()([L.GlobalAveragePooling1D()(i[0]), L.GlobalMaxPooling1D()(i[0])])
    ),
    "batch normalization": lambda rng: bn_model(rng, (5,)),
    "batch normalization axis 1 no scale": lambda rng: bn_model(rng, (3, 4, 2), axis=1, scale=False),
    "rescaling": lambda rng: seq((6,), L.Rescaling(1 / 255.0, offset=-0.5)),
    "normalization fixed": lambda rng: seq(
        (4,), L.Normalization(mean=[1.0, 2.0, 3.0, 4.0], variance=[1.0, 4.0, 0.0, 9.0])
    ),
    "normalization inverted": lambda rng: seq(
        (4,), L.Normalization(mean=[1.0, 0.0, 0.0, 2.0], variance=[4.0, 1, 1, 2], invert=True)
    ),
    "padding, cropping, up-sampling": lambda rng: seq(
        (6, 5, 2), L.ZeroPadding2D(((1, 2), (0, 3))), L.Cropping2D(((2, 1), (1, 0))), L.UpSampling2D((2, 3))
    ),
    "add, subtract, multiply": lambda rng: functional(
        [(5,), (5,), (5,)], lambda i: L.Subtract()([L.Add()(i), L.Multiply()(i)])
    ),
    "average, maximum, minimum": lambda rng: functional(
        [(3, 4), (3, 4)], lambda i: L.Concatenate(axis=1)([L.Average()(i), L.Maximum()(i), L.Minimum()(i)])
    ),
    "dot 2-d normalized": lambda rng: functional([(6,), (6,)], lambda i: L.Dot(axes=1, normalize=True)(i)),
    "dot 3-d": lambda rng: functional([(3, 4), (4, 5)], lambda i: L.Dot(axes=(2, 1))(i)),
    "dot 3-d x 2-d": lambda rng: functional([(3, 4), (4,)], lambda i: L.Dot(axes=(2, 1))(i)),
    "nested sequential": lambda rng: seq(
        (6,), seq((6,), L.Dense(4, activation="relu"), name="inner"), L.Dense(2)
    ),
}
ACTIVATIONS = [
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "elu",
    "selu",
    "leaky_relu",
    "relu6",
    "softplus",
    "softsign",
    "exponential",
    "hard_sigmoid",
    "hard_silu",
    "silu",
    "swish",
    "mish",
    "gelu",
]


def random_inputs(model, rng, n=7):
    shapes = (
        [tuple(t.shape) for t in model.inputs]
        if hasattr(model, "inputs") and isinstance(model.inputs, list)
        else [model._expected_input_shape()]
    )
    xs = [rng.normal(0, 1.5, (n, *s[1:])).astype("float32") for s in shapes]
    return xs if len(xs) > 1 else xs[0]


@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_each_supported_layer(case, rng, tmp_path):
    keras.utils.set_random_seed(3)
    model = LAYER_CASES[case](rng)
    assert_same_predictions(model, random_inputs(model, rng), tmp_path)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation(name, rng, tmp_path):
    keras.utils.set_random_seed(3)
    model = seq((6,), L.Dense(5, activation=name), L.Activation(name))
    # exponential(exponential(x)) overflows for large x: keep its inputs small.
    scale = 0.3 if name == "exponential" else 1.0
    assert_same_predictions(model, scale * rng.normal(size=(9, 6)).astype("float32"), tmp_path)


def test_every_listed_layer_has_a_test():
    covered = {
        "Dense",
        "Flatten",
        "Reshape",
        "Dropout",
        "SpatialDropout2D",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "Softmax",
        "Activation",
        "Conv2D",
        "DepthwiseConv2D",
        "Conv1D",
        "MaxPooling1D",
        "AveragePooling1D",
        "MaxPooling2D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "GlobalAveragePooling1D",
        "GlobalMaxPooling1D",
        "BatchNormalization",
        "Rescaling",
        "Normalization",
        "ZeroPadding2D",
        "Cropping2D",
        "UpSampling2D",
        "Add",
        "Subtract",
        "Multiply",
        "Average",
        "Maximum",
        "Minimum",
        "Concatenate",
        "Dot",
    }
    assert set(supported_layers()) == covered


# -- the file --------------------------------------------------------------------------------
def test_the_file_has_a_free_batch_axis_names_and_the_usual_mode(tmp_path):
    model = seq((28, 28), L.Flatten(), L.Dense(10, activation="softmax", name="probabilities"), name="digits")
    path = tmp_path / "digits.onnx"
    model.export(str(path), format="onnx", metadata={"class_names": json.dumps(list("0123456789"))})
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == 17 and proto.producer_name == "scratchnn"
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [28, 28]
    assert proto.graph.output[0].name == "probabilities"
    assert {p.key: p.value for p in proto.metadata_props}["class_names"].startswith('["0"')
    for batch in (1, 5):
        assert run_onnx(path, np.zeros((batch, 28, 28), np.float32))[0].shape == (batch, 10)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["digits.onnx"]  # no temporary file left


def test_input_signature_fixes_the_batch(tmp_path):
    model = seq((4,), L.Dense(2))
    model.export(str(tmp_path / "m.onnx"), format="onnx", input_signature=[(3, 4)])
    dims = onnx.load(str(tmp_path / "m.onnx")).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [3, 4]


# -- what is refused -----------------------------------------------------------------------------
class Doubler(L.Layer):
    def call(self, x):
        return x * 2


class SubclassedDense(L.Dense):
    def call(self, x):
        return super().call(x) + 1


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: seq((4,), Doubler(name="doubler"), L.Dense(2)), "layer 'doubler' (Doubler)"),
        (lambda: seq((4,), SubclassedDense(3, name="plus_one")), "layer 'plus_one' (SubclassedDense)"),
        (lambda: seq((4,), L.Dense(3, activation=lambda x: x, name="lam")), "layer 'lam' (Dense)"),
        (lambda: seq((8, 2), L.Conv1D(2, 3, padding="causal", name="causal")), "padding='causal'"),
    ],
)
def test_an_unsupported_layer_is_named(build, message, tmp_path):
    with pytest.raises(UnsupportedLayerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build().export(str(tmp_path / "x.onnx"), format="onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_a_subclassed_model_and_other_formats_are_refused(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(np.zeros((1, 3), np.float32))
    with pytest.raises(UnsupportedLayerError, match="subclassed model"):
        net.export(str(tmp_path / "n.onnx"), format="onnx")
    with pytest.raises(ValueError, match="format='onnx'.*Received: format='tf_saved_model'"):
        seq((3,), L.Dense(1)).export(str(tmp_path / "m"))
    with pytest.raises(ValueError, match="Unknown arguments"):
        seq((3,), L.Dense(1)).export(str(tmp_path / "m.onnx"), format="onnx", opset=99)


def test_without_onnx_the_error_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "scratchnn\[onnx\]"'):
        seq((3,), L.Dense(1)).export(str(tmp_path / "m.onnx"), format="onnx")


# -- the command ---------------------------------------------------------------------------------
def test_export_command_writes_and_checks_the_file(tmp_path, capsys, mnist_images):
    model = recipes.build_model(recipes.get("mnist-cnn"))
    run = tmp_path / "run"
    run.mkdir()
    model.save(str(run / "model.keras"))
    (run / "run.json").write_text(
        json.dumps({"class_names": list("0123456789"), "recipe": {"dataset": "mnist"}})
    )
    assert main(["export", str(run), "--format", "onnx", "--output", str(tmp_path / "cnn.onnx")]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {tmp_path / 'cnn.onnx'}" in printed and "checked with onnxruntime" in printed
    _, _, x_test = mnist_images
    np.testing.assert_allclose(
        run_onnx(tmp_path / "cnn.onnx", x_test[:8, ..., None])[0],
        model.predict(x_test[:8, ..., None], verbose=0),
        atol=1e-5,
    )
    assert main(["export", str(run)]) == 0  # default: model.onnx beside the model
    assert (run / "model.onnx").is_file()


def test_export_command_names_an_unsupported_layer(tmp_path, capsys):
    model = seq((8, 2), L.Conv1D(2, 3, padding="causal", name="causal_conv"))
    model.save(str(tmp_path / "m.keras"))
    assert main(["export", str(tmp_path / "m.keras")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "layer 'causal_conv' (Conv1D)" in err[0] and "padding='causal'" in err[0]
    assert not (tmp_path / "m.onnx").exists()
