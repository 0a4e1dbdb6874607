"""The single-batch API: `train_on_batch`, `test_on_batch`, `predict_on_batch` (keras/src/trainers/trainer.py).

`SingleBatchMethods` is a mixin of `Trainer`: each method prepares one batch as
`fit` would, runs one step (`train_step`, `test_step`, `predict_step`) without
callbacks, and returns the logs in Keras's form.
"""

from __future__ import annotations

from typing import Any

from scratchnn.callbacks.callback_list import pythonify_logs
from scratchnn.ops.tensor import no_grad
from scratchnn.trainers import data as data_utils


class SingleBatchMethods:
    """Mixin: one step on one batch, with the metrics reset first (see the module docstring)."""

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
