"""TensorFlow's names for scratchnn: what Keras-era code reaches through `import scratchnn as tf`.

`tf.reduce_mean`, `tf.nn.softmax`, `tf.math.confusion_matrix`, `tf.function`, `tf.config`, ... are
thin wrappers with TensorFlow's signatures and dtype rules over `scratchnn.ops`, so they return
scratchnn Tensors and gradients flow through them on the tape. Nothing here is imported by
`import scratchnn`: `scratchnn.__getattr__` calls `resolve` on the first use of a name.

    scratchnn.tf_compat.top_level   the functions and constants of `tf.*`
    scratchnn.tf_compat.math        `tf.math`      scratchnn.tf_compat.nn   `tf.nn`
    scratchnn.tf_compat.config      `tf.config`    scratchnn.tf_compat.dtypes  `tf.dtypes`

A name TensorFlow has and scratchnn does not raises an AttributeError that says so and points at
`keras.ops` (see `missing`).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# `tf.<name>` that are whole modules. `random` is keras.random, which also has tf.random's
# set_seed; losses/metrics/optimizers/initializers are TensorFlow 2's aliases of the Keras ones.
NAMESPACES = {
    "keras": "scratchnn.keras",
    "nn": "scratchnn.tf_compat.nn",
    "math": "scratchnn.tf_compat.math",
    "linalg": "scratchnn.tf_compat.linalg",
    "config": "scratchnn.tf_compat.config",
    "dtypes": "scratchnn.tf_compat.dtypes",
    "random": "scratchnn.random",
    "version": "scratchnn.version",
    "data": "scratchnn.data",
    "losses": "scratchnn.losses",
    "metrics": "scratchnn.metrics",
    "optimizers": "scratchnn.optimizers",
    "initializers": "scratchnn.initializers",
}


def missing(namespace: str, name: str) -> AttributeError:
    """The AttributeError for a TensorFlow name that scratchnn does not provide.

    Args:
        namespace: the module as the user wrote it, e.g. "tf" or "tf.nn".
        name: the attribute that was asked for.
    """
    module = {"tf": "scratchnn"}.get(namespace, f"scratchnn.tf_compat.{namespace[3:]}")
    return AttributeError(
        f"module {module!r} has no attribute {name!r}: scratchnn provides the TensorFlow names that "
        f"Keras code commonly uses, and {namespace}.{name} is not one of them. Use the keras.ops "
        "equivalent if there is one (import scratchnn.keras as keras; keras.ops.<name>), or NumPy on "
        "the tensor's .numpy()."
    )


def resolve(name: str) -> Any:
    """Returns `tf.<name>`: a namespace module or a top-level function/constant.

    Raises:
        AttributeError: for names scratchnn does not provide (see `missing`), and for `tf.data`
            while the scratchnn.data package is not installed.
    """
    if name in NAMESPACES:
        try:
            return importlib.import_module(NAMESPACES[name])
        except ModuleNotFoundError as e:
            if e.name != NAMESPACES[name]:
                raise
            raise AttributeError(
                f"module 'scratchnn' has no attribute {name!r}: tf.{name} is provided by the "
                f"{NAMESPACES[name]} package, which this installation of scratchnn does not have."
            ) from None
    if importlib.util.find_spec(f"scratchnn.{name}") is not None:
        # A scratchnn submodule not imported yet (`from scratchnn import layers` asks here first):
        # import it as the import system would, before reaching for the TensorFlow names.
        return importlib.import_module(f"scratchnn.{name}")
    # tf_compat/top_level.py imports this package's modules (and through them this file):
    # the cycle tf_compat/__init__.py <-> tf_compat/top_level.py, closed on first use.
    from scratchnn.tf_compat import top_level

    if name in top_level.__all__:
        return getattr(top_level, name)
    raise missing("tf", name)


def names() -> list[str]:
    """Every `tf.<name>` scratchnn provides (for `dir(scratchnn)`)."""
    from scratchnn.tf_compat import top_level  # the same cycle as in `resolve`

    present = {n for n, module in NAMESPACES.items() if importlib.util.find_spec(module) is not None}
    return sorted({*present, *top_level.__all__})
