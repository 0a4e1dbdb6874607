"""Clear errors for bad files and unknown classes; custom objects; atomic writes."""

import json
import zipfile

import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn.saving import keras_file
from scratchnn.saving.saving_api import load_model


def small_model():
    model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_truncated_corrupt_and_foreign_files_name_the_file(tmp_path):
    path = tmp_path / "m.keras"
    small_model().save(path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.keras.*truncated or corrupt"):
        load_model(truncated)
    foreign = tmp_path / "notes.keras"
    foreign.write_text("hello")
    with pytest.raises(ValueError, match="notes.keras.*not a Keras model"):
        load_model(foreign)
    other_zip = tmp_path / "other.keras"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(ValueError, match="other.keras.*no config.json"):
        load_model(other_zip)
    bad_weights = tmp_path / "bad.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad_weights, "w") as dst:
        dst.writestr("config.json", src.read("config.json"))
        dst.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n garbage")
    with pytest.raises(ValueError, match="bad.keras.*not a readable HDF5"):
        load_model(bad_weights)
    with pytest.raises(ValueError, match="File not found"):
        load_model(tmp_path / "missing.keras")


def test_wrong_architecture_weights(tmp_path):
    small_model().save_weights(tmp_path / "w.weights.h5")
    other = sk.Sequential([sk.Input((3,)), sk.layers.Dense(4)])
    with pytest.raises(ValueError, match=r"w.weights.h5.*shape \(3, 2\)"):
        other.load_weights(tmp_path / "w.weights.h5")


class Scale(sk.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_unknown_class_names_class_and_registration(tmp_path):
    model = sk.Sequential([sk.Input((3,)), Scale(3.0), sk.layers.Dense(2)])
    model.save(tmp_path / "c.keras")
    with pytest.raises(
        ValueError, match="Unknown layer class 'Scale'.*register_keras_serializable.*custom_objects"
    ):
        load_model(tmp_path / "c.keras")
    x = np.ones((2, 3), "float32")
    loaded = load_model(tmp_path / "c.keras", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].factor == 3.0


def test_registered_class_loads_without_custom_objects(tmp_path):
    @sk.saving.register_keras_serializable(package="tests")
    class Shift(sk.layers.Layer):
        def call(self, inputs):
            return inputs + 1.0

    model = sk.Sequential([sk.Input((3,)), Shift()])
    model.save(tmp_path / "r.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "r.keras").read("config.json"))
    assert config["config"]["layers"][1]["registered_name"] == "tests>Shift"
    assert isinstance(load_model(tmp_path / "r.keras").layers[0], Shift)


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    model = small_model()
    model.save(path)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras_file, "_weights_bytes", disk_full)
    model.layers[0].kernel.assign(np.zeros((3, 2), "float32"))
    with pytest.raises(OSError, match="No space"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temporary file left behind
    assert load_model(path).layers[0].kernel.numpy().any()


def test_bad_save_arguments(tmp_path):
    model = small_model()
    with pytest.raises(ValueError, match="save_format"):
        model.save(tmp_path / "m", save_format="pb")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.npz")
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="overwrite=False"):
        model.save(tmp_path / "m.keras", overwrite=False)
