"""The `Callback` base class: every hook of Keras 3's `keras.callbacks.Callback`."""

from __future__ import annotations

from typing import Any


class Callback:
    """Base class for objects that hook into `fit()`, `evaluate()` and `predict()`.

    Subclass it and override the hooks you need; the defaults do nothing. The
    training loop calls, in order:

    ```
    on_train_begin(logs)
        on_epoch_begin(epoch, logs)                  # epoch is 0-based
            on_train_batch_begin(batch, logs)        # batch is 0-based
            on_train_batch_end(batch, logs)          # logs: running means so far
            on_test_batch_begin/end(...)             # validation batches
        on_epoch_end(epoch, logs)                    # logs include val_* keys
    on_train_end(logs)
    ```

    `evaluate()` calls `on_test_begin`, `on_test_batch_begin/end`,
    `on_test_end`; `predict()` calls the `on_predict_*` hooks. `logs` is a dict
    mapping names (`"loss"`, `"accuracy"`, `"val_loss"`, ...) to Python
    floats, sorted by name. `on_batch_begin`/`on_batch_end` are older aliases
    that the default `on_train_batch_begin`/`on_train_batch_end` forward to.

    A callback stops training by setting `self.model.stop_training = True`.

    Attributes:
        params: Dict of training parameters (`verbose`, `epochs`, `steps`).
        model: The model being trained.

    Example:

    >>> class CountEpochs(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.count = 0
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.count += 1
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Stores the training parameters (`verbose`, `epochs`, `steps`)."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Stores the model the callback observes."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model being trained, evaluated or used for prediction."""
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        self.set_model(model)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Older alias of `on_train_batch_begin`, called by its default."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Older alias of `on_train_batch_end`, called by its default."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of each training epoch.

        Args:
            epoch: Integer, 0-based index of the epoch.
            logs: Dict; currently empty.
        """

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the end of each training epoch.

        Args:
            epoch: Integer, 0-based index of the epoch.
            logs: Dict of the epoch's metric results, with validation results
                under `val_`-prefixed keys, e.g.
                `{"accuracy": 0.9, "loss": 0.3, "val_loss": 0.35}`. Callbacks
                may add keys (they then appear in `History`).
        """

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before each training batch in `fit()`.

        Args:
            batch: Integer, 0-based index of the batch within the epoch.
            logs: Dict; currently empty.
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after each training batch in `fit()`.

        Args:
            batch: Integer, 0-based index of the batch within the epoch.
            logs: Dict of the metric results averaged over the epoch so far.
        """
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before each batch in `evaluate()` and in `fit()`'s validation.

        Args:
            batch: Integer, 0-based index of the batch.
            logs: Dict; currently empty.
        """

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after each batch in `evaluate()` and in `fit()`'s validation.

        Args:
            batch: Integer, 0-based index of the batch.
            logs: Dict of the metric results averaged so far.
        """

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before each batch in `predict()`.

        Args:
            batch: Integer, 0-based index of the batch.
            logs: Dict; currently empty.
        """

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after each batch in `predict()`.

        Args:
            batch: Integer, 0-based index of the batch.
            logs: Dict; may hold the batch's outputs.
        """

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called once when `fit()` starts; reset per-run state here.

        Args:
            logs: Dict; currently empty.
        """

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called once when `fit()` ends (also after an early stop).

        Args:
            logs: Dict; the logs of the last epoch.
        """

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called when `evaluate()` (or `fit()`'s validation) starts.

        Args:
            logs: Dict; currently empty.
        """

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called when `evaluate()` (or `fit()`'s validation) ends.

        Args:
            logs: Dict of the final evaluation results.
        """

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called when `predict()` starts.

        Args:
            logs: Dict; currently empty.
        """

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called when `predict()` ends.

        Args:
            logs: Dict; currently empty.
        """
