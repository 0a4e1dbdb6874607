"""Optimizer API: configs, get/serialize, argument checks, state, dtypes and edge cases."""

import keras
import numpy as np
import pytest

from scratchnn import optimizers
from scratchnn.ops.tensor import Tensor, Variable

NAMES = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"]
CLASSES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"]
NON_DEFAULT = {
    "SGD": {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "clipnorm": 1.0},
    "Adam": {"learning_rate": 0.01, "beta_1": 0.8, "amsgrad": True, "global_clipnorm": 2.0},
    "AdamW": {"weight_decay": 0.1, "epsilon": 1e-5, "use_ema": True, "ema_momentum": 0.9},
    "RMSprop": {"rho": 0.8, "momentum": 0.1, "centered": True, "clipvalue": 0.5},
    "Adagrad": {"initial_accumulator_value": 0.5, "loss_scale_factor": 8.0},
    "Adadelta": {"learning_rate": 1.0, "rho": 0.9, "gradient_accumulation_steps": 3},
    "Adamax": {"beta_2": 0.99, "weight_decay": 0.01, "ema_overwrite_frequency": 5},
    "Nadam": {"beta_1": 0.95, "epsilon": 1e-6},
}


def _without_name(config):
    return {k: v for k, v in config.items() if k != "name"}


@pytest.mark.parametrize("cls_name", CLASSES)
def test_config_matches_keras_and_round_trips(cls_name):
    kwargs = NON_DEFAULT[cls_name]
    ours = getattr(optimizers, cls_name)(**kwargs)
    ref = getattr(keras.optimizers, cls_name)(**kwargs)
    assert _without_name(ours.get_config()) == _without_name(ref.get_config())
    # Defaults too (Keras 3 defaults per optimizer).
    default_ours = getattr(optimizers, cls_name)().get_config()
    default_ref = getattr(keras.optimizers, cls_name)().get_config()
    assert _without_name(default_ours) == _without_name(default_ref)
    again = type(ours).from_config(ours.get_config())
    assert again.get_config() == ours.get_config()
    # serialize/deserialize, and interop with Keras's own functions both ways.
    config = optimizers.serialize(ours)
    ref_config = keras.optimizers.serialize(ref)
    assert {**config, "config": None} == {**ref_config, "config": None}
    assert optimizers.deserialize(config).get_config() == ours.get_config()
    assert _without_name(keras.optimizers.deserialize(config).get_config()) == _without_name(ref.get_config())
    assert _without_name(optimizers.deserialize(ref_config).get_config()) == _without_name(ours.get_config())


def test_config_with_schedule_round_trips():
    schedule = optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10)
    ours = optimizers.Adam(learning_rate=schedule)
    config = optimizers.serialize(ours)
    ref = keras.optimizers.Adam(
        learning_rate=keras.optimizers.schedules.CosineDecay(0.1, 100, 0.0, "CosineDecay", 0.2, 10)
    )
    assert config["config"]["learning_rate"] == keras.optimizers.serialize(ref)["config"]["learning_rate"]
    again = optimizers.deserialize(config)
    assert isinstance(again._learning_rate, optimizers.schedules.CosineDecay)
    assert again.get_config() == ours.get_config()
    assert isinstance(keras.optimizers.deserialize(config).learning_rate, object)


@pytest.mark.parametrize(("name", "cls_name"), list(zip(NAMES, CLASSES, strict=True)))
def test_get_by_name(name, cls_name):
    opt = optimizers.get(name)
    assert type(opt) is getattr(optimizers, cls_name)
    assert type(optimizers.get(cls_name)) is type(opt)  # case-insensitive, as Keras
    ref = keras.optimizers.get(name)
    assert _without_name(opt.get_config()) == _without_name(ref.get_config())


