"""Fashion-MNIST (Zalando's clothing images), read from the IDX files (offline first)."""

from __future__ import annotations

import os

from scratchnn.datasets import _loader
from scratchnn.datasets._spec import idx_dataset

SPEC = idx_dataset(
    "fashion_mnist",
    "Fashion-MNIST",
    "fashion-mnist",
    {
        "x_train": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "y_train": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "x_test": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "y_test": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
)

# Folder URLs serving the four canonical .gz files, tried in order: the one Keras uses, then
# Zalando's own. Replace the list (or set SCRATCHNN_MIRRORS) to use another mirror.
MIRRORS = [
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]

# Label i is CLASS_NAMES[i] (the table in Zalando's README and Keras's docstring).
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
class_names = CLASS_NAMES


def load_data(path: str | os.PathLike | None = None):
    """Loads the Fashion-MNIST dataset.

    60,000 training and 10,000 test grayscale images of 28x28 pixels of 10
    kinds of clothing, a drop-in replacement for MNIST, exactly as
    `keras.datasets.fashion_mnist.load_data()` returns them. Label `i` is
    `CLASS_NAMES[i]`: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal,
    Shirt, Sneaker, Bag, Ankle boot.

    The files are looked for, in order: `path`; `$SCRATCHNN_DATA/fashion-mnist/`;
    the user cache `~/.cache/scratchnn/datasets/fashion-mnist/` (moved by
    `$SCRATCHNN_HOME`); `/usr/share/datasets/fashion-mnist/` (Debian's
    `dataset-fashion-mnist`); and only then downloaded from `MIRRORS` into the
    cache. Every file is checked against the SHA-256 of its decompressed IDX
    bytes before it is used.

    Args:
        path: optional folder holding `train-images-idx3-ubyte.gz`,
            `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and
            `t10k-labels-idx1-ubyte.gz` (or uncompressed), directly or in
            `fashion-mnist/`; or an `.npz` with `x_train`, `y_train`, `x_test`,
            `y_test`. When given, nothing else is searched. Defaults to None
            (Keras's function takes no argument).

    Returns:
        Tuple of NumPy arrays: `(x_train, y_train), (x_test, y_test)`.

        `x_train`: uint8 array of shape `(60000, 28, 28)`, pixels 0-255.
        `y_train`: uint8 array of shape `(60000,)`, labels 0-9.
        `x_test`: uint8 array of shape `(10000, 28, 28)`.
        `y_test`: uint8 array of shape `(10000,)`.

    Raises:
        DatasetError: a file is damaged, or missing and cannot be downloaded;
            the message lists every place looked at and how to provide the
            files.

    Example:

    >>> (x_train, y_train), _ = load_data()      # doctest: +SKIP
    >>> CLASS_NAMES[y_train[0]]                 # doctest: +SKIP
    'Ankle boot'

    License: copyright Zalando SE, available under the MIT license.
    """
    return _loader.load(SPEC, path, MIRRORS)
