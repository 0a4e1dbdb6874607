"""The Perceptron: Rosenblatt's threshold logic units, trained online (scikit-learn's API).

A threshold logic unit (TLU) computes z = x · w + b and outputs the step
function of z. A Perceptron is one layer of TLUs, one per class (one-vs-rest),
or a single TLU for two classes. This module has no scikit-learn dependency;
its behaviour follows `sklearn.linear_model.Perceptron` (penalty=None,
constant learning rate), whose coefficients it reproduces for the same sample
order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchnn.backend import random as backend_random
from scratchnn.backend import xp

_PARAMS = ("fit_intercept", "max_iter", "tol", "shuffle", "eta0", "random_state", "n_iter_no_change")


class Perceptron:
    """Rosenblatt's perceptron, a linear classifier trained one sample at a time.

    Update rule (per sample x with target y in {-1, +1}, for every TLU k whose
    training has not stopped):

        z_k = x · w_k + b_k
        if y_k * z_k <= 0:          # a mistake (a point on the boundary counts as one)
            w_k += eta0 * y_k * x
            b_k += eta0 * y_k

    This is Rosenblatt's rule w <- w + eta (y - y_hat) x written with ±1
    targets. An epoch visits every sample once (in a new random order when
    `shuffle`); a TLU stops when its epoch loss sum(max(0, -y z)) has not
    improved by `tol * n_samples` for `n_iter_no_change` epochs, or after
    `max_iter` epochs.

    Args:
        fit_intercept: learn the bias b (default True); else b = 0.
        max_iter: maximum number of epochs (default 1000).
        tol: stopping tolerance (default 1e-3); None runs `max_iter` epochs.
        shuffle: shuffle the samples before each epoch (default True).
        eta0: learning rate (default 1.0).
        random_state: seed of the shuffling (default 0).
        n_iter_no_change: epochs without improvement before stopping (default 5).

    Fitted attributes:
        coef_: (1, n_features) for two classes, else (n_classes, n_features).
        intercept_: (1,) or (n_classes,).
        classes_: (n_classes,) sorted labels. n_iter_: epochs run (the most of any TLU).
        n_features_in_: number of features.

    Raises:
        ValueError: for invalid parameters (at fit), data with NaN/inf, mismatched
            lengths, fewer than 2 classes, or a feature count differing from fit.

    Example:
        >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 0, 0, 1])
        >>> Perceptron().fit(X, y).predict(X)      # AND
        array([0, 0, 0, 1])
    """

    _estimator_type = "classifier"

    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        shuffle: bool = True,
        eta0: float = 1.0,
        random_state: Any = 0,
        n_iter_no_change: int = 5,
    ) -> None:
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.eta0 = eta0
        self.random_state = random_state
        self.n_iter_no_change = n_iter_no_change

    # -- scikit-learn parameter protocol ------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (scikit-learn's estimator protocol)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> Perceptron:
        """Sets constructor parameters.

        Raises:
            ValueError: for an unknown parameter name.
        """
        for name, value in params.items():
            if name not in _PARAMS:
                raise ValueError(
                    f"Invalid parameter {name!r} for Perceptron. Valid parameters are: {list(_PARAMS)}. "
                    f"Received: {name}={value!r}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = Perceptron().__dict__
        changed = ", ".join(f"{k}={getattr(self, k)!r}" for k in _PARAMS if getattr(self, k) != defaults[k])
        return f"Perceptron({changed})"

    # -- training ----------------------------------------------------------------------
    def _check_params(self) -> None:
        if not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ValueError(f"`max_iter` must be a positive integer. Received: max_iter={self.max_iter!r}")
        if not self.eta0 > 0:
            raise ValueError(f"`eta0` must be > 0. Received: eta0={self.eta0!r}")
        if self.tol is not None and self.tol < 0:
            raise ValueError(f"`tol` must be None or >= 0. Received: tol={self.tol!r}")
        if not isinstance(self.n_iter_no_change, (int, np.integer)) or self.n_iter_no_change < 1:
            raise ValueError(
                f"`n_iter_no_change` must be a positive integer. Received: n_iter_no_change={self.n_iter_no_change!r}"
            )

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Trains the TLUs on X (n_samples, n_features) and labels y (n_samples,).

        Returns:
            self.
        """
        self._check_params()
        X = _check_X(X)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(
                f"y must be 1-D with one label per sample of X. Received: y.shape={y.shape}, X.shape={X.shape}"
            )
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"The data contains only one class: {self.classes_.tolist()}; a Perceptron needs at least 2. "
                f"Received: y with 1 class"
            )
        self.n_features_in_ = X.shape[1]
        # Targets ±1, one column per TLU: (N, K) with K = 1 for two classes (the positive class is classes_[1]).
        positive = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        Y = xp.where(y[:, None] == positive[None, :], 1.0, -1.0)
        w, b, self.n_iter_ = self._train(xp.asarray(X, dtype="float64"), Y)
        self.coef_ = w.T  # (F, K) -> (K, F), scikit-learn's layout
        self.intercept_ = b
        return self

    def _train(self, X: Any, Y: Any) -> tuple[Any, Any, int]:
        n, f = X.shape
        k = Y.shape[1]
        w = xp.zeros((f, k))
        b = xp.zeros(k)
        active = xp.ones(k, dtype=bool)  # TLUs still training (each stops on its own, as in one-vs-rest)
        best = xp.full(k, xp.inf)
        stale = xp.zeros(k, dtype=int)
        rng = backend_random.generator(self.random_state)
        epochs = 0
        for _ in range(self.max_iter):
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            epoch_loss = xp.zeros(k)
            # Rosenblatt's rule is online: sample i+1 is scored with the weights that
            # sample i's mistake just changed, so the samples of an epoch cannot be
            # processed as one matrix product. The loop is over samples only; each step
            # is vectorised over the features and over all K units.
            for i in order:
                x, y = X[i], Y[i]  # (F,), (K,)
                z = x @ w + b  # (F,) @ (F, K) -> (K,)
                margin = y * z
                epoch_loss += xp.maximum(0.0, -margin)
                step = xp.where((margin <= 0) & active, self.eta0 * y, 0.0)  # (K,)
                w += xp.outer(x, step)  # (F, 1) * (1, K) -> (F, K)
                if self.fit_intercept:
                    b += step
            epochs += 1
            if self.tol is not None:
                no_gain = epoch_loss > best - self.tol * n
                stale = xp.where(no_gain & active, stale + 1, 0)
                best = xp.minimum(best, epoch_loss)
                active &= stale < self.n_iter_no_change
                if not active.any():
                    break
        return w, b, epochs

    # -- inference ---------------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """z = X · coef_ᵀ + intercept_: (n_samples,) for two classes, else (n_samples, n_classes)."""
        if not hasattr(self, "coef_"):
            raise _not_fitted_error()
        X = _check_X(X)
        if X.shape[1] != self.coef_.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but Perceptron is expecting {self.coef_.shape[1]} features as input."
            )
        z = X @ self.coef_.T + self.intercept_  # (N, F) @ (F, K) -> (N, K)
        return z.ravel() if z.shape[1] == 1 else z

    def predict(self, X: Any) -> np.ndarray:
        """Labels (n_samples,): classes_[1] where z > 0 (two classes), else the class of the largest z."""
        z = self.decision_function(X)
        index = (z > 0).astype(int) if z.ndim == 1 else xp.argmax(z, axis=1)
        return self.classes_[index]

    def score(self, X: Any, y: Any) -> float:
        """Mean accuracy of `predict(X)` against `y`."""
        return float(xp.mean(self.predict(X) == np.asarray(y)))


def _check_X(X: Any) -> Any:
    X = np.asarray(X, dtype="float64")
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D array (n_samples, n_features). Received: X.shape={X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"X is empty. Received: X.shape={X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity. Received: X with non-finite values")
    return X


def _not_fitted_error() -> Exception:
    """scikit-learn's NotFittedError when it is installed (so its tools recognise it), else a ValueError."""
    message = "This Perceptron instance is not fitted yet. Call 'fit' with appropriate arguments first."
    try:
        from sklearn.exceptions import NotFittedError
    except ImportError:
        return ValueError(message)
    return NotFittedError(message)
