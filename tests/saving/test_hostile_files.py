"""Loading reads only the file it was given and refuses what it cannot bound (issue 12, items 5-8 and 10).

Each hostile file is built here: HDF5 external storage, external links and
virtual datasets; zips with duplicate names, huge declared sizes, the
encryption bit or an unknown compression method; configs that are null, deep
or badly typed. The memory tests run in a child whose address space is capped,
so an attempt to allocate gigabytes fails the test instead of passing slowly.
"""

import json
import sys

import h5py
import numpy as np
import pytest

import scratchnn.keras as sk
from scratchnn.saving.saving_api import load_model
from tests.saving.crafted import (
    deflate,
    deflate_zeros,
    run_limited,
    small_weights,
    stored,
    write_zip,
    zip_members,
)

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and /proc are Linux features")


def small_model():
    model = sk.Sequential([sk.Input((3,)), sk.layers.Dense(2), sk.layers.Dense(1)])
    model.set_weights(small_weights())
    return model


def fresh_model():
    return sk.Sequential([sk.Input((3,)), sk.layers.Dense(2), sk.layers.Dense(1)])


def assert_unchanged(model, before):
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


# -- item 5: datasets that read another file ------------------------------------------------
def _external_storage(f, key, secret):
    shape = f[key].shape
    del f[key]
    f.create_dataset(key, shape=shape, dtype="float32", external=[(str(secret), 0, 4 * int(np.prod(shape)))])


def _external_link(f, key, secret):
    del f[key]
    f[key] = h5py.ExternalLink(str(secret), "kernel")


def _virtual(f, key, secret):
    shape = f[key].shape
    del f[key]
    layout = h5py.VirtualLayout(shape=shape, dtype="float32")
    layout[:] = h5py.VirtualSource(str(secret), "kernel", shape=shape)
    group, name = key.rsplit("/", 1)
    f[group].create_virtual_dataset(name, layout)


def _soft_link(f, key, secret):
    del f[key]
    f[key] = h5py.SoftLink("/layers/dense_1/vars/0")


TRICKS = {
    "external storage": (_external_storage, "external files"),
    "external link": (_external_link, "external link"),
    "virtual dataset": (_virtual, "virtual dataset"),
    "soft link": (_soft_link, "soft link"),
}


def _secret(tmp_path):
    """Another local file, in both forms the tricks need: raw float32 bytes and an HDF5 dataset."""
    raw = tmp_path / "secret.bin"
    np.full((3, 2), 7.0, "float32").tofile(raw)
    h5 = tmp_path / "secret.h5"
    with h5py.File(h5, "w") as f:
        f["kernel"] = np.full((3, 2), 7.0, "float32")
    return raw, h5


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_weights_file_reading_another_file_is_refused(trick, tmp_path):
    make, match = TRICKS[trick]
    raw, h5 = _secret(tmp_path)
    path = tmp_path / "w.weights.h5"
    small_model().save_weights(path)
    with h5py.File(path, "a") as f:
        make(f, "layers/dense/vars/0", raw if trick == "external storage" else h5)
    model = fresh_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=f"w.weights.h5.*{match}"):
        model.load_weights(path)
    assert_unchanged(model, before)

    # The same weights inside a .keras archive (opened from memory) and a model directory.
    keras_path = tmp_path / "m.keras"
    small_model().save(keras_path)
    members = zip_members(keras_path)
    members["model.weights.h5"] = path.read_bytes()
    write_zip(tmp_path / "hostile.keras", stored(members))
    with pytest.raises(ValueError, match=f"hostile.keras.*{match}"):
        load_model(tmp_path / "hostile.keras")
    small_model().save(tmp_path / "dir", save_format="tf")
    (tmp_path / "dir" / "model.weights.h5").write_bytes(path.read_bytes())
    with pytest.raises(ValueError, match=match):
        load_model(tmp_path / "dir")


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _first_legacy_weight(f):
    """The path of the first weight of a legacy `.h5` model file."""
    layer = _text(f["model_weights"].attrs["layer_names"][0])
    return f"model_weights/{layer}/{_text(f['model_weights'][layer].attrs['weight_names'][0])}"


@pytest.mark.parametrize("trick", ["external link", "external storage"])
def test_legacy_h5_reading_another_file_is_refused(trick, tmp_path):
    raw, h5 = _secret(tmp_path)
    path = tmp_path / "legacy.h5"
    small_model().save(path)
    with h5py.File(path, "a") as f:
        key = _first_legacy_weight(f)
        if trick == "external link":
            del f[key]
            f[key] = h5py.ExternalLink(str(h5), "kernel")
        else:
            _external_storage(f, key, raw)
    with pytest.raises(ValueError, match=f"legacy.h5.*{TRICKS[trick][1]}"):
        load_model(path)
    model = fresh_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="legacy.h5"):
        model.load_weights(path)
    assert_unchanged(model, before)


