"""keras.utils.model_to_dot / plot_model: the graph against real Keras 3's on the same architecture,
PNG and SVG files rendered by Graphviz and read back, and the errors.

Rendering needs Graphviz's `dot` program (Debian's graphviz, which .ci/run installs). Without it the
rendering tests skip, unless SCRATCHNN_REQUIRE_GRAPHVIZ=1 (as CI sets it), which makes them fail.
"""

import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import keras as real_keras
import numpy as np
import pytest
from PIL import Image

import scratchnn.keras as keras

SVG = "{http://www.w3.org/2000/svg}"


def require_graphviz():
    if shutil.which("dot") is None:
        reason = "Graphviz's `dot` is not installed (apt-get install graphviz): plot_model cannot render"
        if os.environ.get("SCRATCHNN_REQUIRE_GRAPHVIZ") == "1":
            pytest.fail(reason + "; SCRATCHNN_REQUIRE_GRAPHVIZ=1 requires it")
        pytest.skip(reason)


def branchy(k):
    """Two inputs, a shared Dense called on both, a concatenation and two heads (Keras or scratchnn `k`)."""
    a = k.Input((5,), name="a")
    b = k.Input((5,), name="b")
    shared = k.layers.Dense(4, activation="relu", name="shared")
    merged = k.layers.Concatenate(name="merged")([shared(a), shared(b)])
    hidden = k.layers.Dense(3, activation="tanh", name="hidden")(merged)
    out_1 = k.layers.Dense(1, name="head_1")(hidden)
    out_2 = k.layers.Dense(2, activation="softmax", name="head_2")(merged)
    return k.Model([a, b], [out_1, out_2], name="branchy")


def chain(k, depth):
    return k.Sequential(
        [k.Input((3,)), *(k.layers.Dense(2, name=f"dense_{i}") for i in range(depth))], name=f"chain_{depth}"
    )


def graph(dot):
    """({node id: the layer name in its label}, {(source name, destination name)})."""
    names = {}
    for node in dot.get_nodes():
        found = re.search(r"<b>([^<]+)</b> \(", node.get("label") or "")
        if found:
            names[node.get_name().strip('"')] = found.group(1)
    edges = {
        (names[e.get_source().strip('"')], names[e.get_destination().strip('"')]) for e in dot.get_edges()
    }
    return names, edges


@pytest.mark.parametrize("build", [branchy, lambda k: chain(k, 4)], ids=["functional", "sequential"])
def test_model_to_dot_draws_the_graph_keras_draws(build):
    ours, ours_edges = graph(keras.utils.model_to_dot(build(keras), show_layer_names=True))
    theirs, theirs_edges = graph(real_keras.utils.model_to_dot(build(real_keras), show_layer_names=True))
    assert sorted(ours.values()) == sorted(theirs.values())
    assert ours_edges == theirs_edges
    if build is branchy:  # the shared layer is one box with an edge from each input
        assert {("a", "shared"), ("b", "shared"), ("shared", "merged"), ("merged", "head_2")} <= ours_edges


def test_labels_show_shapes_dtype_activation_and_trainable():
    model = branchy(keras)
    model.get_layer("hidden").trainable = False
    dot = keras.utils.model_to_dot(
        model, show_shapes=True, show_dtype=True, show_layer_activations=True, show_trainable=True
    )
    labels = {name: dot.get_node(node_id)[0].get("label") for node_id, name in graph(dot)[0].items()}
    assert "Input shape: <b>(None, 5)</b>" in labels["shared"]
    assert "Input shape: <b>(None, 4), (None, 4)</b>" in labels["merged"]
    assert "Output shape: <b>(None, 8)</b>" in labels["merged"] and "Input shape" not in labels["a"]
    assert "Output dtype: <b>float32</b>" in labels["head_1"]
    assert "Activation: <b>tanh</b>" in labels["hidden"] and "Activation" not in labels["merged"]
    assert "<b>Non-trainable</b>" in labels["hidden"] and "<b>Trainable</b>" in labels["head_2"]
    assert "Trainable" not in labels["merged"]  # no weights, nothing to say
    plain = keras.utils.model_to_dot(model, show_layer_names=False)
    assert all("shared" not in (n.get("label") or "") for n in plain.get_nodes())


