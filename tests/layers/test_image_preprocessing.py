"""Image preprocessing layers: the deterministic core against Keras/JAX on Keras's own random
parameters, the random part by its properties, training/inference, seeding, gradients, configs."""

import keras
import numpy as np
import pytest

from scratchnn import layers, models, utils
from scratchnn.testing import check_gradients, run_layer_test

AFFINE_MODES = [(m, i) for m in ("reflect", "wrap", "constant", "nearest") for i in ("bilinear", "nearest")]


@pytest.fixture
def images(rng):
    return rng.uniform(0, 1, (3, 8, 10, 2)).astype("float32")


def _keras_transformation(layer, x, seed=3):
    """Keras draws the parameters; they come back as NumPy for our transform_images."""
    t = layer.get_random_transformation(x, training=True, seed=keras.random.SeedGenerator(seed))
    if isinstance(t, dict):
        return t, {k: (np.asarray(v) if hasattr(v, "shape") else v) for k, v in t.items()}
    return t, tuple(int(v) for v in t)


RANDOM_CASES = [
    *[("RandomRotation", {"factor": 0.3, "fill_mode": m, "interpolation": i}) for m, i in AFFINE_MODES],
    *[
        (
            "RandomZoom",
            {"height_factor": 0.3, "width_factor": (-0.2, 0.4), "fill_mode": m, "interpolation": i},
        )
        for m, i in AFFINE_MODES
    ],
    *[
        ("RandomTranslation", {"height_factor": 0.3, "width_factor": 0.2, "fill_mode": m, "interpolation": i})
        for m, i in AFFINE_MODES
    ],
    ("RandomZoom", {"height_factor": (-0.5, -0.1)}),
    ("RandomRotation", {"factor": (0.2, 0.3), "fill_mode": "constant", "fill_value": 0.5}),
    ("RandomFlip", {}),
    ("RandomFlip", {"mode": "horizontal"}),
    ("RandomFlip", {"mode": "vertical"}),
    ("RandomContrast", {"factor": 0.5, "value_range": (0, 1)}),
    ("RandomContrast", {"factor": (0.3, 0.6), "value_range": (0, 1)}),
    ("RandomBrightness", {"factor": 0.3, "value_range": (0, 1)}),
    ("RandomCrop", {"height": 5, "width": 6}),
    ("RandomCrop", {"height": 9, "width": 9}),
]


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES)
def test_transform_matches_keras_on_keras_parameters(name, kwargs, images):
    theirs = getattr(keras.layers, name)(**kwargs)
    keras_t, numpy_t = _keras_transformation(theirs, images)
    expected = np.asarray(theirs.transform_images(images, keras_t))
    out = getattr(layers, name)(**kwargs).transform_images(images, numpy_t).numpy()
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES)
def test_config_matches_keras(name, kwargs):
    ours = getattr(layers, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    keys = set(theirs) - {"dtype", "name", "trainable", "seed"}
    assert {k: ours[k] for k in keys} == {k: theirs[k] for k in keys}


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("Resizing", {"height": 5, "width": 7}),
        ("Resizing", {"height": 16, "width": 4, "interpolation": "nearest"}),
        ("Resizing", {"height": 6, "width": 6, "crop_to_aspect_ratio": True}),
        ("Resizing", {"height": 4, "width": 9, "pad_to_aspect_ratio": True, "fill_value": 0.25}),
        ("Resizing", {"height": 3, "width": 4, "antialias": True}),
        ("CenterCrop", {"height": 5, "width": 7}),
        ("CenterCrop", {"height": 12, "width": 7}),
    ],
)
def test_deterministic_layers_match_keras(name, kwargs, images):
    ours, theirs = getattr(layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    np.testing.assert_allclose(ours(images).numpy(), np.asarray(theirs(images)), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(ours(images[0]).numpy(), np.asarray(theirs(images[0])), atol=1e-5, rtol=1e-5)
    keys = set(theirs.get_config()) - {"dtype", "name", "trainable"}
    assert {k: ours.get_config()[k] for k in keys} == {k: theirs.get_config()[k] for k in keys}


def test_resizing_keeps_integer_dtypes_like_keras(rng):
    x = rng.integers(0, 256, (2, 5, 7, 3)).astype("uint8")
    ours, theirs = layers.Resizing(3, 9)(x), keras.layers.Resizing(3, 9)(x)
    assert ours.dtype == "uint8" == theirs.dtype
    np.testing.assert_array_equal(ours.numpy(), np.asarray(theirs))
    assert layers.CenterCrop(2, 2)(x).dtype == "float32"  # the other layers give floats, as in Keras


@pytest.mark.parametrize(
    "cls,kwargs,shape,out_shape",
    [
        (layers.Resizing, {"height": 4, "width": 3}, (2, 6, 5, 2), (2, 4, 3, 2)),
        (layers.Resizing, {"height": 7, "width": 9, "interpolation": "nearest"}, (1, 3, 4, 1), (1, 7, 9, 1)),
        (
            layers.Resizing,
            {"height": 4, "width": 4, "crop_to_aspect_ratio": True},
            (2, 6, 5, 1),
            (2, 4, 4, 1),
        ),
        (layers.CenterCrop, {"height": 3, "width": 2}, (2, 5, 5, 2), (2, 3, 2, 2)),
        (layers.CenterCrop, {"height": 7, "width": 4}, (1, 5, 5, 1), (1, 7, 4, 1)),
    ],
)
def test_deterministic_layers_harness(cls, kwargs, shape, out_shape):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out_shape)


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES)
def test_random_layers_harness_at_inference_is_identity(name, kwargs, images):
    if name == "RandomCrop":
        layer = layers.RandomCrop(**kwargs)
        np.testing.assert_array_equal(layer(images, training=False).numpy(), images)  # Keras 3 passes through
        return
    layer = run_layer_test(
        getattr(layers, name), kwargs, input_shape=(2, 6, 7, 3), call_kwargs={"training": False}
    )
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES)
def test_random_layers_gradients_through_a_fixed_transformation(name, kwargs, rng, float64):
    layer = getattr(layers, name)(**kwargs, seed=5)
    x = rng.uniform(0.05, 0.95, (2, 6, 7, 2))  # inside value_range: no clipping kinks
    transformation = layer.get_random_transformation(x, training=True)
    check_gradients(lambda t: layer.transform_images(t, transformation), [x])


