"""get / serialize / deserialize, config round trips and `_direction`, against Keras."""

import re

import numpy as np
import pytest

from scratchnn import metrics

# (class name, constructor kwargs) covering every public metric class and its options.
CASES = [
    ("Mean", {}),
    ("Sum", {}),
    ("Accuracy", {}),
    ("BinaryAccuracy", {"threshold": 0.3}),
    ("CategoricalAccuracy", {}),
    ("SparseCategoricalAccuracy", {}),
    ("TopKCategoricalAccuracy", {"k": 2}),
    ("SparseTopKCategoricalAccuracy", {"k": 3}),
    ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True}),
    ("MeanSquaredError", {}),
    ("MeanAbsoluteError", {}),
    ("RootMeanSquaredError", {}),
    ("MeanAbsolutePercentageError", {}),
    ("MeanSquaredLogarithmicError", {}),
    ("TruePositives", {"thresholds": [0.2, 0.7]}),
    ("FalsePositives", {}),
    ("TrueNegatives", {"thresholds": 0.4}),
    ("FalseNegatives", {}),
    ("Precision", {"thresholds": 0.3, "class_id": 1}),
    ("Recall", {"top_k": 2}),
    ("AUC", {}),
    ("AUC", {"num_thresholds": 50, "curve": "PR", "summation_method": "majoring", "from_logits": True}),
    ("AUC", {"thresholds": [0.1, 0.4, 0.9], "multi_label": True, "num_labels": 3}),
]


def test_auc_label_weights_config(keras):
    ours = metrics.AUC(name="m", label_weights=[0.5, 2.0])
    theirs = keras.metrics.AUC(name="m", label_weights=[0.5, 2.0])
    assert ours.get_config()["label_weights"] == [0.5, 2.0]
    assert metrics.deserialize(keras.metrics.serialize(theirs)).get_config() == ours.get_config()
    np.testing.assert_allclose(keras.metrics.deserialize(metrics.serialize(ours)).label_weights, [0.5, 2.0])


@pytest.mark.parametrize("class_name, kwargs", CASES)
def test_config_matches_keras_and_round_trips(keras, class_name, kwargs):
    ours = getattr(metrics, class_name)(name="m", **kwargs)
    theirs = getattr(keras.metrics, class_name)(name="m", **kwargs)
    config = ours.get_config()
    assert config == theirs.get_config()
    rebuilt = type(ours).from_config(config)
    assert type(rebuilt) is type(ours) and rebuilt.get_config() == config
    # Keras reads scratchnn's serialized form, and the reverse.
    assert keras.metrics.deserialize(metrics.serialize(ours)).get_config() == config
    assert metrics.deserialize(keras.metrics.serialize(theirs)).get_config() == config
    assert metrics.serialize(ours) == keras.metrics.serialize(theirs)


@pytest.mark.parametrize("class_name, kwargs", CASES)
def test_direction_matches_keras(keras, class_name, kwargs):
    ours = getattr(metrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    assert getattr(ours, "_direction", None) == getattr(theirs, "_direction", None)


def test_get_names_match_keras(keras):
    from keras.src.metrics import ALL_OBJECTS_DICT as KERAS_NAMES

    for name, cls in metrics.ALL_OBJECTS_DICT.items():
        if name == "acc":  # a scratchnn extension; Keras's get rejects it
            continue
        assert KERAS_NAMES[name].__name__ == cls.__name__, name
        if cls.__name__ in ("Metric", "MeanMetricWrapper"):
            continue  # abstract / needs a function
        ours, theirs = metrics.get(name), keras.metrics.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        # Default names may carry a uniqueness suffix ("auc_3"): compare without it.
        assert re.sub(r"_\d+$", "", ours.name) == re.sub(r"_\d+$", "", theirs.name)


@pytest.mark.parametrize(
    "alias, class_name",
    [
        ("mse", "MeanSquaredError"),
        ("MAE", "MeanAbsoluteError"),
        ("mape", "MeanAbsolutePercentageError"),
        ("msle", "MeanSquaredLogarithmicError"),
        ("auc", "AUC"),
        ("accuracy", "Accuracy"),
        ("acc", "Accuracy"),
    ],
)
def test_aliases(alias, class_name):
    assert type(metrics.get(alias)).__name__ == class_name


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Expected one of .*'mse'.*Received: identifier='not_a_metric'"):
        metrics.get("not_a_metric")
    with pytest.raises(ValueError, match="'auc'"):
        metrics.deserialize({"class_name": "NoSuchMetric", "config": {}})
    with pytest.raises(ValueError, match="Received: identifier=3"):
        metrics.get(3)


def test_get_passes_objects_through():
    m = metrics.Precision()
    assert metrics.get(m) is m
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(None) is None
    got = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}})
    assert isinstance(got, metrics.BinaryAccuracy) and got.threshold == 0.7


def test_default_names_are_unique_like_keras():
    first, second = metrics.TruePositives(), metrics.TruePositives()
    assert first.name.startswith("true_positives")
    assert second.name != first.name


def test_wrapper_of_function_round_trips(rng):
    m = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.2)
    config = metrics.serialize(m)
    assert config["config"]["fn"]["config"] == "binary_accuracy"
    rebuilt = metrics.deserialize(config)
    y_true = (rng.random((8, 1)) > 0.5).astype(np.float32)
    y_pred = rng.random((8, 1)).astype(np.float32)
    assert float(rebuilt(y_true, y_pred)) == float(m(y_true, y_pred))
    assert metrics.deserialize(metrics.serialize(metrics.mean_squared_error)) is metrics.mean_squared_error


def test_serialize_rejects_other_objects():
    with pytest.raises(TypeError, match="Received: metric=3"):
        metrics.serialize(3)


def test_custom_metric_with_variables(keras):
    """A Keras-style subclass using add_variable / assign works unchanged."""

    class CountPositives(metrics.Metric):
        def __init__(self, name="count_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign(self.count.value + (np.asarray(y_pred) > 0.5).sum())

        def result(self):
            return self.count

    m = CountPositives()
    m.update_state(None, [0.1, 0.7, 0.9])
    assert float(m.result()) == 2.0
    assert [v.name for v in m.variables] == ["count"]
    m.reset_state()
    assert float(m.result()) == 0.0
