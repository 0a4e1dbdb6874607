"""Built-in training recipes: the tutorials' networks, data splits and settings as plain data.

A `Recipe` is a frozen dataclass (the nanoGPT-config shape): every field is a
number, a string or a tuple, so a recipe is read, never executed.
`build_model(recipe)` turns it into a compiled Keras-style model and
`load_split(recipe)` into the arrays; layers are looked up in
`scratchnn.layers` only when a model is built, so the CNN recipe costs nothing
until it is used.

Example:

>>> recipe = get("mnist-dense").replace(epochs=2)           # doctest: +SKIP
>>> data = load_split(recipe)                                # doctest: +SKIP
>>> model = build_model(recipe)                              # doctest: +SKIP
>>> model.fit(data.x_train, data.y_train, epochs=recipe.epochs)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The CNN tutorial's feature extractor: (filters, kernel, padding) per Conv2D, each followed by MaxPooling2D.
TUTORIAL_CONVOLUTIONS = ((32, 5, "same"), (64, 3, "valid"), (128, 3, "valid"))


@dataclass(frozen=True)
class Recipe:
    """One tutorial's network and training set-up.

    Attributes:
        name: the command-line name (`scratchnn train NAME`).
        title: one line describing the tutorial.
        reported: the tutorial's published result, shown by `scratchnn recipes`.
        dataset: `"mnist"` or `"fashion_mnist"`.
        split: how train / validation / test are cut:
            `"test-halves"`: all 60,000 training images; validation = second
            half of the test set, test = first half.
            `"last-5000"`: the last 5,000 training images validate, the test set tests.
            `"first-5000"`: train on the first 5,000 training images, no
            validation, the test set tests.
            `"all-75-25"`: all 70,000 images shuffled (seed 42), 75% train
            (its last 10% validate), 25% test.
        kind: `"dense"` (Flatten + Dense layers) or `"cnn"` (the tutorial's
            three Conv2D/MaxPooling2D blocks, then Dense layers).
        hidden_units: sizes of the hidden Dense layers.
        activation: the hidden layers' activation.
        optimizer: optimizer name (`"sgd"`, `"adam"`, ...).
        learning_rate: None keeps the optimizer's Keras default.
        epochs: training epochs.
        batch_size: samples per update.
        seed: `keras.utils.set_random_seed` value.
        reported_accuracy: the tutorial's figure as a fraction (0.966), to
            compare a run with; None when the tutorial gives none.
        reported_split: `"test"` or `"validation"`: which accuracy the
            tutorial's figure is.
    """

    name: str
    title: str
    reported: str
    dataset: str
    split: str
    kind: str = "dense"
    hidden_units: tuple[int, ...] = (250, 100)
    activation: str = "relu"
    optimizer: str = "sgd"
    learning_rate: float | None = None
    epochs: int = 20
    batch_size: int = 32
    seed: int = 42
    convolutions: tuple[tuple[int, int, str], ...] = field(default=())
    reported_accuracy: float | None = None
    reported_split: str = "test"

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some fields changed; None values are ignored (unset command-line options)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        """The recipe as a JSON-safe dict (tuples become lists)."""
        return dataclasses.asdict(self)


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "mnist-dense",
            "MNIST, Dense 250/100 relu + softmax, SGD, 20 epochs",
            "96.6% test accuracy",
            "mnist",
            "test-halves",
            reported_accuracy=0.966,
        ),
        Recipe(
            "mnist-cnn",
            "MNIST, Conv2D 32/64/128 + MaxPooling2D, Dense 128, SGD, 10 epochs",
            "98.1% test accuracy",
            "mnist",
            "test-halves",
            kind="cnn",
            hidden_units=(128,),
            epochs=10,
            convolutions=TUTORIAL_CONVOLUTIONS,
            reported_accuracy=0.981,
        ),
        Recipe(
            "fashion-mlp",
            "Fashion-MNIST, Géron's Dense 300/100 relu MLP, SGD, 30 epochs",
            "88.9% validation accuracy",
            "fashion_mnist",
            "last-5000",
            hidden_units=(300, 100),
            epochs=30,
            reported_accuracy=0.889,
            reported_split="validation",
        ),
        Recipe(
            "fashion-numpy",
            "Fashion-MNIST, 784-128-10 sigmoid on 5,000 images (the NumPy-only tutorial)",
            "76% test accuracy",
            "fashion_mnist",
            "first-5000",
            hidden_units=(128,),
            activation="sigmoid",
            learning_rate=0.1,
            epochs=30,
            reported_accuracy=0.76,
        ),
        Recipe(
            "mnist-sigmoid",
            "MNIST, Dense 128/64 sigmoid, SGD 0.01, batch 128, 75/25 split of 70,000 images",
            "92% test accuracy",
            "mnist",
            "all-75-25",
            hidden_units=(128, 64),
            activation="sigmoid",
            learning_rate=0.01,
            epochs=100,
            batch_size=128,
            reported_accuracy=0.92,
        ),
    )
}


def from_dict(config: dict[str, Any]) -> Recipe:
    """The recipe that `Recipe.as_dict()` wrote (lists become tuples again; unknown keys are ignored)."""
    names = {f.name for f in dataclasses.fields(Recipe)}

    def tuples(value: Any) -> Any:
        return tuple(tuples(v) for v in value) if isinstance(value, list) else value

    return Recipe(**{k: tuples(v) for k, v in config.items() if k in names})


def get(name: str) -> Recipe:
    """The built-in recipe called `name`.

    Raises:
        ValueError: unknown name; the message lists the recipes.
    """
    if name not in RECIPES:
        close = difflib.get_close_matches(name, list(RECIPES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Unknown recipe.{hint} Available recipes: {', '.join(RECIPES)}. Received: recipe={name!r}"
        )
    return RECIPES[name]


def class_names(dataset: str) -> tuple[str, ...]:
    """Display names of the ten classes of `dataset` (digits for MNIST)."""
    if dataset == "fashion_mnist":
        from scratchnn.datasets import fashion_mnist

        return tuple(fashion_mnist.CLASS_NAMES)
    return tuple(str(i) for i in range(10))


@dataclass
class Split:
    """A recipe's arrays: images scaled to [0, 1], shaped for the model; labels `(N,)` ints."""

    x_train: Any
    y_train: Any
    x_valid: Any
    y_valid: Any
    x_test: Any
    y_test: Any
    class_names: tuple[str, ...]

    @property
    def validation_data(self) -> tuple[Any, Any] | None:
        return None if self.x_valid is None else (self.x_valid, self.y_valid)