@pytest.mark.parametrize("name,kwargs", RANDOM_CASES)
def test_random_layers_repeat_with_a_seed_and_under_set_random_seed(name, kwargs, images):
    a = getattr(layers, name)(**kwargs, seed=11)
    b = getattr(layers, name)(**kwargs, seed=11)
    first = a(images).numpy()
    np.testing.assert_array_equal(first, b(images).numpy())
    outs = []
    for _ in range(2):
        utils.set_random_seed(4)
        outs.append(getattr(layers, name)(**kwargs)(images).numpy())
    np.testing.assert_array_equal(outs[0], outs[1])


def test_call_defaults_to_training_as_in_keras_and_predict_is_identity(images):
    flip = layers.RandomFlip("horizontal", seed=0)
    outs = [flip(images).numpy() for _ in range(6)]
    assert any(not np.array_equal(o, images) for o in outs)  # called on its own, it augments
    model = models.Sequential([layers.Input((8, 10, 2)), layers.RandomRotation(0.2), layers.RandomZoom(0.2)])
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    assert not np.allclose(model(images, training=True).numpy(), images)


def test_augmentation_inside_fit(rng):
    x = rng.uniform(0, 1, (16, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 2, 16)
    model = models.Sequential(
        [
            layers.Input((8, 8, 1)),
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
            layers.RandomTranslation(0.1, 0.1),
            layers.RandomZoom(0.1),
            layers.RandomContrast(0.2, value_range=(0, 1)),
            layers.RandomBrightness(0.1, value_range=(0, 1)),
            layers.Flatten(),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_flip_structure(images):
    layer = layers.RandomFlip("horizontal", seed=1)
    big = np.repeat(images, 100, axis=0)
    t = layer.get_random_transformation(big)
    assert 0.4 < t["flips"].mean() < 0.6
    out = layer.transform_images(big, t).numpy()
    flipped = t["flips"][:, 0, 0, 0]
    np.testing.assert_array_equal(out[flipped], big[flipped][:, :, ::-1])
    np.testing.assert_array_equal(out[~flipped], big[~flipped])
    both = layers.RandomFlip().transform_images(big, t).numpy()
    np.testing.assert_array_equal(both[flipped], big[flipped][:, ::-1, ::-1])


def test_rotation_angles_and_fixed_angle(images):
    layer = layers.RandomRotation((-0.1, 0.25), seed=2)
    angles = layer.get_random_transformation(np.zeros((500, 4, 4, 1)))["angle"]
    assert angles.min() >= -36 and angles.max() <= 90 and angles.std() > 20
    # A quarter turn of a square image with nearest interpolation is an exact rot90 (counter-clockwise).
    square = images[:, :8, :8]
    from scratchnn.ops.image import rotation_matrix

    t = {"rotation_matrix": rotation_matrix(np.full(3, 90.0, "float32"), 8, 8)}
    out = layers.RandomRotation(0.5, interpolation="nearest").transform_images(square, t).numpy()
    np.testing.assert_array_equal(out, np.rot90(square, k=1, axes=(1, 2)))


def test_zoom_and_translation_parameters(images):
    zoom = layers.RandomZoom((-0.2, 0.3), seed=0).get_random_transformation(np.zeros((300, 4, 4, 1)))
    assert zoom["height_zoom"].min() >= 0.8 and zoom["height_zoom"].max() <= 1.3
    np.testing.assert_array_equal(
        zoom["height_zoom"], zoom["width_zoom"]
    )  # width_factor=None keeps the aspect
    t = layers.RandomTranslation(0.5, (0.0, 0.25), seed=0).get_random_transformation(np.zeros((300, 4, 8, 1)))
    dx, dy = t["translations"][:, 0], t["translations"][:, 1]
    assert dy.min() >= -2 and dy.max() <= 2 and dx.min() >= 0 and dx.max() <= 2
    shift = {"translations": np.array([[2.0, 1.0]] * 3, "float32")}
    out = layers.RandomTranslation(0.5, 0.5, fill_mode="constant").transform_images(images, shift).numpy()
    np.testing.assert_allclose(out[:, 1:, 2:], images[:, :-1, :-2], atol=1e-6)


def test_contrast_and_brightness_properties():
    x = np.random.default_rng(0).uniform(0.3, 0.7, (200, 4, 4, 3)).astype("float32")
    contrast = layers.RandomContrast((0.5, 0.5), value_range=(-10, 10), seed=1)
    t = contrast.get_random_transformation(x)
    assert t["contrast_factor"].shape == (200, 1, 1, 1)
    assert t["contrast_factor"].min() >= 0.5 and t["contrast_factor"].max() <= 1.5
    out = contrast.transform_images(x, t).numpy()
    np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)), atol=1e-5)  # the mean is kept
    brightness = layers.RandomBrightness(0.2, value_range=(0, 1), seed=1)
    t = brightness.get_random_transformation(x)
    assert np.abs(t["rgb_delta"]).max() <= 0.2
    out = brightness.transform_images(x, t).numpy()
    np.testing.assert_allclose(out - x, np.broadcast_to(t["rgb_delta"], x.shape), atol=1e-6)
    saturated = brightness.transform_images(x, {"rgb_delta": np.full((200, 1, 1, 1), 0.9, "float32")}).numpy()
    assert saturated.max() == 1.0  # clipped to value_range


