"""fit's checks on class_weight and sample_weight, made once per call with the model's own shapes."""

import numpy as np
import pytest

import scratchnn.keras as keras


def _classifier(classes=3):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(classes, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


def test_class_weight_keys_are_checked_against_the_model_outputs_not_the_labels_seen():
    x, y = np.ones((6, 4), "float32"), np.array([0, 1, 0, 1, 0, 1])
    model = _classifier(3)
    model.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 5.0}, verbose=0)  # class 2 exists, unseen here
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={3: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.train_on_batch(x, y, class_weight={-1: 1.0})


def test_a_sigmoid_output_has_two_classes():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x, y = np.ones((4, 4), "float32"), np.array([0, 1, 1, 0])
    model.fit(x, y, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={2: 1.0}, verbose=0)


def test_sample_weight_of_the_wrong_shape_names_both_shapes():
    model = _classifier()
    x, y = np.ones((6, 4), "float32"), np.zeros(6, "int64")
    with pytest.raises(ValueError, match=r"sample_weight.*\(6, 2\)"):
        model.fit(x, y, sample_weight=np.ones((6, 2), "float32"), verbose=0)
