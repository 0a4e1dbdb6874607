"""compile / fit / evaluate / predict (keras/src/trainers/trainer.py and backend trainers).

The seams are Keras's, so code written for "Customizing what happens in fit()" runs
unchanged: `fit` calls `train_step(data)` once per batch, where `data` is packed as
Keras packs it (`x`, `(x, y)` or `(x, y, sample_weight)`), and logs what it returns;
the default `train_step` is forward pass, `compute_loss`, loss tracker, the optimizer's
update, `compute_metrics`. `evaluate` calls `test_step(data)`, `predict` calls
`predict_step(data)`.

The data can be arrays, a `scratchnn.data.Dataset`, a `keras.utils.PyDataset` or a
generator; trainers/data_adapters turns each into epochs of batches. Arrays are converted
to backend arrays once per call, so a step only gathers its batch with one `take` per
array. The tape is dropped at the end of each step, so memory grows with the batch, not
with the dataset.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from scratchnn import ops
from scratchnn import optimizers as optimizers_module
from scratchnn.layers.input_spec import adjust_input_rank, assert_input_compatibility
from scratchnn.layers.layer import any_added_losses
from scratchnn.metrics import Mean
from scratchnn.ops.tensor import Tensor, no_grad
from scratchnn.trainers import data as data_utils
from scratchnn.trainers.compile_utils import CompileLoss, CompileMetrics, to_output_list
from scratchnn.trainers.epoch_loops import EpochLoops
from scratchnn.trainers.single_batch import SingleBatchMethods
from scratchnn.utils import tree


class Trainer(EpochLoops, SingleBatchMethods):
    """Mixin giving a Model Keras's training API.

    This class holds the seams a user overrides (Keras's trainer.py): `compile`, the
    metrics, `compute_loss`, `compute_metrics` and the steps `train_step`, `test_step`,
    `predict_step`. The loops over the data (`fit`, `evaluate`, `predict`) are in
    `EpochLoops` (trainers/epoch_loops.py) and `train_on_batch` & co. in
    `SingleBatchMethods` (trainers/single_batch.py).
    """

    # -- compile -------------------------------------------------------------
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: Any = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configures the model for training.

        Args:
            optimizer: name ("sgd", "adam", ...) or Optimizer instance.
            loss: name, function or Loss; a list or dict for several outputs.
            loss_weights: scalar per output (list or dict).
            metrics: list of names/functions/Metric objects, or a dict per output.
            weighted_metrics: metrics that also receive the sample weights.
        """
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self.loss_weights = loss_weights
        self._compile_args = {"metrics": metrics, "weighted_metrics": weighted_metrics}
        self._compile_config = {
            "optimizer": optimizer if isinstance(optimizer, str) else None,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._output_loss_trackers = []
        self.compiled = True
        self.stop_training = False

    def _require_compiled(self) -> None:
        if not getattr(self, "compiled", False):
            raise ValueError(
                "You must call `compile()` before using the model: e.g. "
                "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy', metrics=['accuracy'])."
            )

    def _output_names(self) -> list[str]:
        names = getattr(self, "output_names", None) or getattr(self, "_inferred_output_names", None)
        return list(names or ["output"])

    def _symbolic_build(self, x: Any, y: Any = None) -> None:
        """Builds the model, the compiled loss and the compiled metrics from one sample.

        Keras builds them before the first step too (trainer.py `_symbolic_build`), so a
        custom `train_step` that loops over `self.metrics` sees the compiled metrics from
        the first batch. One sample is run forward in inference mode: it creates the
        weights (as the first step would, before any shuffling draws) and gives the
        prediction shapes that "accuracy" is resolved from. A subclassed model's outputs
        are named from it: a tuple of n outputs "output_1" ... "output_n" (Keras 2's names),
        a dict its keys.
        """
        if getattr(self, "_compile_loss", None) is not None:
            return
        sample = y_pred = None
        needs_outputs = (
            not getattr(self, "output_names", None) and getattr(self, "_inferred_output_names", None) is None
        )
        if x is not None and (needs_outputs or not self.built or self._wants_metrics()):
            sample = data_utils.take(x, slice(0, 1))
            with no_grad():
                y_pred = self(sample, training=False)
            if needs_outputs:
                if isinstance(y_pred, dict):
                    self._inferred_output_names = list(y_pred)
                elif isinstance(y_pred, (list, tuple)) and len(y_pred) > 1:
                    self._inferred_output_names = [f"output_{i + 1}" for i in range(len(y_pred))]
                else:
                    self._inferred_output_names = []
        names = self._output_names()
        self._compile_loss = CompileLoss(self.loss, self.loss_weights, names)
        self._compile_metrics = CompileMetrics(
            self._compile_args["metrics"], self._compile_args["weighted_metrics"], names
        )
        self._loss_tracker = Mean(name="loss")
        self._output_loss_trackers = [Mean(name=f"{n}_loss") for n in names] if len(names) > 1 else []
        if y_pred is not None and y is not None and self._wants_metrics():
            ys = self._as_output_list(data_utils.take(y, slice(0, 1)))
            self._compile_metrics.build(ys, self._as_output_list(y_pred))

    def _wants_metrics(self) -> bool:
        args = getattr(self, "_compile_args", {})
        return bool(args.get("metrics") or args.get("weighted_metrics"))

    # -- metrics -----------------------------------------------------------------
    @property
    def metrics(self) -> list[Any]:
        """The loss tracker, the compiled metrics (one `CompileMetrics`), the per-output loss
        trackers, then the Metric objects assigned as attributes of the model or its layers
        (Keras 3's order)."""
        out = []
        if getattr(self, "_loss_tracker", None) is not None:
            out.append(self._loss_tracker)
            if self._wants_metrics():
                out.append(self._compile_metrics)
            out.extend(self._output_loss_trackers)
        tracked = self.__dict__.get("_tracked_metrics_cache")  # fixed for the duration of a fit
        if tracked is None:
            tracked = [m for layer in (self, *self._flatten_layers()) for m in layer._tracked_metrics]
        for metric in tracked:
            if all(metric is not m for m in out):
                out.append(metric)
        return out

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """Resets the state of every metric in `self.metrics` (called at each epoch's start)."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict[str, Any]:
        """The current result of every metric in `self.metrics`, by name."""
        out: dict[str, Any] = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    def _get_metrics_result_or_logs(self, logs: Any) -> Any:
        """The model's metric results when `logs` has their keys, else `logs` (a custom step's).

        Keras 3 (trainer.py) takes the epoch's logs from the metrics, so the last step's
        logs of a default step are never stale; a custom step returning other keys keeps them.
        """
        metric_logs = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(metric_logs):
            return metric_logs
        return logs if logs is not None else metric_logs

    # -- structure helpers -----------------------------------------------------
    def _as_output_list(self, data: Any) -> list[Any]:
        """Targets / predictions / sample weights as one entry per output."""
        return to_output_list(data, self._output_names())

    def _prepare(self, x: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
        dtype = self.dtype
        x = data_utils.map_structure(lambda a: data_utils.to_backend(a, dtype, "x", cast_ints=True), x)
        y = data_utils.map_structure(lambda a: data_utils.to_backend(a, dtype, "y", cast_ints=False), y)
        sample_weight = data_utils.map_structure(
            lambda a: data_utils.to_backend(a, dtype, "sample_weight", cast_ints=True), sample_weight
        )
        data_utils.num_samples(x, y, sample_weight)
        data_utils.check_sample_weight(sample_weight, y)
        x = self._conform_input(x)
        return x, y, sample_weight

    def _prepare_inputs(self, x: Any, y: Any = None, sample_weight: Any = None) -> tuple[Any, Any, Any]:
        """`predict`'s conversion: the inputs only, without the NaN scan (a NaN just gives NaN outputs)."""
        x = data_utils.map_structure(
            lambda a: data_utils.to_backend(a, self.dtype, "x", cast_ints=True, check_finite=False), x
        )
        return self._conform_input(x), y, sample_weight

    def _class_counter(self) -> Any:
        """A function `x -> the class count of the first output`, for `class_weight`.

        The count is the first output's width (2 for a width-1 sigmoid output), read
        from one sample run forward the first time the function is called, so a key
        outside the classes is refused even when the labels at hand do not reach it,
        and a stream of batches costs one such forward per call of `fit`.
        """
        count: list[int] = []

        def num_classes(x: Any) -> int:
            if not count:
                with no_grad():
                    first = self._as_output_list(self(data_utils.take(x, slice(0, 1)), training=False))[0]
                count.append(max(int(first.shape[-1]) if first.ndim > 1 else 1, 2))
            return count[0]

        return num_classes

    def _class_weights(self, x: Any, y: Any, class_weight: Any) -> Any:
        """`class_weight` as per-sample weights of the first output's targets (see `_class_counter`)."""
        return data_utils.class_weights_to_sample_weights(
            self._as_output_list(y)[0], class_weight, num_classes=self._class_counter()(x)
        )

    def _conform_input(self, x: Any) -> Any:
        """`x` fitted to the model's input shape, once for the whole data.

        The check is the one `Layer.__call__` runs on every call (`input_spec`), run here
        first so a wrong input fails before the first batch; then the last size-1 axis is
        added or dropped as Keras does, once instead of per batch.
        """
        spec = self.input_spec
        if spec is None or not hasattr(x, "shape"):
            return x
        specs = tree.flatten(spec)
        if len(specs) != 1 or specs[0].shape is None:
            return x
        assert_input_compatibility(specs[0], x, self.name)
        return adjust_input_rank(x, specs[0].shape) if len(x.shape) != len(specs[0].shape) else x

    # -- losses --------------------------------------------------------------------
    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Tensor | None:
        """The total loss of a batch: the compiled loss(es) plus every `add_loss` term and
        weight penalty in `self.losses` (Keras's `Model.compute_loss`).

        Args:
            x: the inputs (unused here; overrides may use them).
            y: the targets.
            y_pred: the model's outputs for `x`.
            sample_weight: per-sample weights of the loss.
            training: whether the step trains (True) or evaluates.

        Returns:
            A scalar Tensor, or None when evaluating a model compiled without a loss.

        Raises:
            ValueError: when training and there is nothing to minimize.
        """
        total = None
        if self._compile_loss is not None:
            preds = self._as_output_list(y_pred)
            sws = self._as_output_list(sample_weight) if sample_weight is not None else [None] * len(preds)
            total, parts = self._compile_loss(self._as_output_list(y), preds, sws)
            for tracker, part in zip(self._output_loss_trackers, parts):
                if part is not None:
                    tracker.update_state(float(part.data), sample_weight=data_utils.batch_len(y_pred))
        if self._may_have_extra_losses():
            for term in self.losses:
                term = ops.sum(term) if term.ndim else term
                total = term if total is None else ops.add(total, term)
        if total is None and training:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _compute_loss(self, x: Any, y: Any, y_pred: Any, sample_weight: Any, training: bool) -> Any:
        # Overrides written before Keras 3.3 have no `training` argument (Keras's own shim).
        takes_training = self.__dict__.get("_compute_loss_takes_training")
        if takes_training is None:
            takes_training = "training" in inspect.signature(self.compute_loss).parameters
            self.__dict__["_compute_loss_takes_training"] = takes_training
        if takes_training:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _may_have_extra_losses(self) -> bool:
        """Whether `self.losses` can be non-empty: a layer holds `add_loss` terms, or a weight
        has a regularizer (that part is cached for the duration of a fit)."""
        if any_added_losses():
            return True
        cached = getattr(self, "_weight_penalties_cache", None)
        if cached is not None:
            return cached
        return any(v.regularizer is not None for v in self.weights)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict[str, Any]:
        """Updates the compiled metrics with a batch and returns `get_metrics_result()`."""
        if self._compile_metrics is not None and y is not None and self._wants_metrics():
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # -- steps -------------------------------------------------------------------
    def train_step(self, data: Any) -> dict[str, Any]:
        """One optimizer update on one batch; returns the logs (Keras's `train_step`).

        Args:
            data: `x`, `(x, y)` or `(x, y, sample_weight)` as `fit` packs a batch.
        """
        x, y, sample_weight = data_utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(float(loss.data), sample_weight=data_utils.batch_len(x))
        variables = getattr(self, "_trainable_cache", None) or self.trainable_weights
        if variables:
            self.optimizer._minimize(loss, variables)
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict[str, Any]:
        """Updates the loss tracker and metrics on one batch without training; returns the logs."""
        x, y, sample_weight = data_utils.unpack_x_y_sample_weight(data)
        with no_grad():
            y_pred = self(x, training=False)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        if loss is not None:
            self._loss_tracker.update_state(float(loss.data), sample_weight=data_utils.batch_len(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        """The model's outputs on one batch (`data` is `x`, or a tuple whose first item is x)."""
        x, _, _ = data_utils.unpack_x_y_sample_weight(data)
        return self(x, training=False)
