"""scratchnn.apps.linear.Perceptron against scikit-learn's Perceptron (the reference)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Perceptron as SkPerceptron

from scratchnn.apps.linear import Perceptron

# scikit-learn warns when max_iter stops a run before its tolerance is met; the runs here are short on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.parametrize("target", ["setosa", "multiclass"])
@pytest.mark.parametrize("tol", [None, 1e-3])
@pytest.mark.parametrize("eta0,fit_intercept", [(1.0, True), (0.1, True), (0.5, False)])
def test_same_weights_as_sklearn_for_the_same_sample_order(iris, target, tol, eta0, fit_intercept):
    X, y = iris
    y = (y == 0).astype(int) if target == "setosa" else y
    kwargs = dict(shuffle=False, max_iter=15, tol=tol, eta0=eta0, fit_intercept=fit_intercept)
    ours = Perceptron(**kwargs).fit(X, y)
    ref = SkPerceptron(**kwargs).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-12, atol=1e-12)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_separates_setosa_with_shuffling_like_sklearn(iris, seed):
    X, y = iris
    X = X[:, 2:]  # petal length and width, as in Géron's example
    y_setosa = (y == 0).astype(int)
    ours = Perceptron(random_state=seed).fit(X, y_setosa)
    ref = SkPerceptron(random_state=seed).fit(X, y_setosa)
    assert ours.score(X, y_setosa) == 1.0 == ref.score(X, y_setosa)
    np.testing.assert_array_equal(ours.predict([[1.4, 0.2], [5, 2]]), ref.predict([[1.4, 0.2], [5, 2]]))


def test_shuffling_depends_on_random_state_and_repeats(iris):
    X, y = iris
    a = Perceptron(random_state=3, max_iter=5, tol=None).fit(X, y)
    b = Perceptron(random_state=3, max_iter=5, tol=None).fit(X, y)
    c = Perceptron(random_state=4, max_iter=5, tol=None).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert not np.array_equal(a.coef_, c.coef_)


def test_string_labels_and_shapes(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    model = Perceptron(max_iter=20).fit(X, names)
    assert model.coef_.shape == (3, 4) and model.intercept_.shape == (3,)
    assert model.decision_function(X).shape == (150, 3)
    assert set(model.predict(X)) <= set(names)
    binary = Perceptron().fit(X, names == "setosa")
    assert binary.coef_.shape == (1, 4) and binary.decision_function(X).shape == (150,)


def test_params_protocol_and_clone():
    model = Perceptron(eta0=0.5, max_iter=7)
    assert model.get_params()["eta0"] == 0.5
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert model.set_params(shuffle=False) is model and not model.shuffle
    assert "eta0=0.5" in repr(model)
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        model.set_params(alpha=1.0)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"max_iter": 0}, "Received: max_iter=0"),
        ({"eta0": 0.0}, "Received: eta0=0.0"),
        ({"tol": -1.0}, "Received: tol=-1.0"),
        ({"n_iter_no_change": 0}, "Received: n_iter_no_change=0"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Perceptron(**kwargs).fit([[0.0], [1.0]], [0, 1])


def test_bad_data(iris):
    X, y = iris
    with pytest.raises(ValueError, match="only one class"):
        Perceptron().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="NaN"):
        Perceptron().fit(np.full((2, 2), np.nan), [0, 1])
    with pytest.raises(ValueError, match="one label per sample"):
        Perceptron().fit(X, y[:10])
    with pytest.raises(ValueError, match="2-D"):
        Perceptron().fit(X[:, 0], y)
    with pytest.raises(NotFittedError):
        Perceptron().predict(X)
    fitted = Perceptron().fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but Perceptron is expecting 4"):
        fitted.predict(X[:, :3])
