"""Loss objects: sample weights, reductions, and a Keras-style class for each loss function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn import backend, ops
from scratchnn.losses import functions
from scratchnn.losses.functions import _same_rank
from scratchnn.ops.tensor import Tensor
from scratchnn.utils.naming import to_snake_case

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def reduce_weighted_values(
    values: Tensor, sample_weight: Any = None, reduction: str | None = "sum_over_batch_size", mask: Any = None
) -> Tensor:
    """Applies `sample_weight` (and a mask) to per-sample `values`, then the reduction.

    "sum_over_batch_size" divides the weighted sum by the number of values
    (not by the sum of the weights), as Keras 3 does.

    Args:
        values: per-sample (or per-timestep) losses, e.g. (N,) or (N, T).
        sample_weight: broadcastable weights, or None.
        reduction: "sum_over_batch_size"/"mean", "sum", "mean_with_sample_weight" or None.
        mask: boolean array like `values` (the predictions' `_keras_mask`), or None. Masked-out
            entries get weight 0; for the mean reductions the valid ones get size / valid, so
            the loss is the mean over valid entries (keras/src/losses/loss.py `apply_mask`).
    """
    if mask is not None:
        sample_weight = _apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sw = ops.cast(ops.convert_to_tensor(sample_weight), values.dtype)
        values, sw = _same_rank(values, sw)
        values = ops.multiply(values, sw)
    if reduction in (None, "none") or values.ndim == 0:
        return values
    if sample_weight is None and reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        return ops.mean(values)  # the same value as sum / size, as one op on the tape
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(backend.to_numpy(ops.sum(sw).data))
    else:
        divisor = values.size
    return ops.divide(total, divisor) if divisor else ops.multiply(total, 0.0)


def _apply_mask(sample_weight: Any, mask: Any, dtype: str, reduction: str | None) -> Any:
    keep = backend.asarray(getattr(mask, "data", mask)).astype(bool)
    weights = keep.astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = int(keep.sum())
        weights *= keep.size / valid if valid else 0.0
    if sample_weight is None:
        return weights
    sw = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
    mask_t, sw = _same_rank(ops.convert_to_tensor(weights), sw)
    return ops.multiply(sw, mask_t)


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: display name.
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight" or "none".
        dtype: compute dtype (default floatx()).
    """

    def __init__(
        self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype: Any = None
    ) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {_REDUCTIONS}. "
                f"Received: reduction={reduction!r}"
            )
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        mask = getattr(y_pred, "_keras_mask", None)
        return reduce_weighted_values(self.call(y_true, y_pred), sample_weight, self.reduction, mask)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)


class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` as a Loss."""

    def __init__(
        self,
        fn: Callable[..., Tensor],
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", str(self.fn))
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        if cls is LossFunctionWrapper:
            # The family table (losses/__init__.py) imports this module: the cycle losses/loss.py <->
            # losses/__init__.py, closed here at call time.
            from scratchnn.losses import get

            config = dict(config)
            config["fn"] = get(config["fn"])
        return cls(**config)


def _loss_class(
    fn: Callable[..., Tensor], class_name: str, default_name: str, params: dict[str, Any]
) -> type:
    """Makes a Keras-style Loss class for `fn` whose constructor takes `params` (with defaults)."""

    def __init__(
        self,
        *args: Any,
        reduction: str | None = "sum_over_batch_size",
        name: str = default_name,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        values = dict(params)
        for key, value in zip(params, args):
            values[key] = value
        unknown = set(kwargs) - set(params)
        if unknown:
            raise TypeError(
                f"{class_name} got unexpected keyword arguments {sorted(unknown)}. Valid: {sorted(params)}"
            )
        values.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype, **values)

    cls = type(
        class_name,
        (LossFunctionWrapper,),
        {"__init__": __init__, "__doc__": f"Loss class for `{fn.__name__}`:\n\n{fn.__doc__}"},
    )
    cls.__module__ = __name__
    return cls


SparseCategoricalCrossentropy = _loss_class(
    functions.sparse_categorical_crossentropy,
    "SparseCategoricalCrossentropy",
    "sparse_categorical_crossentropy",
    {"from_logits": False, "ignore_class": None, "axis": -1},
)
CategoricalCrossentropy = _loss_class(
    functions.categorical_crossentropy,
    "CategoricalCrossentropy",
    "categorical_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
)
BinaryCrossentropy = _loss_class(
    functions.binary_crossentropy,
    "BinaryCrossentropy",
    "binary_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
)
MeanSquaredError = _loss_class(functions.mean_squared_error, "MeanSquaredError", "mean_squared_error", {})
MeanAbsoluteError = _loss_class(functions.mean_absolute_error, "MeanAbsoluteError", "mean_absolute_error", {})
MeanAbsolutePercentageError = _loss_class(
    functions.mean_absolute_percentage_error,
    "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error",
    {},
)
MeanSquaredLogarithmicError = _loss_class(
    functions.mean_squared_logarithmic_error,
    "MeanSquaredLogarithmicError",
    "mean_squared_logarithmic_error",
    {},
)
Huber = _loss_class(functions.huber, "Huber", "huber_loss", {"delta": 1.0})
LogCosh = _loss_class(functions.log_cosh, "LogCosh", "log_cosh", {})
Hinge = _loss_class(functions.hinge, "Hinge", "hinge", {})
SquaredHinge = _loss_class(functions.squared_hinge, "SquaredHinge", "squared_hinge", {})
CategoricalHinge = _loss_class(functions.categorical_hinge, "CategoricalHinge", "categorical_hinge", {})
KLDivergence = _loss_class(functions.kl_divergence, "KLDivergence", "kl_divergence", {})
Poisson = _loss_class(functions.poisson, "Poisson", "poisson", {})
CosineSimilarity = _loss_class(
    functions.cosine_similarity, "CosineSimilarity", "cosine_similarity", {"axis": -1}
)
