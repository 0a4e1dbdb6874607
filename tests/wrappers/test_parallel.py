"""Wrappers on several processes: pickling, loky and Dask searches equal to the serial one, BLAS threads."""

import pickle
import sys

import cloudpickle
import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from threadpoolctl import threadpool_info, threadpool_limits

from scratchnn import keras
from scratchnn.saving import pickling
from scratchnn.wrappers import KerasClassifier, KerasRegressor, parallel

GRID = {"model__hidden": [4, 16], "optimizer__learning_rate": [0.003, 0.05]}


def build_classifier(meta, compile_kwargs, hidden=8):
    # Module level, so that worker processes import it by name.
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    model.compile(optimizer=compile_kwargs["optimizer"], loss=compile_kwargs["loss"])
    return model


def build_regressor(meta, hidden=8):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )


@pytest.fixture(scope="module")
def data():
    return make_classification(120, 6, n_informative=4, n_classes=3, random_state=0)


def classifier(**kwargs):
    return KerasClassifier(build_classifier, optimizer="adam", epochs=4, batch_size=16, verbose=0, random_state=0,
                           **kwargs)  # fmt: skip


def searches(n_jobs):
    return [
        GridSearchCV(classifier(), GRID, cv=2, n_jobs=n_jobs, error_score="raise"),
        RandomizedSearchCV(
            classifier(),
            {"model__hidden": [2, 4, 8, 16], "fit__epochs": [2, 5]},
            n_iter=3,
            cv=2,
            random_state=0,
            n_jobs=n_jobs,
            error_score="raise",
        ),  # fmt: skip
    ]


def score_columns(search):
    return {k: v for k, v in search.cv_results_.items() if "test_score" in k or k == "params"}


@pytest.fixture(scope="module")
def serial(data):
    """The reference: every fit in this process, BLAS on one thread as in the workers."""
    X, y = data
    with threadpool_limits(1, user_api="blas"):
        fitted = [s.fit(X, y) for s in searches(None)]
        scores = cross_val_score(KerasRegressor(build_regressor, optimizer="adam", epochs=3, verbose=0, random_state=0),
                                 *make_regression(60, 4, noise=1.0, random_state=0), cv=3)  # fmt: skip
    return fitted, scores


def check_same_as_serial(fitted, scores, serial):
    for search, reference in zip(fitted, serial[0]):
        assert search.best_params_ == reference.best_params_
        expected = score_columns(reference)
        for key, value in score_columns(search).items():
            np.testing.assert_array_equal(value, expected[key], err_msg=key)
    np.testing.assert_array_equal(scores, serial[1])


def parallel_run(data, n_jobs):
    X, y = data
    fitted = [s.fit(X, y) for s in searches(n_jobs)]
    reg = KerasRegressor(build_regressor, optimizer="adam", epochs=3, verbose=0, random_state=0)
    scores = cross_val_score(reg, *make_regression(60, 4, noise=1.0, random_state=0), cv=3, n_jobs=n_jobs)
    return fitted, scores


def test_loky_n_jobs_2_gives_the_serial_results(data, serial):
    with joblib.parallel_config(backend="loky"):
        fitted, scores = parallel_run(data, n_jobs=2)
    check_same_as_serial(fitted, scores, serial)
    # The best model was refitted in this process and still predicts like the serial one.
    np.testing.assert_array_equal(fitted[0].predict_proba(data[0]), serial[0][0].predict_proba(data[0]))


def test_dask_local_cluster_gives_the_serial_results(data, serial):
    with parallel.dask_client(n_workers=2, threads_per_worker=1) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        with joblib.parallel_backend("dask"):
            fitted, scores = parallel_run(data, n_jobs=2)
        # The fits ran on the workers, which now hold scratchnn.
        assert all(client.run(lambda: "scratchnn.wrappers" in sys.modules).values())
    check_same_as_serial(fitted, scores, serial)


