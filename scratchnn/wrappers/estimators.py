"""KerasClassifier and KerasRegressor (SciKeras's `scikeras/wrappers.py`, for scratchnn models)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from scratchnn.utils import to_categorical
from scratchnn.wrappers._utils import is_categorical_crossentropy
from scratchnn.wrappers.base import BaseWrapper


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """A scikit-learn classifier around a scratchnn model.

    Labels of any type are mapped to `classes_` (sorted unique labels). The
    model is trained on one-hot rows (N, n_classes) when its loss is
    categorical cross-entropy, else on the class index (N,) (a column (N, 1)
    for a one-unit sigmoid output). With `loss=None` and a model compiled by
    the wrapper, the loss is "binary_crossentropy" for a one-unit output and
    "sparse_categorical_crossentropy" otherwise.

    Args: as `BaseWrapper`, plus
        class_weight: {class label: weight} or "balanced", turned into sample weights.

    Fitted attributes:
        model_, history_, classes_ (n_classes,), n_classes_, n_features_in_,
        target_type_ ("binary" or "multiclass"), X_shape_, X_dtype_, y_dtype_.

    Example:
        >>> def build(meta, hidden=16):
        ...     model = keras.Sequential([keras.Input((meta["n_features_in_"],)),
        ...         keras.layers.Dense(hidden, activation="relu"),
        ...         keras.layers.Dense(meta["n_classes_"], activation="softmax")])
        ...     model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        ...     return model
        >>> clf = KerasClassifier(build, model__hidden=32, epochs=20, verbose=0).fit(X, y)
        >>> clf.predict_proba(X).shape   # (n_samples, n_classes)
    """

    _estimator_type = "classifier"

    def __init__(
        self,
        model: Any = None,
        *,
        warm_start: bool = False,
        random_state: Any = None,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        batch_size: int | None = None,
        validation_batch_size: int | None = None,
        verbose: int = 1,
        callbacks: Any = None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        run_eagerly: bool = False,
        epochs: int = 1,
        class_weight: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model,
            warm_start=warm_start,
            random_state=random_state,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            batch_size=batch_size,
            validation_batch_size=validation_batch_size,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            shuffle=shuffle,
            run_eagerly=run_eagerly,
            epochs=epochs,
            **kwargs,
        )
        self.class_weight = class_weight

    @staticmethod
    def scorer(y_true: Any, y_pred: Any, **kwargs: Any) -> float:
        """Accuracy, the score of scikit-learn classifiers."""
        return accuracy_score(y_true, y_pred, **kwargs)

    def _check_target(self, y: Any, reset: bool) -> Any:
        check_classification_targets(y)
        target_type = type_of_target(y)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary and multiclass targets (one label per sample). "
                f"Received: y of type {target_type!r}"
            )
        if reset:
            self.classes_ = np.unique(y)
            self.n_classes_ = len(self.classes_)
            self.target_type_ = target_type
            self.y_dtype_ = y.dtype
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but the data contains "
                f"only one class: {self.classes_[0]!r}. Received: y with 1 class"
            )
        unseen = ~np.isin(y, self.classes_)
        if unseen.any():
            raise ValueError(
                f"y contains labels not seen in the first fit: {np.unique(y[unseen]).tolist()}. "
                f"Received: y with labels outside classes_={self.classes_.tolist()}"
            )
        return y

    def _default_loss(self, output_units: int | None) -> Any:
        # Unknown width (compile_kwargs handed to a build function): one unit per class is the convention.
        return "binary_crossentropy" if output_units == 1 else "sparse_categorical_crossentropy"

    def _check_sample_weight_classes(self, y: Any, sample_weight: Any) -> None:
        weighted = np.unique(y[sample_weight > 0])
        if len(weighted) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes with a non-zero sample_weight, but "
                f"only {len(weighted)} class has one. Received: sample_weight zero for all other classes"
            )

    def _encode_target(self, y: Any) -> Any:
        index = np.searchsorted(self.classes_, y)
        if is_categorical_crossentropy(self.model_.loss):
            return to_categorical(index, self.n_classes_).astype("float32")
        if self._output_units_ == 1:
            return index.astype("float32")[:, None]
        return index

    def fit(self, X: Any, y: Any, sample_weight: Any = None, **kwargs: Any) -> KerasClassifier:
        """Trains on (X, y); labels may be any sortable type. See `BaseWrapper.fit`."""
        if self.class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            check_classification_targets(y)
            weights = compute_sample_weight(self.class_weight, np.ravel(y))
            sample_weight = weights if sample_weight is None else weights * np.asarray(sample_weight)
        return super().fit(X, y, sample_weight=sample_weight, **kwargs)

    def predict_proba(self, X: Any, **kwargs: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in `classes_` order.

        A one-unit (sigmoid) output p becomes the columns [1 - p, p].
        """
        raw = np.asarray(self._predict_raw(X, **kwargs), dtype="float64")
        if raw.ndim == 1 or raw.shape[1] == 1:
            p = raw.reshape(-1)
            return np.stack([1.0 - p, p], axis=1)
        return raw

    def predict(self, X: Any, **kwargs: Any) -> np.ndarray:
        """Predicted labels, shape (n_samples,), taken from `classes_`."""
        proba = self.predict_proba(X, **kwargs)  # raises NotFittedError before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags


class KerasRegressor(RegressorMixin, BaseWrapper):
    """A scikit-learn regressor around a scratchnn model.

    Targets (n_samples,) are trained as a column (n_samples, 1) and predicted
    back as (n_samples,); (n_samples, n_outputs) targets are kept as they are.
    With `loss=None` and a model compiled by the wrapper, the loss is mean
    squared error. `score` is R².

    Fitted attributes:
        model_, history_, n_features_in_, n_outputs_expected_, y_ndim_, y_dtype_.

    Example:
        >>> reg = KerasRegressor(build, model__hidden=(30, 30), optimizer="adam",
        ...                      optimizer__learning_rate=1e-3, epochs=20, verbose=0).fit(X, y)
        >>> reg.score(X_test, y_test)   # R²
    """

    _estimator_type = "regressor"

    @staticmethod
    def scorer(y_true: Any, y_pred: Any, **kwargs: Any) -> float:
        """R², the score of scikit-learn regressors."""
        return r2_score(y_true, y_pred, **kwargs)

    def _target_check(self) -> dict[str, Any]:
        return {"multi_output": True, "y_numeric": True}

    def _check_target(self, y: Any, reset: bool) -> Any:
        if reset:
            self.y_ndim_ = y.ndim
            self.y_dtype_ = y.dtype
            self.n_outputs_expected_ = 1 if y.ndim == 1 else y.shape[1]
        return y

    def _default_loss(self, output_units: int | None) -> Any:
        return "mean_squared_error"

    def _encode_target(self, y: Any) -> Any:
        y = np.asarray(y, dtype="float32")
        return y[:, None] if y.ndim == 1 else y

    def predict(self, X: Any, **kwargs: Any) -> np.ndarray:
        """Predictions, shape (n_samples,) or (n_samples, n_outputs) like the training targets."""
        raw = np.asarray(self._predict_raw(X, **kwargs))
        dtype = self.y_dtype_ if np.issubdtype(self.y_dtype_, np.floating) else np.float64
        raw = raw.astype(dtype)
        return raw.reshape(-1) if self.y_ndim_ == 1 and raw.ndim == 2 and raw.shape[1] == 1 else raw

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
