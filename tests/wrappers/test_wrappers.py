"""scratchnn.wrappers: scikit-learn's estimator checks, parameter routing, search, pickling."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_iris, make_regression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.utils.estimator_checks import check_no_attributes_set_in_init, parametrize_with_checks

from scratchnn import keras
from scratchnn.wrappers import KerasClassifier, KerasRegressor, route_params


def build_classifier(meta, compile_kwargs, hidden=16):
    model = keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    model.compile(optimizer=compile_kwargs["optimizer"], loss=compile_kwargs["loss"])
    return model


def build_regressor(meta, hidden=16):
    # Returned uncompiled: the wrapper compiles it from its optimizer/loss parameters.
    return keras.Sequential(
        [
            keras.Input(meta["X_shape_"][1:]),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(meta["n_outputs_expected_"]),
        ]
    )


def build_sigmoid(meta):
    return keras.Sequential(
        [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1, activation="sigmoid")]
    )


# Checks that cannot hold for a network trained by minibatch gradient descent in float32.
STOCHASTIC_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD: repeating a sample changes the batches and the number of steps, so a weight of 2 "
        "is not the same training run as a duplicated row"
    ),
    "check_methods_subset_invariance": (
        "float32 matmuls: a batch and its sub-batches may differ in the last bit (about 1e-7) of predict_proba"
    ),
}


def _expected_failures(estimator):
    return STOCHASTIC_FAILURES


@parametrize_with_checks(
    [
        KerasClassifier(build_classifier, optimizer="adam", epochs=30, verbose=0, random_state=0),
        KerasRegressor(build_regressor, optimizer="adam", epochs=30, verbose=0, random_state=0),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_extra_parameters_are_visible_to_get_params_set_params_and_clone():
    clf = KerasClassifier(build_classifier, model__hidden=8, optimizer__learning_rate=0.01, epochs=3)
    params = clf.get_params()
    assert (
        params["model__hidden"] == 8 and params["optimizer__learning_rate"] == 0.01 and params["epochs"] == 3
    )
    copy = clone(clf)
    assert copy.get_params()["model__hidden"] == 8
    clf.set_params(model__hidden=4, fit__epochs=2)
    assert clf.model__hidden == 4 and clf.get_params()["fit__epochs"] == 2
    with pytest.raises(ValueError, match="Invalid parameter 'hiden'"):
        clf.set_params(hiden=3)
    assert is_classifier(clf) and is_regressor(KerasRegressor()) and clf._estimator_type == "classifier"
    # With only constructor parameters, nothing else is set in __init__ (extra ones are attributes by design).
    check_no_attributes_set_in_init("KerasClassifier", KerasClassifier(build_classifier))


def test_route_params():
    params = {"epochs": 3, "fit__epochs": 5, "model__units": 8, "batch_size": 16, "verbose": 0}
    assert route_params(params, "fit", {"epochs", "batch_size"}) == {"epochs": 5, "batch_size": 16}
    assert route_params(params, "model", set()) == {"units": 8}


def test_routing_reaches_build_fn_optimizer_and_fit(iris):
    X, y = iris
    seen = {}

    def build(meta, compile_kwargs, params, units=4, depth=1):
        seen.update(meta=meta, compile_kwargs=compile_kwargs, params=params, units=units, depth=depth)
        return build_classifier(meta, compile_kwargs, hidden=units)

    clf = KerasClassifier(
        build, model__units=7, depth=3, optimizer="sgd", optimizer__learning_rate=0.05, epochs=1,
        fit__epochs=2, verbose=0, random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    assert seen["units"] == 7 and seen["depth"] == 3  # prefixed, and plain names the function declares
    assert isinstance(seen["compile_kwargs"]["optimizer"], keras.optimizers.SGD)
    assert float(seen["compile_kwargs"]["optimizer"].learning_rate.numpy()) == pytest.approx(0.05)
    assert seen["compile_kwargs"]["loss"] == "sparse_categorical_crossentropy"
    assert seen["meta"]["n_classes_"] == 3 and seen["meta"]["n_features_in_"] == 4
    np.testing.assert_array_equal(seen["meta"]["classes_"], [0, 1, 2])
    assert seen["params"]["model__units"] == 7
    assert len(clf.history_["loss"]) == 2  # fit__epochs wins over epochs
    assert clf.model_.get_layer(index=0).units == 7
    clf.fit(X, y, epochs=3)  # fit() keyword arguments win over everything
    assert len(clf.history_["loss"]) == 3


def test_random_state_repeats_fits_and_warm_start_continues(iris):
    X, y = iris
    make = lambda **kw: KerasClassifier(build_classifier, epochs=3, verbose=0, **kw)  # noqa: E731
    a = make(random_state=1).fit(X, y).predict_proba(X)
    b = make(random_state=1).fit(X, y).predict_proba(X)
    c = make(random_state=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    warm = make(random_state=1, warm_start=True).fit(X, y)
    first = warm.model_
    warm.fit(X, y)
    assert warm.model_ is first and len(warm.history_["loss"]) == 6
    cold = make(random_state=1).fit(X, y)
    model = cold.model_
    assert cold.fit(X, y).model_ is not model


def test_categorical_crossentropy_gets_one_hot_targets_and_string_labels(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = KerasClassifier(
        build_classifier, loss="categorical_crossentropy", optimizer="adam", optimizer__learning_rate=0.02,
        epochs=40, verbose=0, random_state=0,
    )  # fmt: skip
    clf.fit(X, labels)
    assert clf._encode_target(labels[:2]).shape == (2, 3)
    np.testing.assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert clf.predict(X).dtype == labels.dtype and clf.score(X, labels) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_binary_sigmoid_output_and_default_loss(iris):
    X, y = iris
    y = np.where(y == 0, "setosa", "other")
    clf = KerasClassifier(
        build_sigmoid, optimizer="adam", optimizer__learning_rate=0.05, epochs=40, verbose=0
    )
    clf.fit(X, y, batch_size=16)
    assert clf.model_.loss == "binary_crossentropy"  # one sigmoid unit
    proba = clf.predict_proba(X)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba[:, 1], clf.model_.predict(X, verbose=0).ravel(), rtol=1e-6)
    assert clf.score(X, y) > 0.95


def test_predict_proba_matches_reference_keras_with_the_same_weights(iris):
    import keras as real_keras

    X, y = iris
    clf = KerasClassifier(build_classifier, epochs=2, verbose=0, random_state=0).fit(X, y)
    ref = real_keras.Sequential(
        [
            real_keras.Input((4,)),
            real_keras.layers.Dense(16, activation="relu"),
            real_keras.layers.Dense(3, activation="softmax"),
        ]
    )
    ref.set_weights(clf.model_.get_weights())
    np.testing.assert_allclose(clf.predict_proba(X), np.asarray(ref(X)), rtol=1e-5, atol=1e-6)


def test_compiled_model_instance_is_cloned_with_fresh_weights(iris):
    X, y = iris
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    clf = KerasClassifier(model, epochs=20, verbose=0, random_state=0).fit(X, y)
    assert clf.model_ is not model
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)  # the template is untouched
    assert float(clf.model_.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert clf.score(X, y) > 0.8


def test_regressor_multioutput_and_r2():
    X, y = make_regression(200, 5, n_targets=2, noise=1.0, random_state=0)
    y = y / y.std(axis=0)
    reg = KerasRegressor(build_regressor, model__hidden=32, optimizer="adam", optimizer__learning_rate=0.02,
                         epochs=60, batch_size=-1, verbose=0, random_state=0).fit(X, y)  # fmt: skip
    assert reg.predict(X).shape == (200, 2) and reg.model_.loss == "mean_squared_error"
    assert reg.score(X, y) > 0.9
    one = KerasRegressor(build_regressor, epochs=2, verbose=0).fit(X, y[:, 0])
    assert one.predict(X).shape == (200,) and one.predict(X).dtype == np.float64


def test_loss_and_callbacks_routing(iris):
    X, y = iris
    reg_X, reg_y = make_regression(100, 3, noise=1.0, random_state=0)
    reg = KerasRegressor(build_regressor, loss="huber", loss__delta=0.5, epochs=1, verbose=0).fit(
        reg_X, reg_y
    )
    assert isinstance(reg.model_.loss, keras.losses.Huber) and reg.model_.loss.get_config()["delta"] == 0.5
    clf = KerasClassifier(
        build_classifier, epochs=50, verbose=0, optimizer="sgd", optimizer__learning_rate=1e-9,
        callbacks=[keras.callbacks.EarlyStopping], callbacks__0__monitor="loss", callbacks__0__patience=1,
    )  # fmt: skip
    clf.fit(X, y)
    assert len(clf.history_["loss"]) < 50  # nothing improves with a tiny rate, so it stops early


def test_pickle_round_trip_keeps_predictions(iris):
    X, y = iris
    clf = KerasClassifier(build_classifier, epochs=3, verbose=0, random_state=0).fit(X, y)
    function, _ = clf.model_.__reduce__()
    assert function.__name__ == "load_pickled_model"  # travels as a .keras archive, not as live objects
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    restored.set_params(warm_start=True).fit(X, y, epochs=1)  # the restored model is compiled and trains


def test_grid_and_randomized_search_tune_a_network(iris):
    X, y = iris
    clf = KerasClassifier(build_classifier, optimizer="adam", epochs=5, verbose=0, random_state=0)
    grid = GridSearchCV(
        clf, {"model__hidden": [2, 16], "optimizer__learning_rate": [1e-4, 0.05]}, cv=3, error_score="raise"
    ).fit(X, y)
    assert grid.best_params_ == {"model__hidden": 16, "optimizer__learning_rate": 0.05}
    assert grid.best_estimator_.model_.get_layer(index=0).units == 16
    assert len(grid.cv_results_["params"]) == 4
    search = RandomizedSearchCV(
        clf,
        {"model__hidden": [4, 8, 16], "fit__epochs": [3, 5]},
        n_iter=3,
        cv=2,
        random_state=0,
        error_score="raise",
    ).fit(X, y)
    assert search.best_score_ > 0.3 and len(search.cv_results_["params"]) == 3


def test_errors_name_the_argument(iris):
    X, y = iris
    with pytest.raises(ValueError, match="Received: model=None"):
        KerasClassifier(verbose=0).fit(X, y)
    with pytest.raises(TypeError, match="Received: model=3"):
        KerasClassifier(3, verbose=0).fit(X, y)
    with pytest.raises(TypeError, match="must return a scratchnn Model"):
        KerasClassifier(lambda: "not a model", verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        KerasClassifier(build_classifier, verbose=0).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        KerasClassifier(build_classifier, verbose=0).fit(X, X[:, 0] + 0.5)
    with pytest.raises(TypeError, match="Received: optimizer=3"):
        KerasClassifier(build_classifier, optimizer=3, verbose=0).fit(X, y)


def test_import_without_sklearn_names_the_extra():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "try:\n    import scratchnn.wrappers\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "scratchnn[sklearn]"' in out