def fit_and_count_threads():
    """Runs in a loky worker: BLAS threads outside a fit, and inside it (seen by a callback)."""
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(max(d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"))

    X, y = make_classification(40, 4, random_state=0)
    classifier(callbacks=[Probe()]).fit(X, y)
    outside = max(d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas")
    return outside, seen[0]


def test_a_fit_in_a_worker_runs_blas_on_one_thread():
    # joblib would give each of 2 workers 2 BLAS threads here; the wrapper's fit narrows it to 1.
    with joblib.parallel_config(backend="loky", inner_max_num_threads=2):
        results = joblib.Parallel(n_jobs=2)(joblib.delayed(fit_and_count_threads)() for _ in range(2))
    assert results == [(2, 1), (2, 1)]


def test_worker_blas_threads_setting(monkeypatch):
    monkeypatch.setattr(parallel.multiprocessing, "parent_process", lambda: None)
    assert parallel.worker_blas_threads() is None  # the main process keeps its BLAS threads
    monkeypatch.setattr(parallel.multiprocessing, "parent_process", lambda: object())
    assert parallel.worker_blas_threads() == 1
    monkeypatch.setenv("SCRATCHNN_WORKER_BLAS_THREADS", "3")
    assert parallel.worker_blas_threads() == 3
    monkeypatch.setenv("SCRATCHNN_WORKER_BLAS_THREADS", "0")
    assert parallel.worker_blas_threads() is None
    monkeypatch.setenv("SCRATCHNN_WORKER_BLAS_THREADS", "two")
    with pytest.raises(ValueError, match="SCRATCHNN_WORKER_BLAS_THREADS .*Received: 'two'"):
        parallel.worker_blas_threads()


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_wrappers_fitted_wrappers_and_models_pickle(data, dumps):
    X, y = data
    unfitted = pickle.loads(dumps(classifier(model__hidden=5)))
    assert unfitted.get_params()["model__hidden"] == 5
    fitted = classifier().fit(X, y)
    restored = pickle.loads(dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))
    assert restored.history_ == fitted.history_
    # The optimizer's slots travel too: one more epoch from both gives the same weights.
    for est in (fitted, restored):
        est.set_params(warm_start=True).fit(X, y, epochs=1)
    for a, b in zip(restored.model_.get_weights(), fitted.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    model = pickle.loads(dumps(fitted.model_))
    np.testing.assert_array_equal(model.predict(X, verbose=0), fitted.model_.predict(X, verbose=0))
    assert model.compiled and int(model.optimizer.iterations.numpy()) == int(
        fitted.model_.optimizer.iterations.numpy()
    )


def test_a_model_pickles_as_its_keras_archive_unless_it_holds_user_code(data):
    X, _ = data
    model = build_classifier({"n_features_in_": 6, "n_classes_": 3}, {"optimizer": "sgd", "loss": "mse"})
    function, (payload,) = model.__reduce__()
    assert function is pickling.load_pickled_model and payload[:2] == b"PK"  # a .keras zip

    class Doubling(keras.layers.Layer):  # a class defined here: neither registered nor importable
        def call(self, inputs):
            return inputs * 2.0

    custom = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3), Doubling()])
    assert not pickling.uses_only_builtins(custom)
    assert pickle.loads(cloudpickle.dumps(custom)).predict(X, verbose=0) == pytest.approx(
        custom.predict(X, verbose=0)
    )
    lambda_wrapper = KerasClassifier(
        lambda meta, compile_kwargs: build_classifier(meta, compile_kwargs), verbose=0
    )
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(lambda_wrapper)  # pickle cannot carry a lambda; cloudpickle can
    assert isinstance(pickle.loads(cloudpickle.dumps(lambda_wrapper)), KerasClassifier)


def test_dask_client_without_the_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ImportError, match=r'pip install "scratchnn\[dask\]"'):
        parallel.dask_client()
