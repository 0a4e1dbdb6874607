"""`import scratchnn as tf`: the namespaces, the AttributeError for what is not provided, tf.data,
and that `import scratchnn` still imports nothing heavy (checked with -X importtime)."""

import importlib.util
import os
import subprocess
import sys

import pytest

import scratchnn
import scratchnn as tf

# The directory holding the scratchnn under test, so the fresh interpreters import that one.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(scratchnn.__file__)))


def _python(code: str, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run(
        [sys.executable, *flags, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_import_scratchnn_imports_neither_keras_nor_the_tf_names_nor_numpy():
    result = _python("import scratchnn", "-X", "importtime")
    assert result.returncode == 0, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "scratchnn" in imported
    for heavy in ("scratchnn.keras", "scratchnn.tf_compat", "scratchnn.ops", "numpy"):
        assert heavy not in imported, f"`import scratchnn` imported {heavy}"


def test_first_use_of_a_tf_name_does_not_import_keras():
    result = _python(
        "import sys, scratchnn as tf; tf.reduce_mean([1.0]); tf.nn.relu([1.0]); print('scratchnn.keras' in sys.modules)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_namespaces():
    import scratchnn.keras as keras

    assert tf.keras is keras
    assert tf.random is keras.random
    assert tf.losses is keras.losses and tf.metrics is keras.metrics
    assert tf.optimizers.Adam is keras.optimizers.Adam and tf.initializers.Zeros is keras.initializers.Zeros
    assert tf.math.reduce_mean is tf.reduce_mean and tf.sigmoid is tf.math.sigmoid
    assert (
        tf.GradientTape is keras.ops.GradientTape
        and tf.Variable is keras.Variable
        and tf.Tensor is keras.ops.Tensor
    )
    assert {"reduce_mean", "nn", "math", "keras", "function", "float32"} <= set(dir(tf))


def test_submodules_are_imported_on_first_attribute_access():
    result = _python("import scratchnn; from scratchnn import layers; print(scratchnn.activations.__name__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "scratchnn.activations"


@pytest.mark.parametrize(
    "namespace,name",
    [
        (tf, "unique_with_counts"),
        (tf.nn, "conv2d"),
        (tf.math, "segment_mean"),
        (tf.linalg, "svd"),
        (tf.config, "optimizer"),
        (tf, "Module"),
    ],
)
def test_a_name_not_provided_raises_an_attribute_error_pointing_at_keras_ops(namespace, name):
    with pytest.raises(
        AttributeError, match=rf"has no attribute '{name}'.*{name} is not one of them.*keras\.ops"
    ):
        getattr(namespace, name)
    assert not hasattr(namespace, name)


def test_experimental_config_names_not_provided():
    with pytest.raises(AttributeError, match=r"tf\.config\.experimental\.enable_tensor_float_32_execution"):
        tf.config.experimental.enable_tensor_float_32_execution  # noqa: B018


def test_tf_data_resolves_to_the_scratchnn_data_package_once_it_exists():
    # A stand-in for the package, which another change adds.
    code = (
        "import sys, types; fake = types.ModuleType('scratchnn.data'); sys.modules['scratchnn.data'] = fake; "
        "import scratchnn as tf; print(tf.data is fake)"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.skipif(
    importlib.util.find_spec("scratchnn.data") is None, reason="scratchnn.data does not exist yet"
)
def test_tf_data_is_scratchnn_data():
    import scratchnn.data

    assert tf.data is scratchnn.data


@pytest.mark.skipif(importlib.util.find_spec("scratchnn.data") is not None, reason="scratchnn.data exists")
def test_tf_data_without_scratchnn_data_says_what_is_missing():
    result = _python("import scratchnn as tf; tf.data")
    assert result.returncode != 0
    assert (
        "AttributeError: module 'scratchnn' has no attribute 'data': tf.data is provided by the scratchnn.data"
        in (result.stderr)
    )
