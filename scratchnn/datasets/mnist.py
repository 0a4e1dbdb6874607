"""MNIST handwritten digits, read from the original IDX files (offline first)."""

from __future__ import annotations

import os

from scratchnn.datasets import _loader
from scratchnn.datasets._spec import idx_dataset

SPEC = idx_dataset(
    "mnist",
    "MNIST",
    "mnist",
    {
        "x_train": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "y_train": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "x_test": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "y_test": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
)

# Folder URLs serving the four canonical .gz files, tried in order. Replace the list (or set
# SCRATCHNN_MIRRORS) to use another mirror; every download is checked against SPEC anyway.
MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
]


def load_data(path: str | os.PathLike | None = None):
    """Loads the MNIST dataset of handwritten digits.

    60,000 training and 10,000 test grayscale images of 28x28 pixels, with
    their digit labels 0-9, exactly as `keras.datasets.mnist.load_data()`
    returns them (same values, same order).

    The files are looked for, in order: `path`; `$SCRATCHNN_DATA/mnist/`; the
    user cache `~/.cache/scratchnn/datasets/mnist/` (moved by
    `$SCRATCHNN_HOME`); `/usr/share/datasets/mnist/`; and only then
    downloaded from `MIRRORS` into the cache. Every file is checked against
    the SHA-256 of its decompressed IDX bytes before it is used.

    Args:
        path: optional folder holding `train-images-idx3-ubyte.gz`,
            `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and
            `t10k-labels-idx1-ubyte.gz` (or uncompressed), directly or in
            `mnist/`; or a Keras-style `mnist.npz`. When given, nothing else is
            searched. Keras's default `"mnist.npz"` is accepted and ignored
            when no such file exists. Defaults to None.

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`: uint8 array of shape `(60000, 28, 28)`, pixels 0-255.
        `y_train`: uint8 array of shape `(60000,)`, digits 0-9.
        `x_test`: uint8 array of shape `(10000, 28, 28)`.
        `y_test`: uint8 array of shape `(10000,)`.

    Raises:
        DatasetError: a file is damaged, or missing and cannot be downloaded;
            the message lists every place looked at and how to provide the
            files.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_test.shape                          # doctest: +SKIP
    ((60000, 28, 28), (10000,))

    License: Yann LeCun and Corinna Cortes hold the copyright of MNIST, a
    derivative of NIST data, available under CC BY-SA 3.0.
    """
    return _loader.load(SPEC, path, MIRRORS)