def test_random_crop_windows(images):
    layer = layers.RandomCrop(5, 6, seed=0)
    starts = {layer.get_random_transformation(images) for _ in range(200)}
    assert starts == {(top, left) for top in range(4) for left in range(5)}  # every position that fits
    out = layer(images).numpy()
    matches = [
        (i, j) for i in range(4) for j in range(5) if np.array_equal(out, images[:, i : i + 5, j : j + 6])
    ]
    assert len(matches) == 1  # one window, shared by the batch
    assert layers.RandomCrop(12, 4)(images).shape == (3, 12, 4, 2)  # too small: resized


def test_dict_inputs_single_images_and_masks(images):
    layer = layers.RandomFlip("horizontal", seed=0)
    labels = np.arange(3)
    out = layer({"images": images, "labels": labels, "segmentation_masks": images[..., :1]})
    assert set(out) == {"images", "labels", "segmentation_masks"}
    np.testing.assert_array_equal(np.asarray(out["labels"]), labels)
    same = np.isclose(out["images"].numpy()[..., :1], out["segmentation_masks"].numpy())
    assert same.all()  # the mask moves with its image
    assert layers.RandomRotation(0.2, seed=0)(images[0]).shape == images[0].shape
    assert layers.Resizing(4, 4)({"images": images})["images"].shape == (3, 4, 4, 2)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: layers.RandomRotation(1.5), "factor"),
        (lambda: layers.RandomRotation(0.1, fill_mode="edge"), "fill_mode"),
        (lambda: layers.RandomZoom(0.1, interpolation="bicubic"), "interpolation"),
        (lambda: layers.RandomZoom(-1.0), "height_factor"),
        (lambda: layers.RandomTranslation(0.1, (0.2, 1.2)), "width_factor"),
        (lambda: layers.RandomFlip("diagonal"), "mode"),
        (lambda: layers.RandomContrast(-0.1), "factor"),
        (lambda: layers.RandomBrightness(0.1, value_range=5), "value_range"),
        (lambda: layers.Resizing(0, 3), "height"),
        (lambda: layers.Resizing(3, 3, interpolation="lanczos3"), "interpolation"),
        (lambda: layers.CenterCrop(3, 3, data_format="channels_first"), "channels_last"),
        (lambda: layers.RandomFlip(bounding_box_format="xyxy"), "bounding boxes"),
    ],
)
def test_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_rank_errors():
    with pytest.raises(ValueError, match="rank 3 .*or 4"):
        layers.RandomFlip()(np.zeros((4, 4), "float32"))
