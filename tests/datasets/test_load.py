"""Loading MNIST and Fashion-MNIST from local files: values, look-up order, refusals."""

import gzip
import shutil
import time

import numpy as np
import pytest

from scratchnn.datasets import DatasetError, fashion_mnist, find_files, mnist
from scratchnn.datasets.idx import write_idx

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
SHAPES = [(60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]


def flat(result):
    (x_train, y_train), (x_test, y_test) = result
    return [x_train, y_train, x_test, y_test]


@pytest.fixture(scope="module")
def mnist_arrays(shared_data, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCRATCHNN_DATA", str(shared_data))
        mp.setenv("SCRATCHNN_HOME", str(home))
        return flat(mnist.load_data())


@pytest.mark.parametrize(
    "module, counts", [(mnist, MNIST_TRAIN_COUNTS), (fashion_mnist, [6000] * 10)], ids=["mnist", "fashion"]
)
def test_shapes_dtypes_and_label_counts(module, counts):
    arrays = flat(module.load_data())
    assert [a.shape for a in arrays] == SHAPES
    assert all(a.dtype == np.uint8 for a in arrays)
    np.testing.assert_array_equal(np.bincount(arrays[1], minlength=10), counts)
    assert np.bincount(arrays[3], minlength=10).sum() == 10000
    assert arrays[1].max() == 9 and arrays[0].max() == 255


@pytest.mark.parametrize("subdir", ["mnist", "fashion-mnist"])
def test_identical_to_keras_idx_parsing(monkeypatch, tmp_path, shared_data, subdir):
    """Keras's fashion_mnist loader parses the same four .gz files: the arrays must be equal."""
    import keras
    from keras.src.backend import config

    keras_cache = tmp_path / "keras" / "datasets" / "fashion-mnist"
    shutil.copytree(shared_data / subdir, keras_cache)
    # get_file finds the files already cached and downloads nothing.
    monkeypatch.setattr(config, "keras_home", lambda: str(tmp_path / "keras"))
    expected = flat(keras.datasets.fashion_mnist.load_data())
    ours = flat((mnist if subdir == "mnist" else fashion_mnist).load_data())
    for mine, theirs in zip(ours, expected, strict=True):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        np.testing.assert_array_equal(mine, theirs)


def test_class_names():
    assert fashion_mnist.CLASS_NAMES is fashion_mnist.class_names
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top" and fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


def test_explicit_folder_of_uncompressed_files(tmp_path, mnist_arrays, monkeypatch):
    folder = tmp_path / "raw"
    folder.mkdir()
    for spec, array in zip(mnist.SPEC.files, mnist_arrays, strict=True):
        write_idx(folder / spec.filename, array)
    monkeypatch.delenv("SCRATCHNN_DATA")
    for got, want in zip(flat(mnist.load_data(path=folder)), mnist_arrays, strict=True):
        np.testing.assert_array_equal(got, want)


def test_explicit_folder_is_used_alone(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="4 file.s. not found") as info:
        mnist.load_data(path=tmp_path / "empty")
    message = str(info.value)
    assert "path argument" in message and "SCRATCHNN_DATA" in message  # the hint says how to provide them
    assert "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in message


def test_explicit_path_that_does_not_exist(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        mnist.load_data(path=tmp_path / "nowhere")


def test_keras_default_npz_name_falls_back_to_look_up(mnist_arrays):
    np.testing.assert_array_equal(flat(mnist.load_data(path="mnist.npz"))[3], mnist_arrays[3])


def test_keras_style_npz_verified(tmp_path, mnist_arrays):
    keys = ["x_train", "y_train", "x_test", "y_test"]
    good = tmp_path / "mnist.npz"
    np.savez(good, **dict(zip(keys, mnist_arrays, strict=True)))
    np.testing.assert_array_equal(flat(mnist.load_data(path=good))[0], mnist_arrays[0])
    tampered = [a.copy() for a in mnist_arrays]
    tampered[2][0, 0, 0] ^= 1
    bad = tmp_path / "bad.npz"
    np.savez(bad, **dict(zip(keys, tampered, strict=True)))
    with pytest.raises(DatasetError, match="'x_test'.*does not match the MNIST checksum"):
        mnist.load_data(path=bad)


def test_data_env_comes_before_cache_and_system(tmp_path, shared_data, monkeypatch):
    cache = tmp_path / "home" / "datasets" / "mnist"
    shutil.copytree(shared_data / "mnist", cache)
    system = tmp_path / "system" / "mnist"
    shutil.copytree(shared_data / "mnist", system)
    assert {s.location for s in find_files("mnist")} == {"SCRATCHNN_DATA"}
    monkeypatch.delenv("SCRATCHNN_DATA")
    assert {s.location for s in find_files("mnist")} == {"user cache"}
    shutil.rmtree(cache)
    statuses = find_files("mnist")
    assert {s.location for s in statuses} == {"system folder"}
    assert statuses[0].path == system / "train-images-idx3-ubyte.gz"
    assert flat(mnist.load_data())[1].shape == (60000,)


def test_fashion_system_folder_is_debians(tmp_path, shared_data, monkeypatch):
    monkeypatch.delenv("SCRATCHNN_DATA")
    shutil.copytree(shared_data / "fashion-mnist", tmp_path / "system" / "fashion-mnist")
    assert {s.location for s in find_files("fashion_mnist")} == {"system folder"}


def test_damaged_file_in_data_folder_is_reported_not_skipped(tmp_path, shared_data, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(shared_data / "mnist", data / "mnist")
    # A good copy in the cache must not hide the damaged file the user pointed at.
    shutil.copytree(shared_data / "mnist", tmp_path / "home" / "datasets" / "mnist")
    labels = data / "mnist" / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.write_bytes(gzip.compress(raw[:-100]))
    monkeypatch.setenv("SCRATCHNN_DATA", str(data))
    with pytest.raises(DatasetError, match="truncated") as info:
        mnist.load_data()
    assert str(labels) in str(info.value) and "scratchnn datasets fetch mnist" in str(info.value)


def test_wrong_content_with_right_layout_is_refused(tmp_path, shared_data, monkeypatch):
    """Fashion-MNIST files put where MNIST is expected have the right shapes but not the right bytes."""
    data = tmp_path / "data"
    shutil.copytree(shared_data / "fashion-mnist", data / "mnist")
    monkeypatch.setenv("SCRATCHNN_DATA", str(data))
    with pytest.raises(DatasetError, match="checksum mismatch"):
        mnist.load_data()


def test_nothing_found_and_no_network_fails_fast_with_full_report(monkeypatch, tmp_path):
    monkeypatch.delenv("SCRATCHNN_DATA")
    start = time.perf_counter()
    with pytest.raises(DatasetError) as info:
        fashion_mnist.load_data()
    assert time.perf_counter() - start < 5
    message = str(info.value)
    for expected in [
        "Cannot load Fashion-MNIST: 4 file(s) not found",
        "1. SCRATCHNN_DATA: ($SCRATCHNN_DATA is not set)",
        f"2. user cache: {tmp_path / 'home' / 'datasets' / 'fashion-mnist'}",
        f"3. system folder: {tmp_path / 'system' / 'fashion-mnist'}",
        "4. download of train-images-idx3-ubyte.gz",
        "Connection refused",
        "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz",
        "scratchnn datasets fetch fashion_mnist",
        "load_data(path=DIR)",
    ]:
        assert expected in message, (expected, message)


def test_damaged_cache_is_reported_when_offline(monkeypatch, tmp_path, shared_data):
    monkeypatch.delenv("SCRATCHNN_DATA")
    cache = tmp_path / "home" / "datasets" / "mnist"
    shutil.copytree(shared_data / "mnist", cache)
    (cache / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(DatasetError, match="1 file.s. not found: train-labels") as info:
        mnist.load_data()
    assert f"damaged copy in the user cache: {cache / 'train-labels-idx1-ubyte.gz'}" in str(info.value)


def test_explicit_path_may_be_a_data_root(shared_data, monkeypatch, mnist_arrays):
    monkeypatch.delenv("SCRATCHNN_DATA")
    np.testing.assert_array_equal(flat(mnist.load_data(path=str(shared_data)))[1], mnist_arrays[1])
