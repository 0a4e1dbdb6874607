"""Image ops: resize and affine_transform against keras.ops.image on JAX, float64 gradients, errors."""

import keras
import numpy as np
import pytest

from scratchnn import backend
from scratchnn.ops import image
from scratchnn.testing import check_gradients

SIZES = [(3, 4), (14, 18), (7, 5), (1, 1), (5, 13), (7, 9)]
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]


@pytest.fixture
def images(rng):
    return rng.uniform(0, 1, (2, 7, 9, 3)).astype("float32")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "interpolation,antialias", [("bilinear", False), ("bilinear", True), ("nearest", False)]
)
def test_resize_matches_keras(images, size, interpolation, antialias):
    ours = image.resize(images, size, interpolation, antialias=antialias).numpy()
    theirs = np.asarray(keras.ops.image.resize(images, size, interpolation, antialias=antialias))
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("size", [(4, 4), (3, 8), (8, 3)])
@pytest.mark.parametrize(
    "option", [{"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True, "fill_value": 0.5}]
)
def test_resize_to_aspect_ratio_matches_keras(images, size, option):
    ours = image.resize(images, size, **option).numpy()
    theirs = np.asarray(keras.ops.image.resize(images, size, **option))
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


def test_resize_single_image_and_identity(images):
    assert image.resize(images[0], (4, 5)).shape == (4, 5, 3)
    np.testing.assert_array_equal(image.resize(images, (7, 9)).numpy(), images)


@pytest.mark.parametrize("size", [(3, 4), (11, 6)])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"antialias": True},
        {"interpolation": "nearest"},
        {"crop_to_aspect_ratio": True},
        {"pad_to_aspect_ratio": True, "fill_value": 0.3},
    ],
)
def test_resize_gradients(size, kwargs, rng, float64):
    x = rng.standard_normal((2, 5, 7, 2))
    check_gradients(lambda t: image.resize(t, size, **kwargs), [x])


def _random_transforms(rng, n):
    """Mild affine transforms (rotation-like + shift) that move some samples outside the image."""
    noise = rng.normal(0, 1, (n, 8)) * np.array([0.3, 0.3, 2, 0.3, 0.3, 2, 0, 0])
    return (noise + np.array([1, 0, 0, 0, 1, 0, 0, 0])).astype("float32")


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_matches_keras(images, fill_mode, interpolation, rng):
    transform = _random_transforms(rng, 2)
    ours = image.affine_transform(images, transform, interpolation, fill_mode, 0.3).numpy()
    theirs = np.asarray(keras.ops.image.affine_transform(images, transform, interpolation, fill_mode, 0.3))
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


def test_affine_transform_single_image_and_shared_transform(images, rng):
    transform = _random_transforms(rng, 1)[0]
    single = image.affine_transform(images[0], transform).numpy()
    theirs = np.asarray(keras.ops.image.affine_transform(images[0], transform))
    np.testing.assert_allclose(single, theirs, atol=1e-5)
    both = image.affine_transform(images, transform).numpy()  # one (8,) transform for the batch
    np.testing.assert_allclose(both[0], single, atol=1e-6)


def test_affine_identity_and_integer_shift_are_exact(images):
    identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], dtype="float32")
    np.testing.assert_array_equal(image.affine_transform(images, identity).numpy(), images)
    shift = np.array([1, 0, -2, 0, 1, -1, 0, 0], dtype="float32")  # output (x, y) shows input (x - 2, y - 1)
    out = image.affine_transform(images, shift, fill_mode="constant", fill_value=-1.0).numpy()
    np.testing.assert_array_equal(out[:, 1:, 2:], images[:, :-1, :-2])
    assert (out[:, 0] == -1).all() and (out[:, :, :2] == -1).all()


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_affine_transform_gradients(fill_mode, interpolation, rng, float64):
    x = rng.standard_normal((2, 5, 6, 2))
    transform = _random_transforms(rng, 2).astype("float64")
    check_gradients(lambda t: image.affine_transform(t, transform, interpolation, fill_mode, 0.5), [x])


def test_rotation_matrix_matches_keras():
    from keras.src.layers.preprocessing.image_preprocessing.random_rotation import RandomRotation

    angle = np.array([-30.0, 12.5, 90.0], dtype="float32")
    zeros, ones = np.zeros(3, "float32"), np.ones(3, "float32")
    theirs = RandomRotation(0.1)._compute_affine_matrix(
        0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, 6, 8
    )
    np.testing.assert_allclose(image.rotation_matrix(angle, 6, 8), np.asarray(theirs), atol=1e-6)


def test_flip_and_its_gradient(rng, float64):
    x = rng.standard_normal((2, 3, 4, 1))
    np.testing.assert_array_equal(image.flip(x, -2).numpy(), x[:, :, ::-1])
    check_gradients(lambda t: image.flip(t, -3), [x])


@pytest.mark.parametrize(
    "index,mode,expected",
    [
        ([-3, -1, 0, 3, 4, 6], "nearest", [0, 0, 0, 3, 3, 3]),
        ([-3, -1, 0, 3, 4, 6], "wrap", [1, 3, 0, 3, 0, 2]),
        ([-3, -1, 0, 3, 4, 6], "mirror", [3, 1, 0, 3, 2, 0]),
        ([-3, -1, 0, 3, 4, 6], "reflect", [2, 0, 0, 3, 3, 1]),
    ],
)
def test_fix_index_folds_like_scipy_modes(index, mode, expected):
    np.testing.assert_array_equal(image.fix_index(backend.asarray(index), 4, mode), expected)


def test_integer_images_as_jax_treats_them(rng):
    x = rng.integers(0, 256, (2, 5, 6, 3)).astype("uint8")
    ours, theirs = image.resize(x, (3, 4)), keras.ops.image.resize(x, (3, 4))
    assert ours.dtype == str(theirs.dtype) == "uint8"
    # Rounded floats: a value within float error of a half may round either way.
    assert np.abs(ours.numpy().astype(int) - np.asarray(theirs).astype(int)).max() <= 1
    transform = _random_transforms(rng, 2)
    ours, theirs = image.affine_transform(x, transform), keras.ops.image.affine_transform(x, transform)
    assert ours.dtype == "uint8" == str(theirs.dtype)
    assert np.abs(ours.numpy().astype(int) - np.asarray(theirs).astype(int)).max() <= 1


def test_image_op_errors(images):
    with pytest.raises(ValueError, match="interpolation"):
        image.resize(images, (3, 3), "bicubic")
    with pytest.raises(ValueError, match="Only one of"):
        image.resize(images, (3, 3), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="size"):
        image.resize(images, (3,))
    with pytest.raises(ValueError, match="rank 3"):
        image.resize(images[0, 0], (3, 3))
    with pytest.raises(ValueError, match="fill_mode"):
        image.affine_transform(images, np.eye(3).reshape(-1)[:8], fill_mode="edge")
    with pytest.raises(ValueError, match="transform"):
        image.affine_transform(images, np.zeros((3, 8)))
