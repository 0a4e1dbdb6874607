"""compile / fit / evaluate / predict (keras/src/trainers/trainer.py and backend trainers).

One training step: gather the batch, run the model forward with the tape on,
sum the compiled loss and the layers' regularization losses, differentiate
with respect to the trainable variables, let the optimizer update them in
place and project them onto their constraints, update the metrics. The tape is dropped at the end
of the step, so memory grows with the batch, not with the dataset.
"""

from __future__ import annotations

import time
from typing import Any

from scratchnn import optimizers as optimizers_module
from scratchnn.backend import xp
from scratchnn.callbacks import CallbackList
from scratchnn.ops.tensor import Tensor, gradient, no_grad
from scratchnn.trainers import data as data_utils
from scratchnn.trainers.compile_utils import CompileLoss, CompileMetrics


class Trainer:
    """Mixin giving a Model Keras's training API."""

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

    def _infer_output_names(self, x: Any) -> None:
        """Names the outputs of a subclassed model from one forward pass on one sample.

        A tuple/list of n outputs gives "output_1" ... "output_n" (Keras 2's names;
        Keras 3 derives odd keys such as "mse_loss" there); a dict output its keys.
        """
        if getattr(self, "output_names", None) or getattr(self, "_inferred_output_names", None) is not None:
            return
        with no_grad():
            out = self(data_utils.take(x, slice(0, 1)), training=False)
        if isinstance(out, dict):
            self._inferred_output_names = list(out)
        elif isinstance(out, (list, tuple)) and len(out) > 1:
            self._inferred_output_names = [f"output_{i + 1}" for i in range(len(out))]
        else:
            self._inferred_output_names = []

    def _ensure_compiled_objects(self, x: Any = None) -> None:
        if self._compile_loss is None:
            if x is not None:
                self._infer_output_names(x)
            names = self._output_names()
            self._compile_loss = CompileLoss(self.loss, self.loss_weights, names)
            self._compile_metrics = CompileMetrics(
                self._compile_args["metrics"], self._compile_args["weighted_metrics"], names
            )
            from scratchnn.metrics import Mean

            self._loss_tracker = Mean(name="loss")
            self._output_loss_trackers = [Mean(name=f"{n}_loss") for n in names] if len(names) > 1 else []

    @property
    def metrics(self) -> list[Any]:
        """The loss tracker and the compiled metric objects (after the first batch)."""
        if getattr(self, "_compile_metrics", None) is None:
            return []
        return [self._loss_tracker, *self._output_loss_trackers, *self._compile_metrics.metric_objects()]

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    # -- structure helpers -----------------------------------------------------
    def _as_output_list(self, data: Any) -> list[Any]:
        """Targets / predictions / sample weights as one entry per output."""
        names = self._output_names()
        if len(names) == 1:
            if (
                isinstance(data, (list, tuple))
                and len(data) == 1
                and not data_utils._is_array_like_list(data)
            ):
                return [data[0]]
            if isinstance(data, dict) and len(data) == 1:
                return list(data.values())
            return [data]
        if isinstance(data, dict):
            return [data.get(n) for n in names]
        if data is None:
            return [None] * len(names)
        if not isinstance(data, (list, tuple)) or len(data) != len(names):
            raise ValueError(
                f"The model has {len(names)} outputs ({names}); pass targets as a list of {len(names)} arrays "
                "or a dict keyed by output name."
            )
        return list(data)

    def _prepare(self, x: Any, y: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
        dtype = self.dtype
        x = data_utils.map_structure(lambda a: data_utils.to_backend(a, dtype, "x", cast_ints=True), x)
        y = data_utils.map_structure(lambda a: data_utils.to_backend(a, dtype, "y", cast_ints=False), y)
        sample_weight = data_utils.map_structure(
            lambda a: data_utils.to_backend(a, dtype, "sample_weight", cast_ints=True), sample_weight
        )
        data_utils.num_samples(x, y, sample_weight)
        self._check_input_shape(x)
        return x, y, sample_weight

    def _check_input_shape(self, x: Any) -> None:
        """Raises a clear error when the data does not fit the model's declared input shape."""
        expected = getattr(self, "_expected_input_shape", lambda: None)()
        if expected is None or not hasattr(x, "shape"):
            return
        got = tuple(x.shape)
        if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected[1:], got[1:])):
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected shape='
                f"{tuple(expected)}, found shape={got}"
            )

    # -- steps -------------------------------------------------------------------
    def _forward_loss(
        self, x: Any, y: Any, sw: Any, training: bool
    ) -> tuple[Any, list[Any], Tensor | None, list[Any]]:
        y_pred = self(x, training=training)
        preds = self._as_output_list(y_pred)
        ys = self._as_output_list(y)
        sws = self._as_output_list(sw) if sw is not None else [None] * len(preds)
        total, parts = self._compile_loss(ys, preds, sws)
        extra = self.losses if self._may_have_extra_losses() else None
        if extra:
            from scratchnn import ops

            reg = extra[0]
            for term in extra[1:]:
                reg = ops.add(reg, term)
            total = reg if total is None else ops.add(total, reg)
        return preds, ys, total, parts

    def _may_have_extra_losses(self) -> bool:
        """Whether any layer has a regularizer (cached for the duration of a fit)."""
        cached = getattr(self, "_extra_losses_cache", None)
        if cached is not None:
            return cached
        layers = [self, *self._flatten_layers()]
        return any(layer.activity_regularizer is not None for layer in layers) or any(
            v.regularizer is not None for v in self.weights
        )

    def _update_trackers(
        self, total: Tensor | None, parts: list[Any], preds: list[Any], ys: list[Any], sws: Any, n: int
    ) -> None:
        if total is not None:
            self._loss_tracker.update_state(float(total.data), sample_weight=n)
        for tracker, part in zip(self._output_loss_trackers, parts):
            if part is not None:
                tracker.update_state(float(part.data), sample_weight=n)
        sw_list = self._as_output_list(sws) if sws is not None else [None] * len(preds)
        self._compile_metrics.update(ys, [p.data for p in preds], sw_list)

    def train_step(self, x: Any, y: Any, sample_weight: Any = None) -> None:
        """One optimizer update on one batch (arrays already converted)."""
        preds, ys, total, parts = self._forward_loss(x, y, sample_weight, training=True)
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        variables = getattr(self, "_trainable_cache", None) or self.trainable_weights
        step_size = self.optimizer.plain_step_size()
        if step_size is None:
            self.optimizer.apply(gradient(total, variables), variables)
        else:
            # Plain SGD: seeding the backward pass with the learning rate gives lr * dL/dw
            # directly (the scale rides on multiplications the backward does anyway), so
            # the update needs no lr * g temporary.
            seed = xp.full(total.data.shape, step_size, dtype=total.data.dtype)
            self.optimizer.apply_scaled(gradient(total, variables, output_gradient=seed), variables)
        # Constraints were applied by the optimizer, right after its update.
        self._update_trackers(total, parts, preds, ys, sample_weight, data_utils.batch_len(x))

    def test_step(self, x: Any, y: Any, sample_weight: Any = None) -> None:
        """Updates the loss and metrics on one batch without training."""
        with no_grad():
            preds, ys, total, parts = self._forward_loss(x, y, sample_weight, training=False)
        self._update_trackers(total, parts, preds, ys, sample_weight, data_utils.batch_len(x))

    def _logs(self) -> dict[str, float]:
        logs = {"loss": float(self._loss_tracker.result())}
        for tracker in self._output_loss_trackers:
            logs[tracker.name] = float(tracker.result())
        logs.update(self._compile_metrics.results())
        return dict(sorted(logs.items()))

    def _reset_metrics(self) -> None:
        self._loss_tracker.reset_state()
        for tracker in self._output_loss_trackers:
            tracker.reset_state()
        self._compile_metrics.reset()

    # -- fit -----------------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: Any = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: dict[int, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> Any:
        """Trains the model for `epochs` epochs; returns a History.

        Args:
            x: inputs (array, or list/dict of arrays for several inputs), shape (N, ...).
            y: targets, (N,) integer labels or (N, K) one-hot / values.
            batch_size: samples per update (default 32).
            epochs: index of the last epoch (training runs from `initial_epoch`).
            verbose: "auto"/1 progress bar, 2 one line per epoch, 0 silent.
            callbacks: list of Callback objects.
            validation_split: fraction of the data (the last samples) held out.
            validation_data: (x_val, y_val) or (x_val, y_val, sample_weight_val).
            shuffle: reshuffle the training data every epoch.
            class_weight: {class: weight}, turned into sample weights.
            sample_weight: (N,) weights of the samples in the loss.

        Returns:
            A `History` whose `.history` maps "loss", metric names and their
            "val_" versions to one float per epoch.

        Raises:
            ValueError: before compile, for mismatched lengths, NaN/inf data, empty
                arrays, or inputs that do not fit the model.
        """
        self._require_compiled()
        if x is None:
            raise ValueError("fit() needs input data. Received: x=None")
        batch_size = data_utils.check_batch_size(batch_size)
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        if validation_data is None and validation_split:
            (x, y, sample_weight), val = data_utils.split_validation(x, y, sample_weight, validation_split)
            validation_data = val
        elif validation_data is not None:
            validation_data = self._prepare(*data_utils.unpack_validation(validation_data))
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("Pass either `class_weight` or `sample_weight`, not both.")
            sample_weight = data_utils.class_weights_to_sample_weights(
                self._as_output_list(y)[0], class_weight
            )
        n = data_utils.num_samples(x, y, sample_weight)
        steps = -(-n // batch_size)
        if steps_per_epoch is not None:
            steps = min(steps, int(steps_per_epoch))
        self._ensure_compiled_objects(x)
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=steps,
        )
        self.stop_training = False
        # The variable list and the regularizer check are fixed for the whole fit
        # (walking the layer tree every step would cost more than a small matmul).
        self._trainable_cache = None
        self._extra_losses_cache = None
        if self.built:
            self._trainable_cache = self.trainable_weights
            self._extra_losses_cache = self._may_have_extra_losses()
        cbs.on_train_begin()
        # A callback may move the start (BackupAndRestore resuming an interrupted fit).
        resume = getattr(self, "_initial_epoch", None)
        if resume is not None:
            initial_epoch = resume
            self._initial_epoch = None
        epoch_logs: dict[str, float] = {}
        started = time.perf_counter()
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            cbs.on_epoch_begin(epoch)
            for step, index in enumerate(data_utils.batch_indices(n, batch_size, shuffle, steps)):
                cbs.on_train_batch_begin(step)
                xb = data_utils.take(x, index)
                yb = data_utils.take(y, index)
                swb = data_utils.take(sample_weight, index)
                self.train_step(xb, yb, swb)
                if self._trainable_cache is None:  # the model was built by its first batch
                    self._trainable_cache = self.trainable_weights
                    self._extra_losses_cache = self._may_have_extra_losses()
                # The running logs cost a few conversions: build them only if a callback reads them.
                cbs.on_train_batch_end(
                    step, self._logs() if cbs.wants_batch_logs("on_train_batch_end") else None
                )
                if self.stop_training:
                    break
            epoch_logs = self._logs()
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_arrays(
                    *validation_data, batch_size=validation_batch_size or batch_size, steps=validation_steps
                )
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        self._last_fit_seconds = time.perf_counter() - started
        self._trainable_cache = None
        self._extra_losses_cache = None
        cbs.on_train_end(epoch_logs)
        return cbs.history

    # -- evaluate / predict ------------------------------------------------------
    def _evaluate_arrays(
        self, x: Any, y: Any, sw: Any, batch_size: int, steps: int | None = None, cbs: Any = None
    ) -> dict[str, float]:
        self._ensure_compiled_objects(x)
        self._reset_metrics()
        n = data_utils.num_samples(x, y, sw)
        for step, index in enumerate(data_utils.batch_indices(n, batch_size, False, steps)):
            if cbs is not None:
                cbs.on_test_batch_begin(step)
            self.test_step(data_utils.take(x, index), data_utils.take(y, index), data_utils.take(sw, index))
            if cbs is not None:
                cbs.on_test_batch_end(step, self._logs())
        return self._logs()

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """Loss and metrics on (x, y), computed in batches.

        Returns:
            [loss, metric1, ...] in compile order (a float when there are no
            metrics), or a dict when `return_dict=True`.
        """
        self._require_compiled()
        batch_size = data_utils.check_batch_size(batch_size)
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        n = data_utils.num_samples(x, y, sample_weight)
        n_steps = -(-n // batch_size) if steps is None else int(steps)
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=n_steps
        )
        cbs.on_test_begin()
        logs = self._evaluate_arrays(x, y, sample_weight, batch_size, steps, cbs)
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        ordered = [logs["loss"]] + [logs[k] for k in self._ordered_metric_keys() if k in logs and k != "loss"]
        return ordered[0] if len(ordered) == 1 else ordered

    def _ordered_metric_keys(self) -> list[str]:
        keys = [t.name for t in self._output_loss_trackers]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names = self._compile_metrics._names
            # Keras lists metrics whose log key is not the metric's own name (every
            # prefixed key of a multi-output model) in sorted order (trainer.py
            # `_flatten_metrics_in_order`).
            keys += sorted(names) if self._output_loss_trackers else names
        return keys

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = "auto",
        steps: int | None = None,
        callbacks: Any = None,
    ) -> Any:
        """Model outputs for `x`, computed in batches without the tape.

        Returns:
            A NumPy array (N, ...) (a list/dict of arrays for several outputs).
        """
        batch_size = data_utils.check_batch_size(batch_size)
        x = data_utils.map_structure(
            lambda a: data_utils.to_backend(a, self.dtype, "x", cast_ints=True, check_finite=False), x
        )
        n = data_utils.num_samples(x)
        self._check_input_shape(x)
        with no_grad():
            if n <= batch_size and steps is None and not callbacks:
                # One batch: skip the callback machinery entirely (single-image latency).
                return data_utils.to_numpy_structure(self(x, training=False))
            n_steps = -(-n // batch_size) if steps is None else int(steps)
            verbose = 1 if verbose == "auto" else int(verbose)
            cbs = CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1, steps=n_steps
            )
            cbs.on_predict_begin()
            outputs = []
            for step, index in enumerate(data_utils.batch_indices(n, batch_size, False, steps)):
                cbs.on_predict_batch_begin(step)
                out = self(data_utils.take(x, index), training=False)
                outputs.append(data_utils.to_numpy_structure(out))
                cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
            cbs.on_predict_end()
        return data_utils.concat_batches(outputs)

    # -- single-batch API ------------------------------------------------------------
    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Any = None,
        return_dict: bool = False,
    ) -> Any:
        """One update on one batch; returns the batch's loss (and metrics)."""
        self._require_compiled()
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = data_utils.class_weights_to_sample_weights(
                self._as_output_list(y)[0], class_weight
            )
        self._ensure_compiled_objects(x)
        self._reset_metrics()
        self.train_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """Loss (and metrics) on one batch without updating."""
        self._require_compiled()
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        self._ensure_compiled_objects(x)
        self._reset_metrics()
        self.test_step(x, y, sample_weight)
        return self._batch_result(return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for one batch as NumPy arrays."""
        x = data_utils.map_structure(
            lambda a: data_utils.to_backend(a, self.dtype, "x", cast_ints=True, check_finite=False), x
        )
        with no_grad():
            return data_utils.to_numpy_structure(self(x, training=False))

    def _batch_result(self, return_dict: bool) -> Any:
        logs = self._logs()
        if return_dict:
            return logs
        values = [logs["loss"]] + [logs[k] for k in self._ordered_metric_keys() if k in logs]
        return values[0] if len(values) == 1 else values
