"""keras.utils.array_to_img / img_to_array / save_img / load_img against real Keras 3 on the same
inputs and files, their errors, and the message naming the `image` extra when Pillow is missing."""

import io
import sys

import keras as real_keras
import numpy as np
import pytest
from PIL import Image

import scratchnn.keras as keras


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_array_to_img_matches_keras(channels, scale, data_format, rng):
    x = rng.uniform(-1, 1, (5, 7, channels)) if scale else rng.uniform(0, 255, (5, 7, channels))
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    ours = keras.utils.array_to_img(x, data_format=data_format, scale=scale)
    theirs = real_keras.utils.array_to_img(x, data_format=data_format, scale=scale)
    assert ours.mode == theirs.mode and ours.size == theirs.size == (7, 5)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_array_to_img_32_bit_grayscale_and_errors():
    x = np.arange(12, dtype="float32").reshape(3, 4, 1) * 100  # values above 255, unscaled
    ours, theirs = keras.utils.array_to_img(x, scale=False), real_keras.utils.array_to_img(x, scale=False)
    assert ours.mode == theirs.mode == "I"
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    with pytest.raises(ValueError, match="rank 3"):
        keras.utils.array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        keras.utils.array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="data_format"):
        keras.utils.array_to_img(np.zeros((4, 4, 3)), data_format="nhwc")


@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_img_to_array_matches_keras(mode, data_format, rng):
    img = Image.fromarray(rng.integers(0, 256, (6, 5, 3), dtype="uint8"), "RGB").convert(mode)
    ours = keras.utils.img_to_array(img, data_format=data_format)
    theirs = real_keras.utils.img_to_array(img, data_format=data_format)
    assert ours.dtype == theirs.dtype == np.float32 and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    assert keras.utils.img_to_array(img, dtype="uint8").dtype == np.uint8


@pytest.fixture
def png(tmp_path, rng):
    path = tmp_path / "picture.png"
    Image.fromarray(rng.integers(0, 256, (30, 50, 4), dtype="uint8"), "RGBA").save(path)
    return path


@pytest.mark.parametrize("color_mode", ["rgb", "rgba", "grayscale"])
@pytest.mark.parametrize(
    "target_size,interpolation,keep_aspect_ratio",
    [
        (None, "nearest", False),
        ((20, 20), "nearest", False),
        ((16, 24), "bilinear", True),
        ((10, 40), "bicubic", True),
    ],
)
def test_load_img_matches_keras(png, color_mode, target_size, interpolation, keep_aspect_ratio):
    kwargs = {
        "color_mode": color_mode,
        "target_size": target_size,
        "interpolation": interpolation,
        "keep_aspect_ratio": keep_aspect_ratio,
    }
    ours, theirs = keras.utils.load_img(png, **kwargs), real_keras.utils.load_img(png, **kwargs)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_load_img_from_str_bytes_and_bytes_io(png):
    reference = np.asarray(keras.utils.load_img(png))
    assert reference.shape == (30, 50, 3)
    np.testing.assert_array_equal(np.asarray(keras.utils.load_img(str(png))), reference)
    np.testing.assert_array_equal(np.asarray(keras.utils.load_img(str(png).encode())), reference)
    np.testing.assert_array_equal(np.asarray(keras.utils.load_img(io.BytesIO(png.read_bytes()))), reference)
    with pytest.raises(TypeError, match="path-like or io.BytesIO"):
        keras.utils.load_img(3)
    with pytest.raises(ValueError, match="color_mode"):
        keras.utils.load_img(png, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        keras.utils.load_img(png, target_size=(4, 4), interpolation="cubic")


def test_save_img_round_trip_and_file_formats(tmp_path, rng):
    x = rng.uniform(0, 1, (8, 6, 3)).astype("float32")
    keras.utils.save_img(tmp_path / "ours.png", x)
    real_keras.utils.save_img(tmp_path / "theirs.png", x)
    ours = keras.utils.img_to_array(keras.utils.load_img(tmp_path / "ours.png"))
    np.testing.assert_array_equal(
        ours, real_keras.utils.img_to_array(real_keras.utils.load_img(tmp_path / "theirs.png"))
    )
    buffer = io.BytesIO()
    keras.utils.save_img(buffer, x, file_format="png")
    np.testing.assert_array_equal(
        keras.utils.img_to_array(keras.utils.load_img(io.BytesIO(buffer.getvalue()))), ours
    )
    rgba = rng.uniform(0, 1, (8, 6, 4))
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        keras.utils.save_img(tmp_path / "photo.jpg", rgba)
    with Image.open(tmp_path / "photo.jpg") as saved:
        assert saved.mode == "RGB"


@pytest.mark.parametrize(
    "call",
    [
        lambda: keras.utils.array_to_img(np.zeros((2, 2, 3))),
        lambda: keras.utils.load_img("missing.png"),
        lambda: keras.utils.save_img("out.png", np.zeros((2, 2, 3))),
    ],
)
def test_missing_pillow_names_the_image_extra(call, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # `from PIL import Image` now raises ImportError
    with pytest.raises(ImportError, match=r'needs Pillow.*pip install "scratchnn\[image\]"'):
        call()
