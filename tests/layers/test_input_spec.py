"""InputSpec: the one input check `Layer.__call__` runs (layers, Sequential and functional models, fit)."""

import keras as real
import numpy as np
import pytest

import scratchnn.keras as keras
from scratchnn import backend
from scratchnn.layers.input_spec import InputSpec, adjust_input_rank, assert_input_compatibility
from scratchnn.ops.tensor import Tensor


class Checked(keras.layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs


@pytest.mark.parametrize(
    ("spec", "shape", "message"),
    [
        (dict(ndim=3), (2, 4), r"expected ndim=3, found ndim=2\. Full shape received: \(2, 4\)"),
        (dict(min_ndim=3), (2, 4), "expected min_ndim=3, found ndim=2"),
        (dict(max_ndim=2), (2, 4, 1), "expected max_ndim=2, found ndim=3$"),
        (
            dict(axes={-1: 3}),
            (2, 4),
            r"expected axis -1 of input shape to have value 3, but received .* \(2, 4\)",
        ),
        (dict(shape=(None, 5)), (2, 4), r"expected shape=\(None, 5\), found shape=\(2, 4\)"),
    ],
)
def test_a_layer_spec_refuses_inputs_it_does_not_accept(spec, shape, message):
    layer = Checked(InputSpec(**spec), name="checked")
    with pytest.raises(
        ValueError, match='Input 0 of layer "checked" is incompatible with the layer: ' + message
    ):
        layer(np.zeros(shape, "float32"))


@pytest.mark.parametrize(
    "spec", [dict(ndim=2), dict(min_ndim=2, max_ndim=3), dict(axes={1: 4}), dict(shape=(None, 4))]
)
def test_a_layer_spec_accepts_matching_inputs(spec):
    out = Checked(InputSpec(**spec))(np.ones((3, 4), "float32"))
    np.testing.assert_array_equal(out.numpy(), np.ones((3, 4)))


@pytest.mark.parametrize("spec", [dict(ndim=3), dict(min_ndim=3), dict(max_ndim=1), dict(axes={-1: 3})])
def test_the_expectation_is_worded_as_keras_words_it(spec):
    # After "is incompatible with the layer: " Keras 3 says what was expected and found
    # (keras/src/layers/input_spec.py); scratchnn names the input as its trainer always has.
    from keras.src.layers.input_spec import assert_input_compatibility as keras_check

    x = np.zeros((2, 4), "float32")
    with pytest.raises(ValueError) as ours:
        assert_input_compatibility(InputSpec(**spec), Tensor(backend.asarray(x)), "l")
    with pytest.raises(ValueError) as theirs:
        keras_check(real.InputSpec(**spec), x, "l")
    assert str(ours.value).split(": ", 1)[1] == str(theirs.value).split(": ", 1)[1]


def test_a_sequential_model_checks_direct_calls_and_fit_the_same_way():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="seq")
    message = r'Input 0 of layer "seq" is incompatible with the layer: expected shape=\(None, 3\), found shape=\(4, 5\)'
    with pytest.raises(ValueError, match=message):
        model(np.zeros((4, 5), "float32"))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((4, 5), "float32"), np.zeros((4, 2), "float32"), verbose=0)


def test_a_functional_model_checks_each_input_by_name():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    model = keras.Model([a, b], keras.layers.Concatenate()([a, b]), name="two")
    ok = model({"b": np.ones((1, 3), "float32"), "a": np.zeros((1, 2), "float32")})
    assert ok.shape == (1, 5)
    with pytest.raises(
        ValueError, match=r"Input 1 \('b'\) of layer \"two\" is incompatible .* found shape=\(1, 4\)"
    ):
        model([np.zeros((1, 2), "float32"), np.zeros((1, 4), "float32")])
    with pytest.raises(ValueError, match=r"Missing inputs \['b'\]"):
        model({"a": np.zeros((1, 2), "float32")})
    with pytest.raises(ValueError, match=r'Layer "two" expects 2 input\(s\)'):
        model([np.zeros((1, 2), "float32")])


def test_a_trailing_size_one_axis_is_added_or_dropped():
    assert adjust_input_rank(np.zeros(4), (None, 1)).shape == (4, 1)
    assert adjust_input_rank(np.zeros((4, 1)), (None,)).shape == (4,)
    assert adjust_input_rank(np.zeros((4, 2)), (None,)).shape == (4, 2)  # left for the check to refuse
    spec = InputSpec(shape=(None, 1), allow_last_axis_squeeze=True)
    assert_input_compatibility(spec, Tensor(backend.asarray(np.zeros(4))), "m")
    with pytest.raises(ValueError, match=r"found shape=\(4, 2\)"):
        assert_input_compatibility(spec, Tensor(backend.asarray(np.zeros((4, 2)))), "m")


def test_input_spec_config_round_trip():
    spec = InputSpec(ndim=3, axes={-1: 8})
    again = InputSpec.from_config(spec.get_config())
    assert (again.ndim, again.axes) == (3, {-1: 8})
    assert repr(again) == "InputSpec(ndim=3, axes={-1: 8})"
    with pytest.raises(ValueError, match="Axis 4 is greater than the maximum allowed value: 2"):
        InputSpec(ndim=3, axes={4: 1})
    assert keras.layers.InputSpec is InputSpec