def test_numeric_strings_in_a_weights_dataset_are_refused(tmp_path):
    path = tmp_path / "s.weights.h5"
    small_model().save_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = np.array([b"1.5", b"2.5"])  # NumPy would cast these to floats
    with pytest.raises(ValueError, match=r"s.weights.h5.*non-numeric.*layers/dense/vars/1"):
        fresh_model().load_weights(path)


# -- item 6: duplicate members --------------------------------------------------------------
def test_duplicate_member_names_are_refused(tmp_path):
    small_model().save(tmp_path / "m.keras")
    members = zip_members(tmp_path / "m.keras")
    other = json.loads(members["config.json"])
    other["config"]["layers"][1]["config"]["units"] = 5
    entries = [*stored(members), {"name": "config.json", "data": json.dumps(other).encode()}]
    write_zip(tmp_path / "dup.keras", entries)
    with pytest.raises(ValueError, match=r"dup.keras.*several members named \['config.json'\]"):
        load_model(tmp_path / "dup.keras")


# -- item 7: bounded work -------------------------------------------------------------------
def _weights_bomb(tmp_path, declared=6 << 30):
    """A .keras whose model.weights.h5 is a real deflate bomb: 6 GiB of zeros in about 6 MiB."""
    small_model().save(tmp_path / "m.keras")
    members = zip_members(tmp_path / "m.keras")
    entries = stored({k: v for k, v in members.items() if k != "model.weights.h5"})
    data = deflate_zeros(6 << 30)
    entries.append({"name": "model.weights.h5", "data": data, "method": 8, "declared": declared, "crc": 0})
    write_zip(tmp_path / "bomb.keras", entries)
    return tmp_path / "bomb.keras", len(data)


@linux_only
def test_zip_member_declaring_gigabytes_is_refused_before_reading(tmp_path):
    path, stored_bytes = _weights_bomb(tmp_path)
    assert stored_bytes < 8 << 20
    code = f"sk.models.load_model({str(path)!r})"
    rc, last = run_limited(code)
    assert rc == 2 and last.startswith("ValueError") and "model.weights.h5" in last and "declares" in last, (
        last
    )
    build = "m = sk.Sequential([sk.Input((3,)), sk.layers.Dense(2), sk.layers.Dense(1)])"
    rc, last = run_limited(f"{build}; m.load_weights({str(path)!r})")
    assert rc == 2 and "bomb.keras" in last and "declares" in last, last


def test_zip_member_that_lies_about_its_size_is_cut_at_the_declared_size(tmp_path):
    path, _ = _weights_bomb(tmp_path, declared=4096)  # inflates to 6 GiB; zipfile stops at 4096 bytes
    with pytest.raises(ValueError, match=r"bomb.keras.*(could not be read|not a readable HDF5)"):
        load_model(path)


def test_stored_member_whose_sizes_disagree_is_refused(tmp_path):
    small_model().save(tmp_path / "m.keras")
    members = zip_members(tmp_path / "m.keras")
    entries = stored(members)
    entries[1]["declared"] = 6 << 30  # config.json: 6 GiB declared, a few hundred bytes stored
    write_zip(tmp_path / "liar.keras", entries)
    with pytest.raises(ValueError, match=r"'config.json' of the archive .*liar.keras.*declares"):
        load_model(tmp_path / "liar.keras")


def _shape_bomb(path):
    """Replaces the first kernel with a (65536, 32768) float32 dataset (8 GiB) that stores nothing."""
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f.create_dataset("layers/dense/vars/0", shape=(1 << 16, 1 << 15), dtype="float32", chunks=(256, 256),
                         compression="gzip")  # fmt: skip


@linux_only
def test_weights_dataset_of_the_wrong_shape_is_refused_before_reading(tmp_path):
    path = tmp_path / "w.weights.h5"
    small_model().save_weights(path)
    _shape_bomb(path)
    assert path.stat().st_size < 64 << 10
    code = f"m = sk.Sequential([sk.Input((3,)), sk.layers.Dense(2), sk.layers.Dense(1)]); m.load_weights({str(path)!r})"
    rc, last = run_limited(code)
    assert (
        rc == 2 and last.startswith("ValueError") and "(65536, 32768)" in last and "w.weights.h5" in last
    ), last

    legacy = tmp_path / "legacy.h5"
    small_model().save(legacy)
    with h5py.File(legacy, "a") as f:
        key = _first_legacy_weight(f)
        del f[key]
        f.create_dataset(key, shape=(1 << 16, 1 << 15), dtype="float32",
                         chunks=(256, 256), compression="gzip")  # fmt: skip
    rc, last = run_limited(f"sk.models.load_model({str(legacy)!r})")
    assert rc == 2 and last.startswith("ValueError") and "(65536, 32768)" in last, last


