"""`LambdaCallback`: a callback built from plain functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scratchnn.callbacks.callback import Callback


class LambdaCallback(Callback):
    """Builds a callback from functions, one per hook.

    The functions are called with the hook's arguments, positionally:
    `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`,
    `on_train_begin(logs)`, `on_train_end(logs)`, and
    `on_train_batch_begin(batch, logs)`/`on_train_batch_end(batch, logs)`
    (where `logs` is passed by keyword). Any other hook can be given as a
    keyword argument with its `Callback` method name.

    Args:
        on_epoch_begin: Called at the start of every epoch.
        on_epoch_end: Called at the end of every epoch.
        on_train_begin: Called when training starts.
        on_train_end: Called when training ends.
        on_train_batch_begin: Called before every training batch.
        on_train_batch_end: Called after every training batch.
        **kwargs: Other hooks, e.g. `on_test_end=fn`.

    Example:

    >>> losses = []
    >>> record = LambdaCallback(on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
    >>> model.fit(x, y, epochs=3, callbacks=[record])  # doctest: +SKIP
    """

    def __init__(
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        on_train_batch_begin: Callable[..., Any] | None = None,
        on_train_batch_end: Callable[..., Any] | None = None,
        **kwargs: Callable[..., Any],
    ) -> None:
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback hooks must be callables. Received: {name}={function!r}")
            # An instance attribute shadows the no-op method of the same name.
            setattr(self, name, function)
