"""Dataset.shuffle: TensorFlow's buffer semantics, its vectorised form, determinism, the batched fast path."""

import itertools
import math

import numpy as np
import pytest

from scratchnn.backend import random
from scratchnn.data import Dataset, plan, shuffle, structure, transforms


def naive_shuffle(stream, buffer_size, rng):
    """TensorFlow's algorithm, one element at a time."""
    buf, out = [], []
    for v in stream:
        if len(buf) < buffer_size:
            buf.append(v)
            continue
        j = int(rng.integers(0, buffer_size, size=1)[0])
        out.append(buf[j])
        buf[j] = v
    return out + [buf[j] for j in rng.permutation(len(buf))]


class Replay:
    """A stand-in generator that hands out pre-drawn picks, whatever sizes they are asked in."""

    def __init__(self, picks, permutation):
        self.picks, self.perm = list(picks), permutation

    def integers(self, low, high, size):
        drawn, self.picks = self.picks[:size], self.picks[size:]
        assert all(low <= p < high for p in drawn)
        return np.array(drawn, dtype=np.int64)

    def permutation(self, n):
        assert n == len(self.perm)
        return np.array(self.perm)


@pytest.mark.parametrize("buffer_size, m", [(1, 5), (2, 1), (3, 40), (7, 100), (50, 20)])
def test_buffer_step_equals_the_step_by_step_loop(buffer_size, m):
    rng = np.random.default_rng(buffer_size * 100 + m)
    buf = rng.permutation(1000)[:buffer_size].astype(np.int64)
    incoming = np.arange(1000, 1000 + m)
    picks = rng.integers(0, buffer_size, size=m)
    expected_buf, expected = buf.copy(), []
    for t in range(m):
        expected.append(expected_buf[picks[t]])
        expected_buf[picks[t]] = incoming[t]
    out = shuffle.buffer_step(buf, incoming, picks)
    assert out.tolist() == expected and buf.tolist() == expected_buf.tolist()


@pytest.mark.parametrize("n, buffer_size", [(10, 3), (37, 5), (100, 99), (300, 1), (20, 20), (20, 64)])
def test_shuffle_blocks_equal_tensorflows_algorithm(n, buffer_size):
    draws = np.random.default_rng(n + buffer_size)
    picks = draws.integers(0, buffer_size, size=max(n - buffer_size, 0))
    perm = draws.permutation(min(n, buffer_size))
    # Input in uneven blocks (slices and index arrays), as repeat/take produce them.
    blocks = [slice(0, 4), np.arange(4, min(9, n)), slice(min(9, n), n)]
    got = np.concatenate(list(shuffle.shuffle_blocks(blocks, buffer_size, Replay(picks, perm), size=-1)))
    assert got.tolist() == naive_shuffle(range(n), buffer_size, Replay(picks, perm))


def test_shuffle_elements_equal_tensorflows_algorithm():
    draws = np.random.default_rng(5)
    picks, perm = draws.integers(0, 4, size=1024), draws.permutation(4)
    got = list(shuffle.shuffle_elements(iter("abcdefghijk"), 4, Replay(picks, perm)))
    assert got == naive_shuffle("abcdefghijk", 4, Replay(picks, perm))


@pytest.mark.parametrize("mapped", [False, True])
def test_buffer_of_one_keeps_the_order(mapped):
    ds = Dataset.range(20)
    ds = ds.map(lambda v: v) if mapped else ds
    assert [int(v) for v in ds.shuffle(1, seed=0).as_numpy_iterator()] == list(range(20))


@pytest.mark.parametrize("mapped", [False, True])
def test_a_small_buffer_only_reaches_ahead_by_its_size(mapped):
    n, buffer_size = 500, 10
    ds = Dataset.range(n)
    ds = ds.map(lambda v: v) if mapped else ds
    out = [int(v) for v in ds.shuffle(buffer_size, seed=1).as_numpy_iterator()]
    assert sorted(out) == list(range(n))
    # Output t is drawn from the first buffer_size + t inputs.
    assert all(v < buffer_size + t for t, v in enumerate(out))
    assert out != list(range(n))