def test_get_other_identifiers():
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert type(optimizers.get({"class_name": "RMSprop", "config": {"rho": 0.5}})) is optimizers.RMSprop
    with pytest.raises(ValueError, match="Unknown optimizer.*adadelta.*sgd"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Received: identifier=42"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.deserialize({"class_name": "Nope", "config": {}})


@pytest.mark.parametrize(
    ("factory", "error", "match"),
    [
        (lambda: optimizers.SGD(learning_rate=-0.1), ValueError, "Received: learning_rate=-0.1"),
        (lambda: optimizers.SGD(learning_rate="fast"), ValueError, "learning_rate"),
        (lambda: optimizers.SGD(momentum=1.5), ValueError, "Received: momentum=1.5"),
        (lambda: optimizers.SGD(momentum=-0.1), ValueError, "momentum"),
        (lambda: optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0), ValueError, "Only one of"),
        (lambda: optimizers.Adam(clipvalue=1.0, clipnorm=1.0), ValueError, "Only one of"),
        (lambda: optimizers.SGD(clipnorm=-1.0), ValueError, "Received: clipnorm=-1.0"),
        (lambda: optimizers.SGD(weight_decay=-0.1), ValueError, "weight_decay"),
        (lambda: optimizers.Adam(beta_1=1.0), ValueError, "Received: beta_1=1.0"),
        (lambda: optimizers.Adam(beta_2=-0.1), ValueError, "beta_2"),
        (lambda: optimizers.Adam(epsilon=-1e-7), ValueError, "epsilon"),
        (lambda: optimizers.AdamW(weight_decay=None), ValueError, "Received: weight_decay=None"),
        (lambda: optimizers.RMSprop(rho=2.0), ValueError, "rho"),
        (lambda: optimizers.Adagrad(initial_accumulator_value=-1.0), ValueError, "initial_accumulator_value"),
        (lambda: optimizers.Nadam(beta_1=1.5), ValueError, "beta_1"),
        (lambda: optimizers.SGD(foo=1), ValueError, "not recognized"),
        (lambda: optimizers.SGD(gradient_accumulation_steps=1), ValueError, "gradient_accumulation_steps"),
        (lambda: optimizers.SGD(use_ema=True, ema_momentum=1.5), ValueError, "ema_momentum"),
        (lambda: optimizers.SGD(ema_overwrite_frequency=0), ValueError, "ema_overwrite_frequency"),
        (lambda: optimizers.SGD(use_ema="yes"), TypeError, "use_ema"),
    ],
)
def test_bad_arguments_raise(factory, error, match):
    with pytest.raises(error, match=match):
        factory()


def test_decay_argument_warns():
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(decay=0.1)


def _vars(dtype="float32"):
    return [
        Variable(np.ones((2, 3), dtype), name="kernel", path="dense/kernel"),
        Variable(np.zeros(3, dtype), name="bias", path="dense/bias"),
    ]


def test_variables_order_names_and_dtypes():
    opt = optimizers.Adam(name="adam")
    opt.build(_vars())
    assert [v.path for v in opt.variables] == [
        "adam/iteration",
        "adam/learning_rate",
        "adam/dense_kernel_momentum",
        "adam/dense_kernel_velocity",
        "adam/dense_bias_momentum",
        "adam/dense_bias_velocity",
    ]
    it = opt.iterations
    assert it.dtype == "int64" and not it.trainable and int(it) == 0
    assert all(not v.trainable for v in opt.variables)
    assert opt.variables[2].shape == (2, 3) and opt.variables[2].dtype == "float32"
    # A schedule has no learning_rate variable, as in Keras.
    sched = optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 10, 0.5), momentum=0.5, name="s")
    sched.build(_vars())
    assert [v.name for v in sched.variables] == ["iteration", "dense_kernel_momentum", "dense_bias_momentum"]


@pytest.mark.parametrize("name", NAMES)
def test_updates_in_place_and_keeps_float32(name):
    variables = _vars()
    buffers = [id(v.data) for v in variables]
    opt = optimizers.get(name)
    for _ in range(3):
        # float64 gradients and Tensor gradients are both accepted.
        opt.apply([np.full((2, 3), 0.5), Tensor(np.full(3, -0.5, "float32"))], variables)
    assert [id(v.data) for v in variables] == buffers
    assert all(v.data.dtype == np.float32 for v in variables)
    assert all(v.data.dtype == np.float32 for v in opt.variables[2:])
    assert np.all(variables[0].numpy() != 1.0)
    assert int(opt.iterations.numpy()) == 3


@pytest.mark.usefixtures("float64")
@pytest.mark.parametrize("name", NAMES)
def test_float64_variables_stay_float64(name):
    variables = _vars("float64")
    opt = optimizers.get(name)
    opt.apply([np.full((2, 3), 0.5), np.full(3, -0.5)], variables)
    assert all(v.data.dtype == np.float64 for v in variables + opt.variables[2:])
    assert opt.variables[1].dtype == "float64"  # the learning rate follows floatx


