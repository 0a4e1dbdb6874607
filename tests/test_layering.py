"""The layers contract: imports flow one way through scratchnn (docs/architecture.md, "Layers").

Every module has a layer (`LAYERS`, lowest first). A module may import modules of its own
layer or of lower layers only; that covers imports at module level and inside functions,
and the package `__init__` files that Python runs first (importing `scratchnn.saving.registry`
runs `scratchnn/saving/__init__.py`). On top of that:

- the packages of one layer import each other without a cycle;
- an import inside a function is allowed only for an optional dependency (any non-scratchnn
  module), in the application layer, or when `LAZY` lists it with its reason (Keras's own
  `Model.__new__` dispatch, a cycle inside one package, an upward import named in `UPWARD`);
- at run time, importing a module loads no module of a higher layer.

The graph is read from the source with `ast`: no import runs, nothing new is installed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scratchnn"

# Lowest first. An entry ending in "." is a package prefix (its modules and subpackages); any other
# entry is one module (a package's own `__init__`). The longest matching entry gives a module's layer.
LAYERS: list[tuple[str, list[str]]] = [
    ("backend", ["scratchnn", "scratchnn.version", "scratchnn.backend."]),
    ("utils", ["scratchnn.utils", "scratchnn.utils."]),
    ("ops", ["scratchnn.ops.", "scratchnn.random", "scratchnn.utils.numerical"]),
    (
        "serialization",
        [
            "scratchnn.saving",
            "scratchnn.saving.registry",
            "scratchnn.saving.keras_saveable",
            "scratchnn.saving.serialization_lib",
            "scratchnn.saving.object_family",
        ],
    ),
    (
        "families",
        [
            "scratchnn.activations",
            "scratchnn.initializers.",
            "scratchnn.regularizers",
            "scratchnn.constraints",
            "scratchnn.losses.",
            "scratchnn.metrics.",
            "scratchnn.optimizers.",
        ],
    ),
    ("configs", ["scratchnn.saving.serialization"]),
    ("layers", ["scratchnn.layers."]),
    ("callbacks", ["scratchnn.callbacks."]),
    ("data", ["scratchnn.distribution.", "scratchnn.data.", "scratchnn.datasets."]),
    ("trainers", ["scratchnn.trainers."]),
    (
        "saving formats",
        [
            "scratchnn.saving.config_checks",
            "scratchnn.saving.h5_reader",
            "scratchnn.saving.h5_weights",
            "scratchnn.saving.keras_archive",
            "scratchnn.saving.keras_file",
            "scratchnn.saving.pickling",
            "scratchnn.saving.saving_api",
            "scratchnn.saving.weights_tree",
        ],
    ),
    ("models", ["scratchnn.models."]),
    (
        "extras",
        [
            "scratchnn.testing.",
            "scratchnn.tf_compat.",
            "scratchnn.export.",
            "scratchnn.wrappers.",
            "scratchnn.keras.",
        ],
    ),
    (
        "apps",
        [
            "scratchnn.__main__",
            "scratchnn.apps.",
        ],
    ),
]

# Imports that point up, each with its reason. Keep this list short.
UPWARD = {
    ("scratchnn.models.model", "scratchnn.export"): (
        "Model.export is Keras's API, and the exporters build on the models; imported on use, as "
        "Keras's Model.export does"
    ),
    ("scratchnn.saving", "scratchnn.saving.saving_api"): (
        "keras.saving re-exports load_model/save_model, which live with the file formats; resolved on "
        "first use (PEP 562) so that importing the registry does not load the layers and models"
    ),
}

# Imports inside functions of scratchnn modules (below the application layer), with their reason.
LAZY = {
    (
        "scratchnn.models.model",
        "scratchnn.models.functional",
    ): "Keras's Model.__new__ dispatch: functional.py subclasses Model",
    ("scratchnn.ops.tensor", "scratchnn.ops.math"): "cycle: ops/math.py builds on ops/tensor.py",
    ("scratchnn.ops.tensor", "scratchnn.ops.shape"): "cycle: ops/shape.py builds on ops/tensor.py",
    ("scratchnn.losses.loss", "scratchnn.losses"): "cycle: the losses family table imports losses/loss.py",
    ("scratchnn.metrics.reduction_metrics", "scratchnn.metrics.registry"): (
        "cycle: the metrics family table lists every metric class"
    ),
    (
        "scratchnn.tf_compat",
        "scratchnn.tf_compat.top_level",
    ): "cycle: top_level imports this package's modules",
    ("scratchnn.tf_compat.config.experimental", "scratchnn.tf_compat.config"): (
        "cycle: the parent package imports this module"
    ),
    **UPWARD,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _entry(module: str) -> tuple[int, str] | None:
    """(layer index, the table entry that holds `module`): the longest matching entry.

    A prefix entry "a.b." holds the package `a.b` itself too; an entry naming a module
    exactly wins over a prefix of the same length.
    """
    best, best_key = None, (-1, False)
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            if entry.endswith("."):
                hit = module.startswith(entry) or module == entry[:-1]
                key = (len(entry) - 1, False)
            else:
                hit, key = module == entry, (len(entry), True)
            if hit and key > best_key:
                best, best_key = (index, entry), key
    return best


def _parents(module: str) -> list[str]:
    """The packages Python runs first when importing `module` (`a`, `a.b` for `a.b.c`)."""
    parts = module.split(".")
    return [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in MODULES]


def _resolve(importer: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The scratchnn modules an import statement loads (the named ones and their packages)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = importer.split(".")
            if not MODULES[importer].name == "__init__.py":
                parts.pop()
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = []
    for target in targets:
        if target in MODULES:
            out += [*_parents(target), target]
    return out


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str, node: ast.AST, in_function: bool, out: list[tuple[str, str, bool, int]]) -> None:
    for child in ast.iter_child_nodes(node):
        if _is_type_checking(child):
            continue  # annotations only: never run
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            out.extend((module, t, in_function, child.lineno) for t in _resolve(module, child))
        is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        _imports(module, child, in_function or is_function, out)


def _edges() -> list[tuple[str, str, bool, int]]:
    """(importer, imported, inside a function, line) for every scratchnn import, parents included."""
    edges: list[tuple[str, str, bool, int]] = []
    for module, path in MODULES.items():
        edges.extend((module, parent, False, 0) for parent in _parents(module))
        _imports(module, ast.parse(path.read_text(), str(path)), False, edges)
    return edges


EDGES = _edges()


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if _entry(m) is None]
    assert not missing, f"Give these modules a layer in tests/test_layering.py LAYERS: {missing}"


def test_no_import_points_up():
    wrong = []
    for importer, imported, _, line in EDGES:
        (low, _), (high, _) = _entry(imported), _entry(importer)
        if low > high and (importer, imported) not in UPWARD:
            where = f"{MODULES[importer].relative_to(PACKAGE.parent)}:{line}"
            wrong.append(f"{where} {importer} ({LAYERS[high][0]}) imports {imported} ({LAYERS[low][0]})")
    assert not wrong, "Imports that point up the layers:\n" + "\n".join(sorted(set(wrong)))


def _package(module: str) -> str:
    """The package a module belongs to for the cycle check: its top-level package in its layer.

    A package split over layers (saving, utils) counts as one package per layer; the root
    module and `scratchnn.version` are one.
    """
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 and parts[1] != "version" else "scratchnn"
    return f"{name} ({LAYERS[_entry(module)[0]][0]})"


def test_no_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for importer, imported, _, _ in EDGES:
        a, b = _package(importer), _package(imported)
        if a != b and (importer, imported) not in UPWARD:
            graph.setdefault(a, set()).add(b)
    cycles = [c for c in _strongly_connected(graph) if len(c) > 1]
    assert not cycles, f"Packages that import each other: {cycles}"


def test_function_level_imports_have_a_reason():
    apps = len(LAYERS) - 1
    unlisted = sorted(
        {
            f"{MODULES[a].relative_to(PACKAGE.parent)}:{line} imports {b}"
            for a, b, lazy, line in EDGES
            if lazy and _entry(a)[0] < apps and b != a and b not in _parents(a) and (a, b) not in LAZY
        }
    )
    assert not unlisted, (
        "Imports inside functions that are not for an optional dependency: make them top-level, "
        "or add them to LAZY with the reason:\n" + "\n".join(unlisted)
    )


def test_lazy_list_holds_only_live_entries():
    live = {(a, b) for a, b, lazy, _ in EDGES if lazy}
    stale = [key for key in LAZY if key not in live]
    assert not stale, f"LAZY lists imports that no longer exist: {stale}"


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of a directed graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            out.append(sorted(component))

    for v in list(graph):
        if v not in index:
            connect(v)
    return out


# One module of each package below the application layer: importing it in a fresh interpreter
# must load no module of a higher layer (this catches what the static graph cannot: an
# `importlib.import_module` at import time).
PROBES = sorted(
    ({entry.rstrip(".") for _, entries in LAYERS[:-2] for entry in entries} | {"scratchnn.trainers.trainer"})
    & set(MODULES)
)

_PROBE_SCRIPT = """
import importlib, json, sys
loaded = {}
for name in json.loads(sys.argv[1]):
    for key in [k for k in sys.modules if k == "scratchnn" or k.startswith("scratchnn.")]:
        del sys.modules[key]
    importlib.import_module(name)
    loaded[name] = sorted(k for k in sys.modules if k.startswith("scratchnn."))
print(json.dumps(loaded))
"""


def test_importing_a_module_loads_nothing_above_it():
    result = subprocess.run(
        [sys.executable, "-c", _PROBE_SCRIPT, json.dumps(PROBES)],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        check=True,
    )
    loaded = json.loads(result.stdout)
    wrong = []
    for probe, modules in loaded.items():
        level = _entry(probe)[0]
        above = [m for m in modules if m in MODULES and _entry(m)[0] > level]
        if above:
            wrong.append(f"import {probe} ({LAYERS[level][0]}) loads {above}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("scratchnn.ops.symbolic", "ops"),
        ("scratchnn.layers.layer", "layers"),
        ("scratchnn.callbacks.callback", "callbacks"),
        ("scratchnn.trainers.trainer", "trainers"),
        ("scratchnn.saving.weights_tree", "saving formats"),
        ("scratchnn.models.functional", "models"),
    ],
)
def test_the_table_puts_modules_where_the_docs_say(module, layer):
    assert LAYERS[_entry(module)[0]][0] == layer
