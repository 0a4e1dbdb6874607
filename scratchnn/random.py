"""TensorFlow-style seeding: `tf.random.set_seed(42)` with `import scratchnn as tf`."""

from scratchnn.backend.random import set_seed

__all__ = ["set_seed"]