def split_parts(recipe: Recipe, data: Split) -> dict[str, str]:
    """Which images trained, validated and tested a run of `recipe`, in words.

    Returns:
        `{"training": ..., "validation": ..., "test": ...}`, e.g. for mnist-dense
        `"test": "test images 0-4,999 (the first half of the MNIST test set)"`.
    """
    n_train, n_test = len(data.y_train), len(data.y_test)
    n_valid = 0 if data.y_valid is None else len(data.y_valid)
    dataset = "Fashion-MNIST" if recipe.dataset == "fashion_mnist" else "MNIST"
    if recipe.split == "test-halves":
        return {
            "training": f"the first {n_train:,} {dataset} training images",
            "validation": f"test images 5,000-{5000 + n_valid - 1:,} (from the second half of the {dataset} "
            "test set, as the tutorial splits it)",
            "test": f"test images 0-{n_test - 1:,} (from the first half of the {dataset} test set)",
        }
    if recipe.split in ("last-5000", "first-5000"):
        held_out = f"training images 55,000-{55000 + n_valid - 1:,} (the last 5,000 hold out)"
        return {
            "training": f"the first {n_train:,} {dataset} training images",
            "validation": held_out if recipe.split == "last-5000" else "none",
            "test": f"test images 0-{n_test - 1:,} of the {dataset} test set",
        }
    if recipe.split == "all-75-25":
        return {
            "training": f"{n_train:,} of the first 75% of all 70,000 {dataset} images shuffled with seed 42",
            "validation": f"{n_valid:,} of the last 10% of that 75%",
            "test": f"{n_test:,} of the other 25% of the shuffled images",
        }
    return {
        "training": f"{n_train:,} images",
        "validation": f"{n_valid:,} images",
        "test": f"{n_test:,} images",
    }


def describe_split(recipe: Recipe, data: Split) -> str:
    """One sentence saying which images trained, which validated and which tested a run of `recipe`."""
    parts = split_parts(recipe, data)
    return f"Training: {parts['training']}. Validation: {parts['validation']}. Test: {parts['test']}."


