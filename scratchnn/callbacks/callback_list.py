"""`CallbackList`: one object that forwards every hook to a list of callbacks."""

from __future__ import annotations

from typing import Any

from scratchnn.callbacks.callback import Callback
from scratchnn.callbacks.history import History
from scratchnn.callbacks.progbar_logger import ProgbarLogger
from scratchnn.utils import tree

# Hooks called once per batch, and the methods whose override makes a callback
# listen to them (the default on_train_batch_* forwards to on_batch_*).
_BATCH_HOOKS = {
    "on_batch_begin": ("on_batch_begin",),
    "on_batch_end": ("on_batch_end",),
    "on_train_batch_begin": ("on_train_batch_begin", "on_batch_begin"),
    "on_train_batch_end": ("on_train_batch_end", "on_batch_end"),
    "on_test_batch_begin": ("on_test_batch_begin",),
    "on_test_batch_end": ("on_test_batch_end",),
    "on_predict_batch_begin": ("on_predict_batch_begin",),
    "on_predict_batch_end": ("on_predict_batch_end",),
}


def pythonify_logs(logs: dict[str, Any] | None) -> dict[str, Any]:
    """Returns `logs` sorted by key, nested dicts flattened, numbers as Python floats.

    Keras 3 (`keras/src/utils/python_utils.py`) passes every log dict through
    the same conversion, which is why History keys come out alphabetically
    (`accuracy, loss, val_accuracy, val_loss`). Values that cannot be turned
    into one float (e.g. arrays of predictions) are kept as they are.
    """
    result: dict[str, Any] = {}
    if not logs:
        return result
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        # np.float64 subclasses float, so test the exact type.
        if type(value) is not float and not isinstance(value, str):
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
        result[key] = value
    return result


def _listens(callback: Any, method_names: tuple[str, ...]) -> bool:
    """Whether `callback` replaces any of `method_names` (so calling it can matter)."""
    if not isinstance(callback, Callback):
        return True  # duck-typed callbacks: cannot tell, always call them
    instance_attrs = getattr(callback, "__dict__", {})
    for name in method_names:
        if name in instance_attrs or getattr(type(callback), name) is not getattr(Callback, name):
            return True
    return False


class CallbackList(Callback):
    """Holds a list of callbacks and calls each hook on all of them, in order.

    The trainer builds one per `fit()`/`evaluate()`/`predict()` call. As in
    Keras 3 (`keras/src/callbacks/callback_list.py`), `History` and
    `ProgbarLogger` are appended *after* the user's callbacks, so keys that a
    callback adds to the epoch logs (e.g. `learning_rate` from
    `ReduceLROnPlateau`) appear in the history and on the progress line.

    Every hook converts `logs` with `pythonify_logs` (sorted keys, Python
    floats) and passes the same dict to each callback. Per-batch hooks skip
    callbacks that do not override them, so an unused hook costs well under a
    microsecond.

    Args:
        callbacks: List (possibly nested) of `Callback` instances, or `None`.
        add_history: Whether to append a `History` callback if the list has
            none. Defaults to `False`.
        add_progbar: Whether to append a `ProgbarLogger` if the list has none.
            Defaults to `False`.
        model: The model the callbacks observe; `None` to set it later.
        **params: Training parameters (`verbose`, `epochs`, `steps`) passed
            to every callback's `set_params`.

    Raises:
        TypeError: If an element of `callbacks` is not a callback.

    Example:

    >>> callbacks = CallbackList([], add_history=True, model=None, verbose=0, epochs=2, steps=3)
    >>> callbacks.on_train_begin()
    >>> for epoch in range(2):
    ...     callbacks.on_epoch_begin(epoch)
    ...     callbacks.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
    >>> callbacks.on_train_end()
    >>> callbacks.history.history
    {'loss': [1.0, 0.5]}
    """

    def __init__(
        self,
        callbacks: Any = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks = tree.flatten(callbacks) if callbacks else []
        for cb in self.callbacks:
            if not (hasattr(cb, "on_epoch_end") and hasattr(cb, "set_model")):
                raise TypeError(
                    "Every element of `callbacks` must be a `keras.callbacks.Callback` instance. "
                    f"Received: callbacks={callbacks!r} (contains {cb!r})"
                )
        self._history: History | None = None
        self._progbar: ProgbarLogger | None = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._listeners: dict[str, list[Any]] = {}
        self._refresh_listeners()
        self.set_model(model)
        self.set_params(params)

    @property
    def history(self) -> History | None:
        """The `History` callback in the list (what `fit()` returns), or `None`."""
        return self._history

    def append(self, callback: Any) -> None:
        """Adds `callback` at the end of the list."""
        self.callbacks.append(callback)
        self._refresh_listeners()

    def _refresh_listeners(self) -> None:
        self._listeners = {
            hook: [cb for cb in self.callbacks if _listens(cb, names)] for hook, names in _BATCH_HOOKS.items()
        }

    def wants_batch_logs(self, hook: str) -> bool:
        """Whether any callback overrides the batch hook `hook`, so the caller must build its logs."""
        return bool(self._listeners[hook])

    def set_params(self, params: dict[str, Any]) -> None:
        """Stores `params` and passes them to every callback (if not empty)."""
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model: Any) -> None:
        """Sets the model on every callback and exposes History as `model.history`."""
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def _call_all(self, hook: str, *args: Any, logs: dict[str, Any] | None) -> None:
        logs = pythonify_logs(logs)
        for cb in self.callbacks:
            getattr(cb, hook)(*args, logs)

    def _call_batch(self, hook: str, batch: int, logs: dict[str, Any] | None) -> None:
        listeners = self._listeners[hook]
        if listeners:
            logs = pythonify_logs(logs)
            for cb in listeners:
                getattr(cb, hook)(batch, logs=logs)

    # Run-level hooks: re-read the list first, in case callbacks were added.
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._refresh_listeners()
        self._call_all("on_train_begin", logs=logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_train_end", logs=logs)

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._refresh_listeners()
        self._call_all("on_test_begin", logs=logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_test_end", logs=logs)

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._refresh_listeners()
        self._call_all("on_predict_begin", logs=logs)

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_predict_end", logs=logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_all("on_epoch_end", epoch, logs=logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._call_batch("on_predict_batch_end", batch, logs)
