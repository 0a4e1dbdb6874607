"""Keras 2 module paths (keras.layers.core, .convolutional, .pooling, .normalization,
keras.utils.np_utils, keras.optimizers.legacy): the same objects as the Keras 3 paths, in each of
the three import styles the README lists, each in a fresh interpreter."""

import os
import subprocess
import sys

import keras as real_keras
import pytest

import scratchnn
import scratchnn.keras as keras

# The directory holding the scratchnn under test, so the fresh interpreters import that one.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(scratchnn.__file__)))

# (Keras 2 module, names every scratchnn build has there, the Keras 3 namespace they come from)
PATHS = [
    ("layers.core", ["Dense", "Dropout", "Activation", "Flatten", "Reshape"], "layers"),
    (
        "layers.convolutional",
        ["Conv1D", "Conv2D", "DepthwiseConv2D", "MaxPooling2D", "ZeroPadding2D"],
        "layers",
    ),
    ("layers.pooling", ["MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "MaxPool2D"], "layers"),
    ("layers.normalization", ["BatchNormalization"], "layers"),
    ("layers.normalization.batch_normalization", ["BatchNormalization"], "layers"),
    ("utils.np_utils", ["to_categorical", "normalize"], "utils"),
    ("optimizers.legacy", ["SGD", "Adam", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"], "optimizers"),
]


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_the_readme_line_runs_in_a_fresh_interpreter():
    result = _run("from scratchnn.keras.layers.core import Dense")
    assert result.returncode == 0, result.stderr


def _style_checks(style: str) -> str:
    """Python source that imports every Keras 2 path in one style and checks identity with Keras 3's."""
    lines = ["import scratchnn.keras as k3"]
    for module, names, home in PATHS:
        for name in names:
            if style == "from":
                lines.append(f"from scratchnn.keras.{module} import {name} as obj")
            elif style == "keras":
                lines.append(f"import scratchnn.keras as keras; obj = keras.{module}.{name}")
            else:
                lines.append(f"import scratchnn as tf; obj = tf.keras.{module}.{name}")
            lines.append(f"assert obj is k3.{home}.{name}, {module + '.' + name!r}")
    return "\n".join(lines + ["print('ok')"])


@pytest.mark.parametrize("style", ["from", "keras", "tf"])
def test_keras2_paths_in_each_import_style(style):
    # `from` first in a fresh interpreter: nothing imported beforehand helps it resolve.
    result = _run(_style_checks(style))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("module,names,home", PATHS)
def test_every_name_there_is_the_keras3_object_and_a_real_keras3_name(module, names, home):
    legacy = keras
    for part in module.split("."):
        legacy = getattr(legacy, part)
    for name in legacy.__all__:
        value = getattr(legacy, name)
        if isinstance(value, type(sys)):
            continue  # a submodule (normalization.batch_normalization)
        assert value is getattr(getattr(keras, home), name.replace("Convolution", "Conv"))
        assert hasattr(getattr(real_keras, home), name), f"keras.{home}.{name} is not a Keras 3 name"
    assert set(names) <= set(legacy.__all__)


def test_keras2_aliases_and_absent_layers():
    assert keras.layers.convolutional.Convolution2D is keras.layers.Conv2D
    with pytest.raises(
        AttributeError, match="Keras 2 exported Conv3D here, and scratchnn does not implement it"
    ):
        keras.layers.convolutional.Conv3D  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'NotALayer'"):
        keras.layers.core.NotALayer  # noqa: B018


def test_keras3_namespaces_still_forward_and_hide_implementation_modules():
    import scratchnn.layers

    assert keras.layers.Dense is scratchnn.layers.Dense and set(scratchnn.layers.__all__) <= set(
        keras.layers.__all__
    )
    assert (
        keras.optimizers.schedules.ExponentialDecay is not None and keras.optimizers.get("adam") is not None
    )
    from scratchnn.keras.optimizers.schedules import ExponentialDecay

    assert ExponentialDecay is keras.optimizers.schedules.ExponentialDecay
    with pytest.raises(AttributeError, match="'scratchnn.keras.layers' has no attribute 'dense'"):
        keras.layers.dense  # noqa: B018  (scratchnn.layers.dense is an implementation module)
    with pytest.raises(ModuleNotFoundError):
        __import__("scratchnn.keras.layers.dense")