@pytest.mark.parametrize("mapped", [False, True])
def test_a_full_buffer_gives_uniform_permutations(mapped):
    ds = Dataset.range(3)
    ds = (ds.map(lambda v: v) if mapped else ds).shuffle(3, seed=7)
    counts = dict.fromkeys(itertools.permutations(range(3)), 0)
    trials = 1200
    for _ in range(trials):
        counts[tuple(int(v) for v in ds.as_numpy_iterator())] += 1
    expected = trials / 6
    chi2 = sum((c - expected) ** 2 / expected for c in counts.values())
    assert chi2 < 20.5  # the 0.999 quantile of chi-square with 5 degrees of freedom


def test_infinite_input_is_shuffled_lazily():
    out = [int(v) for v in Dataset.range(10).repeat().shuffle(4, seed=2).take(95).as_numpy_iterator()]
    assert len(out) == 95
    assert np.bincount(out, minlength=10).min() >= 8


def orders(ds, times=3):
    return [[int(v) for v in ds.as_numpy_iterator()] for _ in range(times)]


@pytest.mark.parametrize("buffer_size", [4, 100])
def test_seeded_shuffle_is_reproducible_and_reshuffles_each_iteration(buffer_size):
    first = orders(Dataset.range(30).shuffle(buffer_size, seed=42))
    again = orders(Dataset.range(30).shuffle(buffer_size, seed=42))
    assert first == again
    assert first[0] != first[1] != first[2]
    other = orders(Dataset.range(30).shuffle(buffer_size, seed=43))
    assert other != first


def test_reshuffle_each_iteration_false_repeats_the_order():
    ds = Dataset.range(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    first, second, _ = orders(ds)
    assert first == second != list(range(30))
    assert [int(v) for v in ds.repeat(2).as_numpy_iterator()] == first + first


def test_repeat_after_shuffle_reshuffles_every_repetition():
    out = [int(v) for v in Dataset.range(10).shuffle(10, seed=0).repeat(2).as_numpy_iterator()]
    assert sorted(out[:10]) == sorted(out[10:]) == list(range(10)) and out[:10] != out[10:]


def test_unseeded_shuffle_follows_the_global_seed():
    random.set_seed(123)
    first = orders(Dataset.range(50).shuffle(50))
    random.set_seed(123)
    assert orders(Dataset.range(50).shuffle(50)) == first
    random.set_seed(124)
    assert orders(Dataset.range(50).shuffle(50)) != first


@pytest.mark.parametrize("bad", [0, -1])
def test_buffer_size_must_be_positive(bad):
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.range(3).shuffle(bad)


@pytest.mark.parametrize("buffer_size", [60000, 1024])
def test_shuffled_batches_of_slices_take_no_step_per_sample(monkeypatch, buffer_size):
    n, batch_size = 60000, 32
    x = np.arange(n * 4, dtype=np.float32).reshape(n, 4)
    y = np.arange(n)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(buffer_size, seed=0).batch(batch_size)

    def per_sample(*args, **kwargs):
        raise AssertionError("a per-sample path ran")

    # Either of these runs once per element on the slow paths.
    monkeypatch.setattr(plan, "rows", per_sample)
    monkeypatch.setattr(transforms, "stack", per_sample)
    monkeypatch.setattr(structure, "pack_as", per_sample)
    gathers = []
    real_gather = plan.gather
    monkeypatch.setattr(plan, "gather", lambda source, block: gathers.append(1) or real_gather(source, block))
    seen = []
    for xb, yb in ds.as_numpy_iterator():
        np.testing.assert_array_equal(xb[:, 0], yb * 4.0)  # rows stay paired
        seen.append(yb)
    assert len(gathers) == len(seen) == math.ceil(n / batch_size)
    assert len(seen[-1]) == (n % batch_size or batch_size)
    assert np.array_equal(np.sort(np.concatenate(seen)), y)


def test_unshuffled_batches_are_views_of_the_arrays():
    x = np.arange(40.0).reshape(10, 4)
    first = next(Dataset.from_tensor_slices(x).batch(4).as_numpy_iterator())
    assert np.shares_memory(first, x)
