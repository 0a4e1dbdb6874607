"""`keras.datasets`: MNIST and Fashion-MNIST, loaded offline-first (see scratchnn.datasets)."""

import sys as _sys

from scratchnn.datasets import fashion_mnist, mnist

_sys.modules.setdefault(__name__ + ".mnist", mnist)
_sys.modules.setdefault(__name__ + ".fashion_mnist", fashion_mnist)

__all__ = ["fashion_mnist", "mnist"]
