"""The package version, in one place. Also `tf.version` under `import scratchnn as tf`, whose
`VERSION` is TensorFlow's name for the version string."""

__version__ = "0.1.0"
VERSION = __version__
