"""Regression MLPs on a generated housing-like data set: a Sequential MLP and a Wide & Deep model.

Géron's chapter 10 trains these on California housing, which needs a download;
this script generates a data set of the same shape instead (8 features named
like the census block features, a median house value in units of $100,000),
with a fixed seed, so it runs offline and repeats exactly.

    MLP:         Normalization (adapted on the training features) -> Dense(50, relu) x 3 -> Dense(1)
    Wide & Deep: Input -> Normalization -> Dense(30, relu) x 2 -> Concatenate([normalized input, hidden])
                 -> Dense(1), built with the functional API

Both minimise the mean squared error with Adam; the script prints the test
RMSE of each and of the constant predictor (the training mean).

    python examples/regression.py [--samples N] [--epochs N] [--seed S]
"""

import argparse

import numpy as np

from scratchnn import keras  # was: import tensorflow as tf; keras = tf.keras

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--samples", type=int, default=20640)
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--learning-rate", type=float, default=1e-3)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--verbose", type=int, default=2)
args = parser.parse_args()

FEATURES = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]


def make_housing(n, seed):
    """Housing-like features (n, 8) and a target (n,) that depends on them non-linearly, plus noise."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(1.2, 0.45, n)  # median income, $10,000s
    age = rng.uniform(1, 52, n)
    rooms = rng.lognormal(1.6, 0.25, n) + 0.3 * income
    bedrooms = rooms * rng.uniform(0.17, 0.25, n)
    population = rng.lognormal(7.0, 0.7, n)
    occupancy = rng.lognormal(1.0, 0.3, n)
    lat = rng.uniform(32.5, 42.0, n)
    lon = -124.3 + (42.0 - lat) * 0.9 + rng.normal(0, 0.8, n)
    coast = np.exp(-((lon + 122.0 + 0.8 * (lat - 38.0)) ** 2))  # higher prices near the coast line
    value = (
        0.45 * income
        + 1.2 * coast
        + 0.008 * age
        - 0.25 * np.log(occupancy)
        + 0.3 * np.sin(income)
        + 0.05 * (rooms - bedrooms)
        + rng.normal(0, 0.25, n)
    )
    X = np.column_stack([income, age, rooms, bedrooms, population, occupancy, lat, lon]).astype("float32")
    return X, np.clip(value, 0.15, 5.0).astype("float32")


keras.utils.set_random_seed(args.seed)
X, y = make_housing(args.samples, args.seed)
order = np.random.default_rng(args.seed).permutation(len(X))
n_test, n_valid = len(X) // 5, len(X) // 5
test, valid, train = np.split(order, [n_test, n_test + n_valid])
X_train, y_train = X[train], y[train]
X_valid, y_valid = X[valid], y[valid]
X_test, y_test = X[test], y[test]
baseline = float(np.sqrt(np.mean((y_test - y_train.mean()) ** 2)))
print(f"data: {len(X_train)} train / {len(X_valid)} valid / {len(X_test)} test samples, features {FEATURES}")


def train(model, name):
    model.compile(
        loss="mse",
        optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate),
        metrics=["RootMeanSquaredError"],
    )
    model.fit(
        X_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_data=(X_valid, y_valid),
        verbose=args.verbose,
    )
    _, rmse = model.evaluate(X_test, y_test, verbose=0)
    print(f"{name} test RMSE: {rmse:.4f}")
    return rmse


# The Sequential MLP (Géron: three hidden layers of 50 units).
norm_layer = keras.layers.Normalization()
norm_layer.adapt(X_train)
mlp = keras.Sequential(
    [
        keras.Input(shape=X_train.shape[1:]),
        norm_layer,
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(50, activation="relu"),
        keras.layers.Dense(1),
    ]
)
mlp_rmse = train(mlp, "mlp")

# Wide & Deep: the normalized inputs reach the output both directly (wide) and through the stack (deep).
normalization = keras.layers.Normalization()
normalization.adapt(X_train)
input_ = keras.Input(shape=X_train.shape[1:])
normalized = normalization(input_)
hidden1 = keras.layers.Dense(30, activation="relu")(normalized)
hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
concat = keras.layers.Concatenate()([normalized, hidden2])
output = keras.layers.Dense(1)(concat)
wide_deep = keras.Model(inputs=[input_], outputs=[output])
wide_deep_rmse = train(wide_deep, "wide_deep")

print(f"baseline test RMSE: {baseline:.4f}  (constant predictor: the training mean)")