def test_none_gradients_unknown_variables_and_unbuilt_apply():
    variables = _vars()
    opt = optimizers.SGD(0.1)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones((2, 3), "float32"), np.ones(3, "float32")])
    with pytest.warns(UserWarning, match="dense/bias"):
        opt.apply([np.ones((2, 3), "float32"), None], variables)
    np.testing.assert_allclose(variables[0].numpy(), 0.9, rtol=1e-6)
    np.testing.assert_allclose(variables[1].numpy(), 0.0)
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply([None, None], variables)
    with pytest.raises(ValueError, match="unknown variable 'other'"):
        opt.apply([np.ones(3, "float32")], [Variable(np.zeros(3, "float32"), name="other")])
    # Once built, the variables may be omitted.
    opt.apply([np.ones((2, 3), "float32"), np.ones(3, "float32")])
    np.testing.assert_allclose(variables[1].numpy(), -0.1, rtol=1e-6)
    with pytest.raises(ValueError, match="len\\(grads\\)=1"):
        opt.apply([np.ones((2, 3), "float32")])
    with pytest.raises(ValueError, match="shape \\(2, 3\\). Received: gradient shape=\\(3,\\)"):
        opt.apply([np.ones(3, "float32"), np.ones(3, "float32")])
    assert opt.apply_gradients([]) is opt.iterations  # nothing to do, as Keras


def test_learning_rate_property_and_setter():
    opt = optimizers.Adam(learning_rate=0.01)
    assert isinstance(opt.learning_rate, Variable)
    assert float(opt.learning_rate) == pytest.approx(0.01)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    with pytest.raises(ValueError, match="learning_rate=-1"):
        opt.learning_rate = -1.0
    schedule = optimizers.schedules.PiecewiseConstantDecay([1], [0.3, 0.1])
    opt.learning_rate = schedule
    assert [v.name for v in opt.variables] == ["iteration"]  # the float's variable is dropped
    v = _vars()
    opt.apply([np.ones((2, 3), "float32"), np.ones(3, "float32")], v)
    assert float(opt.learning_rate) == pytest.approx(0.3)  # schedule(1): step <= boundary
    opt.apply([np.ones((2, 3), "float32"), np.ones(3, "float32")], v)
    assert float(opt.learning_rate) == pytest.approx(0.1)
    # Like Keras: a schedule-driven optimizer refuses a plain number.
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.1
    ref = keras.optimizers.Adam(keras.optimizers.schedules.PiecewiseConstantDecay([1], [0.3, 0.1]))
    with pytest.raises(TypeError):
        ref.learning_rate = 0.1


def test_callable_learning_rate():
    v = Variable(np.zeros(2, "float32"))
    opt = optimizers.SGD(learning_rate=lambda: 0.25)
    opt.apply([np.ones(2, "float32")], [v])
    np.testing.assert_allclose(v.numpy(), -0.25)
    assert opt.learning_rate == 0.25


def test_exclude_from_weight_decay_matches_keras():
    rng = np.random.default_rng(3)
    w = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")]
    g = [rng.normal(size=(3, 2)).astype("float32"), rng.normal(size=2).astype("float32")]
    kv = [keras.Variable(w[0], name="kernel"), keras.Variable(w[1], name="bias")]
    sv = [Variable(w[0].copy(), name="kernel"), Variable(w[1].copy(), name="bias")]
    k_opt, s_opt = keras.optimizers.AdamW(0.1, weight_decay=0.5), optimizers.AdamW(0.1, weight_decay=0.5)
    k_opt.exclude_from_weight_decay(var_names=["bias"])
    s_opt.exclude_from_weight_decay(var_names=["bias"])
    for _ in range(3):
        k_opt.apply_gradients(zip(g, kv, strict=True))
        s_opt.apply_gradients(zip(g, sv, strict=True))
    for k, s in zip(kv, sv, strict=True):
        np.testing.assert_allclose(s.numpy(), np.asarray(k.value), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        s_opt.exclude_from_weight_decay(var_names=["kernel"])


def test_constraint_applied_after_update():
    v = Variable(np.zeros(3, "float32"))
    v.constraint = lambda x: Tensor(np.clip(x.data, -0.05, 0.05))
    optimizers.SGD(1.0).apply([np.array([1.0, -1.0, 0.01], "float32")], [v])
    np.testing.assert_allclose(v.numpy(), [-0.05, 0.05, -0.01], rtol=1e-6)


def test_save_load_and_set_weights_round_trip():
    variables = _vars()
    opt = optimizers.RMSprop(0.01, momentum=0.5)
    grads = [np.full((2, 3), 0.3, "float32"), np.full(3, -0.2, "float32")]
    opt.apply(grads, variables)
    store = {}
    opt.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(len(opt.variables))]
    fresh = optimizers.RMSprop(0.01, momentum=0.5)
    fresh.build(_vars())
    fresh.load_own_variables(store)
    for a, b in zip(opt.variables, fresh.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = optimizers.RMSprop(0.01)
    other.build(_vars())
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        other.load_own_variables(store)
    with pytest.raises(ValueError, match="build"):
        optimizers.SGD().set_weights([])
    other.set_weights([np.array(7), np.array(0.5, "float32")])
    assert int(other.iterations) == 7 and float(other.learning_rate) == 0.5
