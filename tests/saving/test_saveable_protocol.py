"""The weights walk asks each object its `_obj_type()` (Keras's KerasSaveable) instead of knowing the model classes."""

import pytest

import scratchnn.keras as keras
from scratchnn.models.functional import Functional
from scratchnn.models.sequential import Sequential
from scratchnn.saving import registry, weights_tree
from scratchnn.saving.keras_saveable import KerasSaveable


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(2)

    def call(self, inputs):
        return self.hidden(inputs)


def _functional():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(1)(inputs))


@pytest.mark.parametrize(
    ("make", "obj_type"),
    [
        (lambda: keras.layers.Dense(1), "Layer"),
        (Subclassed, "Model"),
        (lambda: keras.Sequential([keras.layers.Dense(1)]), "Sequential"),
        (_functional, "Functional"),
        (lambda: keras.optimizers.Adam(), "Optimizer"),
    ],
)
def test_each_saveable_names_its_type(make, obj_type):
    obj = make()
    assert isinstance(obj, KerasSaveable)
    assert obj._obj_type() == obj_type


class CustomModel(keras.Model):
    def train_step(self, data):
        return super().train_step(data)


def test_a_subclass_built_functional_style_walks_as_functional():
    inputs = keras.Input((3,))
    model = CustomModel(inputs, keras.layers.Dense(1)(inputs))
    assert isinstance(model, CustomModel) and model._obj_type() == "Functional"


class _Stack(KerasSaveable):
    """Not a model at all: the walk only needs the protocol."""

    def __init__(self, layers):
        self.layers = layers
        self.extra = keras.layers.Dense(1, name="extra")
        self._own_variables = []

    def _obj_type(self):
        return "Sequential"


def test_the_walk_follows_the_protocol_not_the_classes():
    first, second = keras.layers.Dense(1), keras.layers.Dropout(0.5)
    paths = [path for path, _ in weights_tree.walk_saveables(_Stack([first, second]))]
    # The layers list first (named by class), then the public attributes: Keras's order.
    assert paths == ["", "layers/dense", "layers/dropout", "extra"]


def test_a_saveable_without_a_type_says_so():
    with pytest.raises(NotImplementedError, match="_Bare derives from KerasSaveable"):
        type("_Bare", (KerasSaveable,), {})()._obj_type()


def test_the_model_classes_register_where_they_are_defined():
    assert registry.get_builtin("keras", "Sequential") is Sequential
    assert registry.get_builtin("keras.models", "Sequential") is Sequential
    assert registry.get_builtin("keras", "Model") is keras.Model
    assert registry.get_builtin("keras.src.models.functional", "Functional") is Functional
    assert registry.get_builtin_name(Sequential) == ("keras", "Sequential")
