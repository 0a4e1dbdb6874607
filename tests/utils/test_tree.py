"""scratchnn.utils.tree: the one walker over nested lists, tuples and dicts (Keras's keras.tree names)."""

from collections import OrderedDict, namedtuple

import keras
import numpy as np
import pytest

from scratchnn.utils import tree

Point = namedtuple("Point", ["x", "y"])

STRUCTURES = [
    1,
    None,
    [],
    [1, 2],
    (1, (2, 3)),
    [1, [2, [3, [4]]]],
    {"a": 1, "b": [2, 3]},
    Point(1, (2, 3)),
    [{"x": (1, 2)}, 3],
]


@pytest.mark.parametrize("structure", STRUCTURES)
def test_flatten_matches_keras_on_ordered_structures(structure):
    # Keras sorts dict keys; these dicts are inserted in sorted order, so both rules agree.
    assert tree.flatten(structure) == keras.tree.flatten(structure)
    assert tree.flatten(structure, sort_keys=True) == keras.tree.flatten(structure)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_map_structure_keeps_containers_and_matches_keras(structure):
    def double(x):
        return None if x is None else x * 2

    ours = tree.map_structure(double, structure)
    assert ours == keras.tree.map_structure(double, structure)
    assert type(ours) is type(structure)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_pack_sequence_as_inverts_flatten(structure):
    leaves = tree.flatten(structure)
    assert tree.pack_sequence_as(structure, leaves) == structure
    assert tree.pack_sequence_as(
        structure, [f"v{i}" for i in range(len(leaves))]
    ) == keras.tree.pack_sequence_as(structure, [f"v{i}" for i in range(len(leaves))])


def test_dicts_follow_insertion_order_unless_sort_keys():
    d = {"b": 1, "a": 2}
    assert tree.flatten(d) == [1, 2]
    assert tree.flatten(d, sort_keys=True) == [2, 1] == keras.tree.flatten(d)
    assert list(tree.map_structure(str, d)) == ["b", "a"]
    assert list(tree.map_structure(str, d, sort_keys=True)) == ["a", "b"]
    # Leaves of two dicts built in different orders pair up by key with sort_keys.
    assert tree.map_structure(lambda p, q: (p, q), d, {"a": 20, "b": 10}, sort_keys=True) == {
        "a": (2, 20),
        "b": (1, 10),
    }


def test_is_leaf_stops_the_walk():
    def number_list(x):
        return isinstance(x, list) and all(isinstance(v, int) for v in x)

    structure = ([1, 2], {"k": [3]}, [[4], "s"])
    assert tree.flatten(structure, is_leaf=number_list) == [[1, 2], [3], [4], "s"]
    assert tree.map_structure(len, structure[:2], is_leaf=number_list) == (2, {"k": 1})


def test_namedtuples_and_ordered_dicts_keep_their_type():
    assert tree.map_structure(lambda v: v + 1, Point(1, 2)) == Point(2, 3)
    mapped = tree.map_structure(lambda v: v, OrderedDict(b=1, a=2))
    assert type(mapped) is OrderedDict and list(mapped) == ["b", "a"]


def test_map_structure_of_several_structures_checks_them():
    assert tree.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure(lambda a, b: a, [1, 2], [1])
    with pytest.raises(TypeError, match="at least one structure"):
        tree.map_structure(lambda: None)


def test_assert_same_structure():
    tree.assert_same_structure([1, (2, 3)], (4, [5, 6]))  # lists and tuples are one kind
    tree.assert_same_structure({"a": 1, "b": 2}, {"b": 0, "a": 0}, sort_keys=True)
    for a, b in [([1], [1, 2]), ({"a": 1}, {"b": 1}), ({"a": 1, "b": 2}, {"b": 0, "a": 0}), ([1], 1)]:
        with pytest.raises(ValueError, match="same nested structure"):
            tree.assert_same_structure(a, b)


def test_pack_sequence_as_refuses_a_wrong_count():
    with pytest.raises(ValueError, match="has 2 leaves, but 3 values"):
        tree.pack_sequence_as([0, 0], [1, 2, 3])
    with pytest.raises(ValueError, match="one leaf, but 2 values"):
        tree.pack_sequence_as(0, [1, 2])


def test_map_shape_structure_treats_int_tuples_as_leaves():
    shapes = [(None, 3), {"a": [4, None]}, (), None]
    out = tree.map_shape_structure(lambda s: (None, *s[1:]) if s else s, shapes)
    assert out == [(None, 3), {"a": (None, None)}, (), None]
    assert tree.map_shape_structure(lambda s: s, ((2, 3), (4,))) == [(2, 3), (4,)]  # containers as lists
    assert keras.tree.map_shape_structure(lambda s: s, {"a": (2, 3)}) == {"a": (2, 3)}


def test_map_structure_as_lists_is_the_json_form():
    assert tree.map_structure_as_lists(str, (1, {"a": (2, [3])})) == ["1", {"a": ["2", ["3"]]}]
    assert tree.map_structure_as_lists(str, [1, 2], is_leaf=lambda x: isinstance(x, list)) == "[1, 2]"


def test_is_nested_and_is_shape():
    assert tree.is_nested([]) and tree.is_nested({}) and tree.is_nested(Point(1, 2))
    assert not tree.is_nested(np.zeros(3)) and not tree.is_nested("ab")
    assert tree.is_shape((None, 3)) and tree.is_shape([2]) and tree.is_shape(())
    assert not tree.is_shape(((2,), (3,))) and not tree.is_shape("ab") and not tree.is_shape(None)


def test_arrays_and_tensors_are_leaves():
    from scratchnn.ops.tensor import Tensor

    t, a = Tensor(np.ones(2)), np.zeros(3)
    assert tree.flatten([t, (a,)]) == [t, a]
