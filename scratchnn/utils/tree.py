"""Nested structures of lists, tuples and dicts: one walker for the whole package (keras/src/tree).

A structure is a leaf or a list, tuple (namedtuples included) or dict of
structures; everything else (Tensors, arrays, numbers, None) is a leaf. The
names are Keras 3's (`keras.tree`): `is_nested`, `flatten`, `map_structure`,
`map_shape_structure`, `pack_sequence_as`, `assert_same_structure`; two more
say what they add: `map_structure_as_lists` (the JSON form of a structure)
and `is_shape`.

Dict order. By default dicts are walked in insertion order: a model's dict
inputs and outputs come out in the order the user wrote them, as scratchnn
has always done. Keras and `tf.nest` sort the keys
instead, so that the leaves of two dicts built in different orders pair up;
`sort_keys=True` gives that rule, for the code that pairs structures leaf by
leaf (the control-flow ops, the `tf.data` pipeline).

`is_leaf(x)`, when given, is asked of every list, tuple and dict before it is
walked (JAX's and optree's argument): the data path uses it for its rule that
a list of numbers is one array, and `tf.data` for its rule that a list is one
tensor.

Speed: `flatten` and `map_structure` run inside `Layer.__call__` and the fit
loop, so a leaf costs one `isinstance` and no recursion, and the default path
has no comprehension (each is a Python call of its own before Python 3.12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NESTED = (list, tuple, dict)

IsLeaf = Callable[[Any], bool] | None


def is_nested(structure: Any) -> bool:
    """Whether `structure` is a list, tuple or dict (a container), not a leaf."""
    return isinstance(structure, _NESTED)


def _sorted_keys(d: dict) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:  # keys of mixed types: insertion order, as tf.nest does
        return list(d)


def _values(structure: Any, sort_keys: bool) -> Any:
    if isinstance(structure, dict):
        if sort_keys:
            return [structure[k] for k in _sorted_keys(structure)]
        return structure.values()
    return structure


def flatten(structure: Any, is_leaf: IsLeaf = None, sort_keys: bool = False) -> list[Any]:
    """The leaves of `structure`, depth first.

    Args:
        structure: a leaf, or a list/tuple/dict of structures.
        is_leaf: optional; a container for which it returns True is one leaf.
        sort_keys: walk dicts in sorted key order (Keras's and tf.nest's rule)
            instead of insertion order.

    Returns:
        A new list of the leaves (`[structure]` for a leaf).

    Example:
        >>> flatten([1, (2, {"a": 3})])
        [1, 2, 3]
    """
    if not isinstance(structure, _NESTED) or (is_leaf is not None and is_leaf(structure)):
        return [structure]
    out: list[Any] = []
    _flatten_into(structure, out, is_leaf, sort_keys)
    return out


def _flatten_into(structure: Any, out: list[Any], is_leaf: IsLeaf, sort_keys: bool) -> None:
    for value in _values(structure, sort_keys):
        if not isinstance(value, _NESTED) or (is_leaf is not None and is_leaf(value)):
            out.append(value)
        else:
            _flatten_into(value, out, is_leaf, sort_keys)


def _rebuild(like: Any, values: list[Any], sort_keys: bool) -> Any:
    """A container of `like`'s kind holding `values` (in `like`'s walking order)."""
    if isinstance(like, dict):
        pairs = zip(_sorted_keys(like) if sort_keys else like, values)
        if type(like) is dict:
            return dict(pairs)
        try:
            return type(like)(pairs)  # an OrderedDict stays one
        except TypeError:  # a dict subclass that cannot be built from pairs (defaultdict)
            return dict(zip(_sorted_keys(like) if sort_keys else like, values))
    if isinstance(like, list):
        return values if type(like) is list else type(like)(values)
    if type(like) is tuple:
        return tuple(values)
    if hasattr(like, "_fields"):  # a namedtuple takes its fields positionally
        return type(like)(*values)
    return type(like)(values)


def map_structure(
    func: Callable[..., Any], *structures: Any, is_leaf: IsLeaf = None, sort_keys: bool = False
) -> Any:
    """Applies `func` to every leaf, keeping the structure (containers of the same kinds).

    With several structures, `func` receives the matching leaves of each; they
    must nest the same way (see `assert_same_structure`).

    Args:
        func: called on each leaf (or on each tuple of matching leaves).
        *structures: one or more structures.
        is_leaf: optional; a container for which it returns True is one leaf
            (asked of the first structure's containers).
        sort_keys: walk (and rebuild) dicts in sorted key order.

    Example:
        >>> map_structure(lambda a: a * 2, {"x": 1, "y": [2, 3]})
        {'x': 2, 'y': [4, 6]}
    """
    if len(structures) == 1:
        structure = structures[0]
        if not isinstance(structure, _NESTED) or (is_leaf is not None and is_leaf(structure)):
            return func(structure)
        return _map_one(func, structure, is_leaf, sort_keys)
    if not structures:
        raise TypeError("map_structure needs at least one structure. Received none.")
    for other in structures[1:]:
        assert_same_structure(structures[0], other, is_leaf=is_leaf, sort_keys=sort_keys)
    flat = [flatten(s, is_leaf, sort_keys) for s in structures]
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flat)], is_leaf, sort_keys)


def _map_one(func: Callable[[Any], Any], structure: Any, is_leaf: IsLeaf, sort_keys: bool) -> Any:
    values = []
    for value in _values(structure, sort_keys):
        if not isinstance(value, _NESTED) or (is_leaf is not None and is_leaf(value)):
            values.append(func(value))
        else:
            values.append(_map_one(func, value, is_leaf, sort_keys))
    return _rebuild(structure, values, sort_keys)


def map_structure_as_lists(func: Callable[[Any], Any], structure: Any, is_leaf: IsLeaf = None) -> Any:
    """`map_structure` with every list and tuple rebuilt as a list (dicts as dicts).

    That is the form a structure has in a JSON config, and scratchnn's form for
    several shapes (a tuple is one shape, a list is several).

    Example:
        >>> map_structure_as_lists(str, (1, {"a": (2,)}))
        ['1', {'a': ['2']}]
    """
    if not isinstance(structure, _NESTED) or (is_leaf is not None and is_leaf(structure)):
        return func(structure)
    if isinstance(structure, dict):
        return {k: map_structure_as_lists(func, v, is_leaf) for k, v in structure.items()}
    return [map_structure_as_lists(func, v, is_leaf) for v in structure]


def is_shape(structure: Any) -> bool:
    """Whether `structure` is one shape: a tuple or list of ints and Nones (`()` included)."""
    if not isinstance(structure, (tuple, list)):
        return False
    for d in structure:
        if d is not None and not isinstance(d, int):
            return False
    return True


def map_shape_structure(func: Callable[[tuple[Any, ...]], Any], structure: Any) -> Any:
    """Applies `func` to every shape in a structure of shapes (Keras's `tree.map_shape_structure`).

    A shape is a tuple or list of ints and Nones; `func` receives it as a
    tuple. Containers of shapes come back as lists (dicts as dicts), which is
    scratchnn's convention for several shapes: a tuple is one shape, a list is
    several. Other leaves (None for an absent input) are kept as they are.

    Example:
        >>> map_shape_structure(lambda s: (None, *s[1:]), [(2, 3), {"a": [4]}])
        [(None, 3), {'a': (None,)}]
    """
    if is_shape(structure):
        return func(tuple(structure))
    if isinstance(structure, dict):
        return {k: map_shape_structure(func, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [map_shape_structure(func, s) for s in structure]
    return structure


def pack_sequence_as(
    structure: Any, flat_sequence: Any, is_leaf: IsLeaf = None, sort_keys: bool = False
) -> Any:
    """Puts the leaves of `flat_sequence`, in order, into the shape of `structure` (`flatten`'s inverse).

    Raises:
        ValueError: when the number of leaves differs from the structure's.

    Example:
        >>> pack_sequence_as([0, (0, 0)], [1, 2, 3])
        [1, (2, 3)]
    """
    flat = list(flat_sequence)
    if not isinstance(structure, _NESTED) or (is_leaf is not None and is_leaf(structure)):
        if len(flat) != 1:
            raise ValueError(f"The structure is one leaf, but {len(flat)} values were given to pack into it.")
        return flat[0]
    expected = len(flatten(structure, is_leaf, sort_keys))
    if expected != len(flat):
        raise ValueError(
            f"The structure has {expected} leaves, but {len(flat)} values were given to pack into it. "
            f"Received: structure={structure!r:.200}"
        )
    leaves = iter(flat)
    return _map_one(lambda _: next(leaves), structure, is_leaf, sort_keys)


def assert_same_structure(a: Any, b: Any, is_leaf: IsLeaf = None, sort_keys: bool = False) -> None:
    """Checks that two structures nest the same way: container kinds, lengths and dict keys.

    Lists and tuples count as the same kind (as Keras's `check_types=False`).
    Dict keys must come in the same order, unless `sort_keys`.

    Raises:
        ValueError: naming the two structures.
    """
    nested_a = isinstance(a, _NESTED) and not (is_leaf is not None and is_leaf(a))
    nested_b = isinstance(b, _NESTED) and not (is_leaf is not None and is_leaf(b))
    same = nested_a == nested_b
    if same and nested_a:
        if isinstance(a, dict) or isinstance(b, dict):
            keys = _sorted_keys if sort_keys else list
            same = isinstance(a, dict) and isinstance(b, dict) and keys(a) == keys(b)
        else:
            same = len(a) == len(b)
    if not same:
        raise ValueError(
            f"The two structures don't have the same nested structure: {a!r:.200} and {b!r:.200}"
        )
    if nested_a:
        for x, y in zip(_values(a, sort_keys), _values(b, sort_keys)):
            assert_same_structure(x, y, is_leaf, sort_keys)
