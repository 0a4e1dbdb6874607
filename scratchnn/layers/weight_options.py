"""The `<weight>_initializer`, `_regularizer` and `_constraint` arguments of the layers that carry weights.

Dense, the convolutions, Embedding, the normalizations and PReLU take these three arguments for each
of their weights, under Keras's names (kernel_initializer, bias_regularizer, gamma_constraint, ...).
The layers keep their explicit Keras signatures; these helpers do what each did by hand: resolve
the arguments in the constructor, pass them to `add_weight` in `build`, and serialize them in
`get_config`.
"""

from __future__ import annotations

from typing import Any

from scratchnn import constraints, initializers, regularizers

_KINDS = ("initializer", "regularizer", "constraint")
_MODULES = (initializers, regularizers, constraints)


def set_weight_options(layer: Any, **weights: tuple[Any, ...]) -> None:
    """Sets `layer.<weight>_initializer`, `_regularizer` and `_constraint`, each resolved by its `get`.

    Args:
        layer: the layer being constructed.
        **weights: weight name -> (initializer, regularizer, constraint) as the constructor received
            them; a shorter tuple sets only the first kinds (BatchNormalization's moving statistics
            have an initializer only).
    """
    for weight, values in weights.items():
        for kind, module, value in zip(_KINDS, _MODULES, values):
            setattr(layer, f"{weight}_{kind}", module.get(value))


def add_weight_with_options(
    layer: Any, weight: str, shape: tuple[Any, ...], name: str | None = None, **kwargs: Any
) -> Any:
    """`layer.add_weight` with the options `set_weight_options` stored under the prefix `weight`.

    Args:
        layer: the layer being built.
        weight: the prefix of the options, e.g. "kernel"; also the weight's name unless `name` is given
            (SeparableConv2D's "depthwise" options belong to its "depthwise_kernel").
        shape: the weight's shape.
        name: the weight's Keras name, when it is not `weight`.
        **kwargs: further `add_weight` arguments (e.g. trainable=False).
    """
    for kind in _KINDS:
        if hasattr(layer, f"{weight}_{kind}"):
            kwargs[kind] = getattr(layer, f"{weight}_{kind}")
    return layer.add_weight(name=name or weight, shape=shape, **kwargs)


def weight_options_config(layer: Any, *weights: str, activity_regularizer: bool = False) -> dict[str, Any]:
    """The serialized options of `weights`, in Keras's config order.

    Keras lists every initializer, then every regularizer (followed by "activity_regularizer" in
    the convolutions' and Embedding's configs when `activity_regularizer` is True), then every
    constraint; a kind a weight lacks is left out.
    """
    config: dict[str, Any] = {}
    for kind, module in zip(_KINDS, _MODULES):
        for weight in weights:
            if hasattr(layer, f"{weight}_{kind}"):
                config[f"{weight}_{kind}"] = module.serialize(getattr(layer, f"{weight}_{kind}"))
        if kind == "regularizer" and activity_regularizer:
            config["activity_regularizer"] = regularizers.serialize(layer.activity_regularizer)
    return config
