"""Helpers of the scikit-learn wrappers: parameter routing and building compile arguments.

The routing follows SciKeras's (`scikeras/_utils.py`, docs `advanced.rst`): a
parameter named `destination__name` goes to `destination` as `name`; a plain
parameter goes to a destination only when that destination's whitelist holds it.
"""

from __future__ import annotations

import inspect
from typing import Any

from scratchnn import losses, optimizers
from scratchnn.saving.serialization import deserialize_layer, serialize_layer

# Prefixes a parameter may carry; `model__units` goes to the build function as `units`.
ROUTING_PREFIXES = ("model", "fit", "predict", "compile", "optimizer", "loss", "callbacks", "score")

# Short loss names whose class name is not their CamelCase (keras/src/losses/__init__.py aliases).
_LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence",
    "huber_loss": "huber",
    "logcosh": "log_cosh",
}


def route_params(params: dict[str, Any], destination: str, pass_filter: Any) -> dict[str, Any]:
    """Parameters meant for `destination`, with the prefix removed.

    Args:
        params: all parameters, e.g. `estimator.get_params()`.
        destination: "model", "fit", "compile", ...
        pass_filter: plain (unprefixed) names that also go to `destination`.

    Returns:
        A dict; a prefixed name overrides the same plain name.

    Example:
        >>> route_params({"epochs": 3, "fit__epochs": 5, "model__units": 8}, "fit", {"epochs"})
        {'epochs': 5}
    """
    prefix = destination + "__"
    plain = {k: v for k, v in params.items() if "__" not in k and k in pass_filter}
    routed = {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}
    return {**plain, **routed}


def has_param(fn: Any, name: str) -> bool:
    """Whether `fn` declares an argument called `name` (not counting **kwargs)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params and params[name].kind not in (
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    )


def make_optimizer(optimizer: Any, params: dict[str, Any]) -> Any:
    """An Optimizer from a name, class or instance, with `optimizer__` params applied.

    Raises:
        TypeError: if `optimizer` is none of these.
    """
    if isinstance(optimizer, type) and issubclass(optimizer, optimizers.Optimizer):
        return optimizer(**params)
    if isinstance(optimizer, str):
        return type(optimizers.get(optimizer))(**params)
    if isinstance(optimizer, optimizers.Optimizer):
        # A fresh copy: the same instance must not be shared by two fitted wrappers (clone()).
        return type(optimizer).from_config({**optimizer.get_config(), **params})
    raise TypeError(
        "`optimizer` must be an optimizer name, an Optimizer class or an Optimizer instance. "
        f"Received: optimizer={optimizer!r}"
    )


def make_loss(loss: Any, params: dict[str, Any]) -> Any:
    """A loss from a name, function, class or instance, with `loss__` params applied.

    With no params the value is returned as given (compile resolves it). A
    string with params becomes the matching Loss class ("categorical_crossentropy"
    -> CategoricalCrossentropy(**params)).
    """
    if isinstance(loss, type) and issubclass(loss, losses.Loss):
        return loss(**params)
    if not params:
        return loss
    if isinstance(loss, str):
        name = _LOSS_ALIASES.get(loss, loss)
        class_name = name if name[:1].isupper() else "".join(part.title() for part in name.split("_"))
        class_name = class_name.replace("Kl", "KL")
        return losses.deserialize({"class_name": class_name, "config": params})
    if isinstance(loss, losses.Loss):
        return type(loss).from_config({**loss.get_config(), **params})
    raise TypeError(
        f"`loss__` parameters {sorted(params)} need a loss name, Loss class or Loss instance. Received: loss={loss!r}"
    )


def make_callbacks(callbacks: Any, params: dict[str, Any]) -> list[Any]:
    """Callback instances from `callbacks` (an instance, class, list or dict of them).

    A class is instantiated with its routed parameters: `callbacks__0__patience`
    (by position), `callbacks__stop__patience` (by dict key) or, for a single
    callback, `callbacks__patience`.
    """
    if callbacks is None:
        return []
    single = not isinstance(callbacks, (list, tuple, dict))
    items = {"0": callbacks} if single else (
        {str(k): v for k, v in callbacks.items()} if isinstance(callbacks, dict)
        else {str(i): v for i, v in enumerate(callbacks)}
    )  # fmt: skip
    out = []
    for key, cb in items.items():
        own = route_params(params, key, pass_filter=set())
        if single:
            own = {**{k: v for k, v in params.items() if "__" not in k}, **own}
        if isinstance(cb, type):
            out.append(cb(**own))
        else:
            for name, value in own.items():
                setattr(cb, name, value)
            out.append(cb)
    return out


def is_categorical_crossentropy(loss: Any) -> bool:
    """Whether `loss` (name, function, class or instance) is categorical cross-entropy (one-hot targets)."""
    if loss in ("categorical_crossentropy", "CategoricalCrossentropy"):
        return True
    if loss is losses.categorical_crossentropy or loss is losses.CategoricalCrossentropy:
        return True
    if isinstance(loss, losses.CategoricalCrossentropy):
        return True
    fn = getattr(loss, "fn", None)
    return fn is losses.categorical_crossentropy


def clone_compiled_model(model: Any) -> Any:
    """A copy of `model` with freshly initialised weights, compiled like the original.

    Like `keras.models.clone_model` followed by `compile(**compile_config)`:
    the architecture comes from the config (new random weights), the optimizer
    from its config (no slot state).
    """
    clone = deserialize_layer(serialize_layer(model))
    if getattr(model, "compiled", False):
        config = dict(getattr(model, "_compile_config", {}) or {})
        config.pop("steps_per_execution", None)
        config["optimizer"] = optimizers.deserialize(optimizers.serialize(model.optimizer))
        clone.compile(**config)
    return clone
