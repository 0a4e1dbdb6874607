"""The loops over the data: `fit`, `evaluate` and `predict` (keras/src/backend/*/trainer.py).

`EpochLoops` is a mixin of `Trainer`: it runs epochs of batches from a data adapter
(trainers/data_adapters), calls the callbacks' hooks, and calls the steps
`train_step`, `test_step` and `predict_step`, which `Trainer` defines and users
may override. Arrays are converted to backend arrays once per call (`Trainer._prepare`),
so a step only gathers its batch with one `take` per array.
"""

from __future__ import annotations

import time
from typing import Any

from scratchnn.backend import parallel
from scratchnn.callbacks import CallbackList
from scratchnn.callbacks.callback_list import pythonify_logs
from scratchnn.distribution import distribution_lib
from scratchnn.ops.tensor import no_grad
from scratchnn.trainers import data as data_utils
from scratchnn.trainers import data_adapters
from scratchnn.trainers.data_adapters import EpochIterator


class EpochLoops:
    """Mixin: `fit`, `evaluate` and `predict` over epochs of batches (see the module docstring)."""

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
        cbs = self._callback_list(callbacks, verbose, epoch_iterator.num_batches, epochs, add_history=True)
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

    def _callback_list(
        self, callbacks: Any, verbose: int, steps: int | None, epochs: int = 1, add_history: bool = False
    ) -> CallbackList:
        """The CallbackList of one fit/evaluate/predict call: the user's callbacks, a progress
        bar unless `verbose` is 0, and for fit the History."""
        return CallbackList(
            callbacks, add_history=add_history, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps,
        )  # fmt: skip

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
        cbs = self._callback_list(callbacks, verbose, epoch_iterator.num_batches)
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
        cbs = self._callback_list(callbacks, verbose, epoch_iterator.num_batches)
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