def test_a_subclassed_model_is_one_box_and_an_unbuilt_one_is_refused():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Tiny()
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.model_to_dot(model)
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.plot_model(keras.Sequential([keras.layers.Dense(1)]))
    model(np.zeros((1, 3), "float32"))
    names, edges = graph(keras.utils.model_to_dot(model))
    assert list(names.values()) == ["tiny"] and edges == set()


def test_bad_options_are_refused():
    model = chain(keras, 2)
    with pytest.raises(NotImplementedError, match="expand_nested=True"):
        keras.utils.model_to_dot(model, expand_nested=True)
    with pytest.raises(ValueError, match="layer_range"):
        keras.utils.model_to_dot(model, layer_range=["dense_0", "dense_1"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments: {'colour': 'red'}"):
        keras.utils.model_to_dot(model, colour="red")


def test_png_is_rendered_at_the_requested_dpi_and_grows_with_the_model(tmp_path):
    require_graphviz()
    heights = {}
    for depth in (2, 5):
        model = chain(keras, depth)
        options = {"show_shapes": True, "show_layer_names": True}
        assert keras.utils.plot_model(model, to_file=tmp_path / f"{depth}.svg", dpi=96, **options) is None
        # The SVG is the drawing as text: every layer's name, one group per box and per arrow.
        root = ET.parse(tmp_path / f"{depth}.svg").getroot()
        text = "".join(t.text or "" for t in root.iter(SVG + "text"))
        assert all(f"dense_{i} (Dense)" in text for i in range(depth)) and "Output shape: (None, 2)" in text
        groups = [g.get("class") for g in root.iter(SVG + "g")]
        assert groups.count("node") == depth and groups.count("edge") == depth - 1
        pixels = {}
        for dpi in (96, 192):
            keras.utils.plot_model(model, to_file=tmp_path / f"{depth}_{dpi}.png", dpi=dpi, **options)
            with Image.open(tmp_path / f"{depth}_{dpi}.png") as image:
                assert image.format == "PNG"
                pixels[dpi] = np.asarray(image.convert("L"))
        # Graphviz sizes the SVG for the same dpi, so the PNG is that drawing; twice the dpi, twice the size.
        size = tuple(float(root.get(a).removesuffix("pt")) for a in ("height", "width"))
        assert pixels[96].shape == pytest.approx(size, abs=2)
        assert pixels[192].shape == pytest.approx(tuple(2 * d for d in pixels[96].shape), abs=3)
        # Black title bars on white boxes: a drawing, not an empty canvas.
        assert (pixels[96] < 50).mean() > 0.05 and (pixels[96] > 200).mean() > 0.3
        heights[depth] = pixels[96].shape[0]
    assert heights[5] > 2 * heights[2]


def test_a_name_without_extension_is_png_and_a_failed_render_keeps_the_old_file(tmp_path, monkeypatch):
    require_graphviz()
    model = chain(keras, 2)
    keras.utils.plot_model(model, to_file=tmp_path / "model")
    assert (tmp_path / "model").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = tmp_path / "model.nosuchformat"
    target.write_bytes(b"previous")
    with pytest.raises(ValueError, match=r"writes no 'nosuchformat' files.*one of .*png.*svg"):
        keras.utils.plot_model(model, to_file=target)
    assert target.read_bytes() == b"previous"
    # A Graphviz that fails half-way (here: one that writes part of a PNG and exits 1) keeps the old file.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text(
        f'#!/bin/sh\ncase "$1" in -Tsvg) exec {shutil.which("dot")} "$@";; esac\n'
        "printf '\\211PNG partial'; exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(
        RuntimeError, match="Graphviz failed to draw .*model.*previous file there is unchanged"
    ):
        keras.utils.plot_model(model, to_file=tmp_path / "model")
    assert (tmp_path / "model").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(os.listdir(tmp_path)) == ["bin", "model", target.name]


def test_missing_pydot_or_graphviz_names_what_to_install(monkeypatch, tmp_path):
    model = chain(keras, 2)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on it
    with pytest.raises(ImportError, match="not Graphviz's `dot` program: install Graphviz"):
        keras.utils.plot_model(model, to_file=tmp_path / "model.png")
    monkeypatch.setitem(sys.modules, "pydot", None)
    for call in (keras.utils.plot_model, keras.utils.model_to_dot):
        with pytest.raises(ImportError, match=r"pip install 'scratchnn\[plot\]'"):
            call(model)
    assert os.listdir(tmp_path) == []