def input_shape(recipe: Recipe) -> tuple[int, ...]:
    """The shape of one input sample: `(28, 28, 1)` for the CNN, `(28, 28)` otherwise."""
    return (28, 28, 1) if recipe.kind == "cnn" else (28, 28)


def load_split(recipe: Recipe, subset: int | None = None) -> Split:
    """Loads the recipe's data set and cuts it as `recipe.split` says.

    Args:
        recipe: the recipe.
        subset: keep at most this many samples of each part (quick runs and
            tests). Defaults to None (everything).

    Returns:
        A `Split`; `x_*` float32 `(N, 28, 28)` (or `(N, 28, 28, 1)` for the CNN).

    Raises:
        ValueError: unknown split.
    """
    from scratchnn import datasets

    (x_a, y_a), (x_b, y_b) = datasets.get(recipe.dataset).load_data()
    x_valid = y_valid = None
    if recipe.split == "test-halves":
        x_train, y_train = x_a, y_a
        x_test, y_test, x_valid, y_valid = x_b[:5000], y_b[:5000], x_b[5000:], y_b[5000:]
    elif recipe.split == "last-5000":
        x_train, y_train, x_valid, y_valid = x_a[:-5000], y_a[:-5000], x_a[-5000:], y_a[-5000:]
        x_test, y_test = x_b, y_b
    elif recipe.split == "first-5000":
        x_train, y_train, x_test, y_test = x_a[:5000], y_a[:5000], x_b, y_b
    elif recipe.split == "all-75-25":
        x, y = np.concatenate([x_a, x_b]), np.concatenate([y_a, y_b])
        order = np.random.default_rng(42).permutation(len(x))
        cut = int(len(x) * 0.75)
        held = cut - int(cut * 0.1)  # fit(validation_split=0.1) holds out the last 10%
        train, test = order[:cut], order[cut:]
        x_train, y_train, x_valid, y_valid = (
            x[train[:held]],
            y[train[:held]],
            x[train[held:]],
            y[train[held:]],
        )
        x_test, y_test = x[test], y[test]
    else:
        raise ValueError(
            "Unknown split. Expected one of test-halves, last-5000, first-5000, all-75-25. "
            f"Received: split={recipe.split!r}"
        )
    shape = input_shape(recipe)

    def prepare(x: Any, y: Any) -> tuple[Any, Any]:
        if x is None:
            return None, None
        x, y = x[:subset], y[:subset]
        # uint8 (N, 28, 28) -> float32 in [0, 1], (N, *shape)
        return (x.astype(np.float32) / 255.0).reshape((len(x), *shape)), y.astype(np.int64)

    x_train, y_train = prepare(x_train, y_train)
    x_valid, y_valid = prepare(x_valid, y_valid)
    x_test, y_test = prepare(x_test, y_test)
    return Split(x_train, y_train, x_valid, y_valid, x_test, y_test, class_names(recipe.dataset))


def build_model(recipe: Recipe, compile: bool = True) -> Any:
    """The recipe's network as a `Sequential`, compiled with sparse cross-entropy and accuracy.

    Raises:
        ValueError: unknown `kind` or optimizer name.
    """
    from scratchnn import layers, models

    stack: list[Any] = [layers.Input(shape=input_shape(recipe))]
    if recipe.kind == "cnn":
        for filters, kernel, padding in recipe.convolutions:
            stack.append(layers.Conv2D(filters, kernel, padding=padding, activation="relu"))
            stack.append(layers.MaxPooling2D())
    elif recipe.kind != "dense":
        raise ValueError(f"Unknown recipe kind. Expected 'dense' or 'cnn'. Received: kind={recipe.kind!r}")
    stack.append(layers.Flatten())
    stack += [layers.Dense(units, activation=recipe.activation) for units in recipe.hidden_units]
    stack.append(layers.Dense(10, activation="softmax"))
    model = models.Sequential(stack, name=recipe.name.replace("-", "_"))
    if compile:
        model.compile(
            optimizer=make_optimizer(recipe.optimizer, recipe.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
    return model


def make_optimizer(name: str, learning_rate: float | None = None) -> Any:
    """`optimizers.get(name)` with its learning rate set when one is given."""
    from scratchnn import optimizers

    optimizer = optimizers.get(name)
    if learning_rate is not None:
        optimizer.learning_rate = float(learning_rate)
    return optimizer
