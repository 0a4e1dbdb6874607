"""What TensorFlow's graph machinery means when everything runs eagerly on NumPy:
`tf.function` runs the Python function as is, `tf.device` places nothing, `tf.print` prints.
"""

from __future__ import annotations

import builtins
import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from scratchnn.ops.tensor import Tensor


def function(
    func: Callable[..., Any] | None = None,
    input_signature: Any = None,
    autograph: bool = True,
    jit_compile: Any = None,
    reduce_retracing: bool = False,
    experimental_implements: Any = None,
    experimental_autograph_options: Any = None,
    experimental_attributes: Any = None,
    experimental_relax_shapes: Any = None,
    experimental_compile: Any = None,
    experimental_follow_type_hints: Any = None,
) -> Any:
    """tf.function: returns `func` itself, which then runs eagerly, line by line, as Python.

    Works as `@tf.function`, `@tf.function(jit_compile=True)` and `tf.function(fn)`; the tracing
    and compilation options are accepted and have nothing to change.

    Raises:
        TypeError: if `func` is given and is not callable.
    """
    if func is None:
        return function
    if not callable(func):
        raise TypeError(f"tf.function expects a callable. Received: func={func!r}")
    return func


@contextlib.contextmanager
def device(device_name: str) -> Iterator[None]:
    """tf.device: a context manager that runs its block as usual (on the array backend's device)."""
    yield


def executing_eagerly() -> bool:
    """tf.executing_eagerly: True, always."""
    return True


def print(  # noqa: A001 - TensorFlow's name
    *inputs: Any,
    output_stream: Any = None,
    summarize: int | None = None,
    sep: str = " ",
    end: str = "\n",
    name: str | None = None,
) -> None:
    """tf.print: prints the values (Tensors as their NumPy arrays) to stderr, as TensorFlow does.

    `output_stream` may also be sys.stdout or any object with a `write` method.
    """
    values = [x.numpy() if isinstance(x, Tensor) else x for x in inputs]
    builtins.print(*values, sep=sep, end=end, file=sys.stderr if output_stream is None else output_stream)


__all__ = ["device", "executing_eagerly", "function", "print"]