@pytest.mark.parametrize("depth", [500, 10_000])
def test_deeply_nested_config_gives_a_clear_error(depth, tmp_path):
    small_model().save(tmp_path / "m.keras")
    members = zip_members(tmp_path / "m.keras")
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["units"] = "PLACEHOLDER"
    text = json.dumps(config).replace('"PLACEHOLDER"', "[" * depth + "]" * depth)
    members["config.json"] = text.encode()
    write_zip(tmp_path / "deep.keras", stored(members))
    with pytest.raises(ValueError, match=r"deep.keras.*nested more than \d+ levels"):
        load_model(tmp_path / "deep.keras")

    legacy = tmp_path / "deep.h5"
    small_model().save(legacy)
    with h5py.File(legacy, "a") as f:
        f.attrs["model_config"] = text
    with pytest.raises(ValueError, match=r"deep.h5.*nested more than \d+ levels"):
        load_model(legacy)


@pytest.mark.parametrize(
    "change,match",
    [
        ({"flags": 1}, "is encrypted"),
        ({"method": 9}, "compression method 9"),
        ({"method": 99}, "compression method 99"),
    ],
)
def test_encrypted_or_unknown_compression_members_name_the_archive(change, match, tmp_path):
    small_model().save(tmp_path / "m.keras")
    entries = stored(zip_members(tmp_path / "m.keras"))
    entries[1].update(change)  # config.json
    write_zip(tmp_path / "odd.keras", entries)
    with pytest.raises(ValueError, match=f"'config.json' of the archive .*odd.keras.*{match}"):
        load_model(tmp_path / "odd.keras")


def test_deflated_members_still_load(tmp_path):
    """A re-zipped archive (deflate, as `zip -r` writes it) is within the bounds."""
    model = small_model()
    model.save(tmp_path / "m.keras")
    members = zip_members(tmp_path / "m.keras")
    write_zip(
        tmp_path / "z.keras",
        [{"name": k, "data": deflate(v), "raw": v, "method": 8} for k, v in members.items()],
    )
    assert_unchanged(load_model(tmp_path / "z.keras"), model.get_weights())


# -- items 8 and 10: the config's types ----------------------------------------------------
def _with_config(tmp_path, edit, name="c.keras"):
    small_model().save(tmp_path / "m.keras")
    members = zip_members(tmp_path / "m.keras")
    config = json.loads(members["config.json"])
    config = edit(config)
    members["config.json"] = json.dumps(config).encode()
    write_zip(tmp_path / name, stored(members))
    return tmp_path / name


def _set(path, value):
    def edit(config):
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return config

    return edit


@pytest.mark.parametrize(
    "edit,match",
    [
        (_set(["config"], None), r"the model \(Sequential\) must have a dict 'config'.*config=None"),
        (lambda c: None, "does not describe a model"),
        (_set(["config", "layers"], None), r"must list its layers.*layers=None"),
        (_set(["config", "layers", 1], None), r"layer #1 of layer 'sequential.*must be a dict"),
        (_set(["config", "layers", 1, "config"], None), r"layer #1.*\(Dense\) must have a dict 'config'"),
        (
            _set(["config", "layers", 1, "build_config", "input_shape"], "abc"),
            r"layer 'dense\w*' \(Dense\).*input_shape='abc'",
        ),
        (
            _set(["config", "layers", 1, "build_config", "input_shape"], [None, -4]),
            r"input_shape=\[None, -4\]",
        ),
        (
            _set(["config", "layers", 1, "build_config", "input_shape"], [None, True]),
            r"input_shape=\[None, True\]",
        ),
        (
            _set(["config", "layers", 1, "build_config"], 7),
            r"layer 'dense\w*'.*'build_config' that is not a dict",
        ),
        (_set(["build_config"], {"input_shape": {"a": 1}}), r"invalid build_config input_shape"),
    ],
)
def test_badly_typed_configs_are_refused(edit, match, tmp_path):
    with pytest.raises(ValueError, match=f"c.keras.*{match}"):
        load_model(_with_config(tmp_path, edit))
