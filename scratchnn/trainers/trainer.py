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
import time
import warnings
from typing import Any

from scratchnn import ops
from scratchnn import optimizers as optimizers_module
from scratchnn.backend import parallel
from scratchnn.callbacks import CallbackList
from scratchnn.callbacks.callback_list import pythonify_logs
from scratchnn.distribution import distribution_lib
from scratchnn.layers.input_layer import adjust_input_rank
from scratchnn.layers.layer import any_added_losses
from scratchnn.metrics import Mean
from scratchnn.ops.tensor import Tensor, no_grad
from scratchnn.trainers import data as data_utils
from scratchnn.trainers import data_adapters
from scratchnn.trainers.compile_utils import CompileLoss, CompileMetrics, to_output_list
from scratchnn.trainers.data_adapters import EpochIterator


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
        """`x` fitted to the model's declared input shape (a last size-1 axis added or dropped,
        as Keras does), or a clear error when it cannot fit."""
        expected = getattr(self, "_expected_input_shape", lambda: None)()
        if expected is None or not hasattr(x, "shape"):
            return x
        if len(x.shape) != len(expected):
            x = adjust_input_rank(x, tuple(expected))
        got = tuple(x.shape)
        if len(got) != len(expected) or any(e is not None and e != g for e, g in zip(expected[1:], got[1:])):
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected shape='
                f"{tuple(expected)}, found shape={got}"
            )
        return x

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
            x: inputs (array, or list/dict of arrays for several inputs), shape (N, ...);
                or a `tf.data`-style Dataset, a `keras.utils.PyDataset` or a generator
                yielding `(x, y)` / `(x, y, sample_weight)` batches (then no `y`,
                `sample_weight` or `batch_size`).
            y: targets, (N,) integer labels or (N, K) one-hot / values.
            batch_size: samples per update (default 32) for array data.
            epochs: index of the last epoch (training runs from `initial_epoch`).
            verbose: "auto"/1 progress bar, 2 one line per epoch, 0 silent.
            callbacks: list of Callback objects.
            validation_split: fraction of array data (the last samples) held out.
            validation_data: (x_val, y_val), (x_val, y_val, sample_weight), or a
                Dataset / PyDataset / generator.
            shuffle: reshuffle array data (and a PyDataset's batch order) every
                epoch; a Dataset shuffles itself.
            class_weight: {class: weight}, turned into sample weights.
            sample_weight: (N,) weights of the samples in the loss.
            steps_per_epoch: batches per epoch; as in Keras the pass over the data
                continues across epochs, so an infinite (`repeat()`) Dataset can train.
            validation_steps: batches per validation run (all of them by default).

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
        # With scratchnn's thread pool on, pin BLAS to one thread before the first GEMM, so a
        # dense network's products never run BLAS threads beside the pool's (backend/parallel.py).
        parallel.activate()
        train, validation = data_adapters.fit_adapters(
            x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight,
            validation_split, validation_data, validation_batch_size, self._prepare, self._class_counter(),
        )  # fmt: skip
        epoch_iterator = EpochIterator(train, steps_per_epoch)
        build_data = train.build_data()
        if build_data is not None:
            self._symbolic_build(*build_data)
        verbose = 1 if verbose == "auto" else int(verbose)
        replicas = self._data_parallel_replicas()
        if replicas is not None:  # a DataParallel distribution over several MPI ranks
            arrays = data_adapters.require_arrays(train, "A DataParallel fit")
            arrays.batch_indices = replicas.batches  # this rank's rows of each batch
            callbacks, verbose = replicas.start_fit(
                self, callbacks, verbose, arrays.size, arrays.batch_size, arrays.num_batches
            )
            if validation is not None:  # each rank validates its part of the rows
                validation = data_adapters.require_arrays(validation, "A DataParallel validation")
                validation = validation.subset(replicas.evaluation_rows(validation.size))
        cbs = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=epoch_iterator.num_batches,
        )
        self.stop_training = False
        # The variable list and the weight-penalty check are fixed for the whole fit
        # (walking the layer tree every step would cost more than a small matmul).
        self._trainable_cache = self.trainable_weights if self.built else None
        self._weight_penalties_cache = self._may_have_extra_losses() if self.built else None
        self._tracked_metrics_cache = [
            m for layer in (self, *self._flatten_layers()) for m in layer._tracked_metrics
        ]
        cbs.on_train_begin()
        # A callback may move the start (BackupAndRestore resuming an interrupted fit).
        resume = getattr(self, "_initial_epoch", None)
        if resume is not None:
            initial_epoch = resume
            self._initial_epoch = None
        if replicas is not None:  # every rank starts from rank 0's weights, optimizer state and epoch
            initial_epoch = replicas.after_train_begin(self, initial_epoch)
        wants_batch_logs = cbs.wants_batch_logs("on_train_batch_end")
        epoch_logs: dict[str, Any] = {}
        started = time.perf_counter()
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = None
            for step, data in epoch_iterator.enumerate_epoch():
                if self._compile_loss is None:  # streamed data: the model is built from its first batch
                    self._symbolic_build(*data_utils.unpack_x_y_sample_weight(data)[:2])
                cbs.on_train_batch_begin(step)
                logs = self.train_step(data)
                if self._trainable_cache is None:  # the model was built by its first batch
                    self._trainable_cache = self.trainable_weights
                    self._weight_penalties_cache = any(v.regularizer is not None for v in self.weights)
                # pythonify_logs costs a few conversions: only when a callback reads them.
                cbs.on_train_batch_end(step, logs if wants_batch_logs else None)
                if replicas is not None:
                    replicas.after_batch(self)
                if self.stop_training:
                    break
            if epoch_iterator.exhausted:  # a generator with nothing left: the epoch had no step
                break
            if replicas is not None:
                replicas.reduce_metrics(self.metrics, f"the metric reduction of epoch {epoch + 1}")
            epoch_logs = dict(self._get_metrics_result_or_logs(logs))
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_batches = EpochIterator(validation, validation_steps)
                val_logs = self._run_evaluation(val_batches, cbs)
                if not val_batches.exhausted:  # a used-up validation generator gives no val_ logs, not zeros
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if replicas is not None:
                replicas.after_epoch(self)
            if self.stop_training:
                break
        epoch_iterator.close()
        self._last_fit_seconds = time.perf_counter() - started
        if replicas is not None:
            replicas.end(self)
        self._trainable_cache = None
        self._weight_penalties_cache = None
        self._tracked_metrics_cache = None
        cbs.on_train_end(epoch_logs)
        return cbs.history

    def _data_parallel_replicas(self) -> Any:
        """The `ReplicaSync` of the current DataParallel distribution, or None (one process)."""
        current = distribution_lib.distribution()
        return current.replicas() if current is not None and hasattr(current, "replicas") else None

    # -- evaluate / predict ------------------------------------------------------
    def _run_evaluation(self, epoch_iterator: EpochIterator, cbs: CallbackList) -> dict[str, Any]:
        """Runs `test_step` over one epoch of the data with the test hooks of `cbs`; returns Python-number logs."""
        build_data = epoch_iterator.adapter.build_data()
        if build_data is not None:
            self._symbolic_build(*build_data)
        self.reset_metrics()
        cbs.on_test_begin()
        wants_batch_logs = cbs.wants_batch_logs("on_test_batch_end")
        logs = None
        for step, data in epoch_iterator.enumerate_epoch():
            if self._compile_loss is None:
                self._symbolic_build(*data_utils.unpack_x_y_sample_weight(data)[:2])
            cbs.on_test_batch_begin(step)
            logs = self.test_step(data)
            cbs.on_test_batch_end(step, logs if wants_batch_logs else None)
        epoch_iterator.close()
        replicas = getattr(self, "_replica_sync", None)
        if replicas is not None:  # each rank evaluated its part of the rows: the metrics are summed
            replicas.reduce_metrics(self.metrics, "the metric reduction of an evaluation")
        logs = pythonify_logs(self._get_metrics_result_or_logs(logs))
        cbs.on_test_end(logs)
        return logs

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

        Args:
            x: arrays (with `y`, `sample_weight`), or a Dataset / PyDataset /
                generator of `(x, y)` or `(x, y, sample_weight)` batches.
            steps: batches to evaluate (all of them by default).

        Returns:
            [loss, metric1, ...] in compile order (a float when there are no
            metrics), or a dict when `return_dict=True`.
        """
        self._require_compiled()
        parallel.activate()
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size, steps, False, None, self._prepare
        )
        verbose = 1 if verbose == "auto" else int(verbose)
        replicas = self._data_parallel_replicas()
        if replicas is not None:  # each rank evaluates its part of the rows
            adapter = data_adapters.require_arrays(adapter, "A DataParallel evaluate")
            callbacks, verbose, rows = replicas.start_evaluate(self, callbacks, verbose, adapter.size)
            adapter = adapter.subset(rows)
        epoch_iterator = EpochIterator(adapter, steps)
        cbs = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=epoch_iterator.num_batches,
        )
        logs = self._run_evaluation(epoch_iterator, cbs)
        if replicas is not None:
            replicas.end_evaluate(self)
        if epoch_iterator.exhausted:
            raise ValueError("`evaluate` received no data: the input yielded no batch.")
        if return_dict:
            return logs
        return self._flatten_logs_in_order(logs)

    def _flatten_logs_in_order(self, logs: dict[str, Any]) -> Any:
        """[loss, metric1, ...] in compile order, then any other keys sorted; one value alone."""
        ordered = [k for k in ["loss", *self._ordered_metric_keys()] if k in logs]
        ordered += sorted(k for k in logs if k not in ordered)
        values = [logs[k] for k in ordered]
        return values[0] if len(values) == 1 else values

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
        if data_adapters.is_array_data(x):
            x = self._prepare_inputs(x)[0]
            if (
                data_utils.num_samples(x) <= data_utils.check_batch_size(batch_size)
                and steps is None
                and not callbacks
            ):
                # One batch: skip the callback machinery entirely (single-image latency).
                with no_grad():
                    out = self.predict_step(data_utils.pack_x_y_sample_weight(x))
                return data_utils.to_numpy_structure(out)
            adapter = data_adapters.ArrayDataAdapter(
                x, None, None, batch_size, steps, prepare=data_adapters.as_is
            )
        else:
            # (x, y) batches are fine: predict_step keeps the x.
            adapter = data_adapters.get_data_adapter(
                x, None, None, batch_size, steps, prepare=self._prepare_inputs
            )
        parallel.activate()
        epoch_iterator = EpochIterator(adapter, steps)
        verbose = 1 if verbose == "auto" else int(verbose)
        cbs = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=epoch_iterator.num_batches,
        )
        cbs.on_predict_begin()
        outputs = []
        with no_grad():
            for step, data in epoch_iterator.enumerate_epoch():
                cbs.on_predict_batch_begin(step)
                outputs.append(data_utils.to_numpy_structure(self.predict_step(data)))
                cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        epoch_iterator.close()
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("`predict` received no data: the input yielded no batch.")
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
            sample_weight = self._class_weights(x, y, class_weight)
        self._symbolic_build(x, y)
        self.reset_metrics()
        logs = self.train_step(data_utils.pack_x_y_sample_weight(x, y, sample_weight))
        return self._batch_result(logs, return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> Any:
        """Loss (and metrics) on one batch without updating."""
        self._require_compiled()
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        self._symbolic_build(x, y)
        self.reset_metrics()
        logs = self.test_step(data_utils.pack_x_y_sample_weight(x, y, sample_weight))
        return self._batch_result(logs, return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """Outputs for one batch as NumPy arrays."""
        x = self._prepare_inputs(x)[0]
        with no_grad():
            return data_utils.to_numpy_structure(self.predict_step(data_utils.pack_x_y_sample_weight(x)))

    def _batch_result(self, logs: Any, return_dict: bool) -> Any:
        logs = pythonify_logs(self._get_metrics_result_or_logs(logs))
        return logs if return_dict else self._flatten_logs_in_order(logs)
