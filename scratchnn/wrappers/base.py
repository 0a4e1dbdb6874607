"""BaseWrapper: the scikit-learn estimator around a scratchnn model (SciKeras's `BaseWrapper`).

Follows SciKeras (`scikeras/wrappers.py`): the estimator's parameters are the
build function's and the fit/predict/compile arguments; a `destination__name`
parameter is routed to `destination` (see `ROUTING_PREFIXES`); `fit` builds
and compiles a fresh model (unless `warm_start`), encodes the targets, trains,
and keeps the model as `model_` and the per-epoch logs as `history_`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from scratchnn.models import Model
from scratchnn.utils import set_random_seed
from scratchnn.wrappers._utils import (
    ROUTING_PREFIXES,
    clone_compiled_model,
    has_param,
    make_callbacks,
    make_loss,
    make_optimizer,
    route_params,
)
from scratchnn.wrappers.parallel import worker_blas_limit

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None


class BaseWrapper(BaseEstimator):
    """Common code of `KerasClassifier` and `KerasRegressor`.

    Args:
        model: a function returning a scratchnn Model (compiled or not), a Model
            instance (cloned with fresh weights at each fit), or None when a
            subclass defines `_keras_build_fn`. The function receives its
            `model__` parameters, plain user parameters it names, and, when it
            declares them, `meta` (fitted attributes such as `n_features_in_`,
            `n_classes_`), `compile_kwargs` (optimizer, loss, metrics built from
            the routed parameters) and `params` (all of `get_params()`).
        warm_start: when True, `fit` continues training the existing model.
        random_state: int or RandomState; seeds scratchnn before building and
            training, so two fits give the same model.
        optimizer, loss, metrics, run_eagerly: compile arguments (used when the
            model comes back uncompiled); `optimizer__x` / `loss__x` set their
            constructor arguments.
        batch_size, validation_batch_size, verbose, callbacks, validation_split,
            shuffle, epochs: `Model.fit` arguments (batch_size=-1: the whole
            data set in one batch).
        **kwargs: any other parameter, kept as an attribute so that
            `get_params`/`set_params`/GridSearchCV see it (`model__units=8`,
            `fit__epochs=5`, `optimizer__learning_rate=0.01`, ...). SciKeras's
            `metrics__` routing is not offered: pass configured Metric objects.
    """

    # Plain parameters forwarded to each destination (SciKeras's whitelists).
    _fit_kwargs = frozenset(
        {
            "batch_size", "epochs", "verbose", "validation_split", "shuffle", "class_weight",
            "sample_weight", "initial_epoch", "validation_steps", "validation_batch_size", "validation_freq",
        }
    )  # fmt: skip
    _predict_kwargs = frozenset({"batch_size", "verbose", "steps"})
    _compile_kwargs = frozenset(
        {"optimizer", "loss", "metrics", "loss_weights", "weighted_metrics", "run_eagerly"}
    )

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
        **kwargs: Any,
    ) -> None:
        self.model = model
        self.warm_start = warm_start
        self.random_state = random_state
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.batch_size = batch_size
        self.validation_batch_size = validation_batch_size
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.run_eagerly = run_eagerly
        self.epochs = epochs
        vars(self).update(kwargs)
        if kwargs:
            self._user_params = set(kwargs)

    # -- parameters -------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters plus the extra (routed) ones given as keyword arguments."""
        params = super().get_params(deep=deep)
        params.update({k: getattr(self, k) for k in sorted(getattr(self, "_user_params", ()))})
        return params

    def set_params(self, **params: Any) -> BaseWrapper:
        """Sets parameters; a name with a routing prefix (`model__units`) is accepted even if new.

        Raises:
            ValueError: for a plain name that is neither a constructor nor a user parameter.
        """
        known = set(self._get_param_names())
        user = set(getattr(self, "_user_params", ()))
        for key, value in params.items():
            if key not in known and key not in user:
                if key.split("__", 1)[0] not in ROUTING_PREFIXES or "__" not in key:
                    raise ValueError(
                        f"Invalid parameter {key!r} for estimator {type(self).__name__}. Valid parameters are: "
                        f"{sorted(known | user)}, or any name with a routing prefix "
                        f"({', '.join(p + '__' for p in ROUTING_PREFIXES)}). Received: {key}={value!r}"
                    )
                user.add(key)
            setattr(self, key, value)
        if user:
            self._user_params = user
        return self

    # -- pieces of fit ------------------------------------------------------------------
    def _validate(self, X: Any, y: Any = None, reset: bool = True, **check: Any) -> Any:
        check.setdefault("dtype", ("float32", "float64"))
        check.setdefault("allow_nd", True)
        with_y = y is not None
        y = y if with_y else "no_validation"
        if _sk_validate_data is not None:
            out = _sk_validate_data(self, X, y, reset=reset, **check)
        else:  # pragma: no cover
            out = self._validate_data(X, y, reset=reset, **check)
        if reset and with_y:
            self.X_shape_ = (None, *out[0].shape[1:])
            self.X_dtype_ = out[0].dtype
        return out

    def _seed(self) -> None:
        """Seeds scratchnn (weights, shuffling, dropout) from `random_state`."""
        if self.random_state is None:
            return
        state = self.random_state
        seed = state if isinstance(state, (int, np.integer)) else check_random_state(state).randint(2**31 - 1)
        set_random_seed(int(seed))

    def _get_metadata(self) -> dict[str, Any]:
        """Fitted attributes passed to the build function as `meta`."""
        return {
            k: v
            for k, v in vars(self).items()
            if k.endswith("_") and not k.startswith("_") and k not in ("model_", "history_")
        }

    def _get_compile_kwargs(self, output_units: int | None = None) -> dict[str, Any]:
        """Compile arguments from the routed parameters, with optimizer and loss instantiated."""
        params = self.get_params()
        kwargs = route_params(params, "compile", self._compile_kwargs)
        kwargs["optimizer"] = make_optimizer(
            kwargs.get("optimizer", "rmsprop"), route_params(params, "optimizer", ())
        )
        loss = kwargs.get("loss")
        if loss is None:
            loss = self._default_loss(output_units)
        kwargs["loss"] = make_loss(loss, route_params(params, "loss", ()))
        return kwargs

    def _default_loss(self, output_units: int | None) -> Any:
        return None

    def _build_keras_model(self, X: Any) -> Any:
        build = self.model if self.model is not None else getattr(self, "_keras_build_fn", None)
        if build is None:
            raise ValueError(
                f"{type(self).__name__} needs a model: pass a function that builds a scratchnn model, or a "
                "Model instance. Received: model=None"
            )
        if isinstance(build, Model):
            model = clone_compiled_model(build)
        elif callable(build):
            model = build(**self._build_params(build))
        else:
            raise TypeError(f"`model` must be a callable or a scratchnn Model. Received: model={build!r}")
        if not isinstance(model, Model):
            raise TypeError(
                f"The model-building function must return a scratchnn Model. Received: {type(model).__name__}"
            )
        self._output_units_ = _output_units(model, X)
        if not model.compiled:
            model.compile(**self._get_compile_kwargs(self._output_units_))
        return model

    def _build_params(self, build: Any) -> dict[str, Any]:
        params = self.get_params()
        user = {k for k in getattr(self, "_user_params", ()) if "__" not in k and has_param(build, k)}
        kwargs = route_params(params, "model", user)
        if has_param(build, "meta"):
            kwargs["meta"] = self._get_metadata()
        if has_param(build, "compile_kwargs"):
            kwargs["compile_kwargs"] = self._get_compile_kwargs()
        if has_param(build, "params"):
            kwargs["params"] = params
        return kwargs

    def _fit_params(self, n: int, overrides: dict[str, Any]) -> dict[str, Any]:
        params = self.get_params()
        kwargs = route_params(params, "fit", self._fit_kwargs - {"sample_weight", "class_weight"})
        kwargs.update(overrides)
        if kwargs.get("batch_size") == -1:
            kwargs["batch_size"] = n
        callbacks = make_callbacks(params.get("callbacks"), route_params(params, "callbacks", ()))
        kwargs["callbacks"] = callbacks + list(kwargs.pop("callbacks", None) or [])
        return kwargs

    # -- the estimator API -----------------------------------------------------------
    def fit(self, X: Any, y: Any, sample_weight: Any = None, **kwargs: Any) -> BaseWrapper:
        """Builds (unless warm-starting), compiles and trains the model.

        Args:
            X: features, shape (n_samples, n_features) (or (n_samples, ...) for
                image models).
            y: targets, shape (n_samples,) (or (n_samples, n_outputs) for a regressor).
            sample_weight: (n_samples,) weights of the samples in the loss.
            **kwargs: `Model.fit` arguments overriding the routed ones (e.g. epochs=3).

        Returns:
            self, with `model_`, `history_`, `n_features_in_` (and `classes_` for a classifier).

        Raises:
            ValueError: for NaN/inf or empty data, or a classifier target with one class.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None. Received: y=None"
            )
        warm = bool(self.warm_start) and hasattr(self, "model_")
        X, y = self._validate(X, y, reset=not warm, **self._target_check())
        y = self._check_target(y, reset=not warm)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            self._check_sample_weight_classes(y, sample_weight)
        self._seed()
        if not warm:
            self.model_ = self._build_keras_model(X)
            self.history_ = defaultdict(list)
        y_fit = self._encode_target(y)
        with worker_blas_limit():
            history = self.model_.fit(
                X, y_fit, sample_weight=sample_weight, **self._fit_params(len(X), kwargs)
            )
        for key, values in history.history.items():
            self.history_[key].extend(values)
        return self

    def _target_check(self) -> dict[str, Any]:
        return {}

    def _check_target(self, y: Any, reset: bool) -> Any:
        return y

    def _encode_target(self, y: Any) -> Any:
        return y

    def _check_sample_weight_classes(self, y: Any, sample_weight: Any) -> None:
        pass

    def _predict_raw(self, X: Any, **kwargs: Any) -> Any:
        check_is_fitted(self, "model_")
        X = self._validate(X, reset=False)
        params = {**route_params(self.get_params(), "predict", self._predict_kwargs), **kwargs}
        if params.get("batch_size") == -1:
            params["batch_size"] = len(X)
        with worker_blas_limit():
            return self.model_.predict(X, **params)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy (classifier) or R² (regressor) of `predict(X)` against `y`; `score__` params go to the scorer."""
        y_pred = self.predict(X)
        extra = route_params(self.get_params(), "score", ())
        return float(self.scorer(y, y_pred, sample_weight=sample_weight, **extra))

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")


def _output_units(model: Any, X: Any) -> int:
    """Width of the model's (single) output, found with one forward pass on one sample."""
    out = model.predict(X[:1], verbose=0)
    if isinstance(out, (list, tuple, dict)):
        return 0
    return int(out.shape[-1]) if out.ndim > 1 else 1
