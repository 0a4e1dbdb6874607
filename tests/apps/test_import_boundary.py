"""The library never imports the application: no module outside scratchnn/apps/ imports scratchnn.apps.

The check reads every file's syntax tree, so it sees function-level imports too (a lazy import would
otherwise hide the dependency until the function runs), relative imports, `from scratchnn import apps`
and `importlib.import_module("scratchnn.apps...")`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "scratchnn"
APPS = "scratchnn.apps"
# `python -m scratchnn` is the command line's second entry point (beside the console script); it is
# run, never imported by the library.
ENTRY_POINTS = {"scratchnn/__main__.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_app(name: str) -> bool:
    return name == APPS or name.startswith(APPS + ".")


def app_imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported name) for each import of scratchnn.apps anywhere in `source`.

    Args:
        source: the module's text.
        module: its dotted name, to resolve relative imports.
        is_package: whether it is a package's `__init__` (relative imports then start at itself).
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from scratchnn import apps` names the subpackage as an attribute.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        hits = [name for name in names if _is_app(name)]
        if hits:
            found.append((node.lineno, max(hits, key=len)))
    return found


def test_no_library_module_imports_the_app():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        module = _module_name(path)
        if _is_app(module) or relative in ENTRY_POINTS:
            continue
        for line, name in app_imports(path.read_text(encoding="utf8"), module, path.name == "__init__.py"):
            offenders.append(f"{relative}:{line} imports {name}")
    assert not offenders, "the library imports the application:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source, module, is_package",
    [
        ("from scratchnn.apps.reports import classification_report\n", "scratchnn.metrics", True),
        ("import scratchnn.apps.cli\n", "scratchnn.utils.summary", False),
        ("from scratchnn import layers, apps\n", "scratchnn.models.model", False),
        ("from ..apps import recipes\n", "scratchnn.utils.summary", False),
        ("from . import apps\n", "scratchnn", True),
        (
            "def f():\n    from scratchnn.apps import plot\n    return plot\n",
            "scratchnn.utils.summary",
            False,
        ),
        (
            "class A:\n    def m(self):\n        import scratchnn.apps.plot as p\n",
            "scratchnn.layers.dense",
            False,
        ),
        ("import importlib\nimportlib.import_module('scratchnn.apps.cli.train')\n", "scratchnn.keras", True),
    ],
)
def test_the_check_finds_every_form_of_import(source, module, is_package):
    assert len(app_imports(source, module, is_package)) == 1


@pytest.mark.parametrize(
    "source, module",
    [
        ("from scratchnn import layers\nimport scratchnn.applications_like\n", "scratchnn.models.model"),
        ("from . import ops\n", "scratchnn.layers.dense"),
        ("from .reports import html\n", "scratchnn.utils.summary"),  # scratchnn.utils.reports: not the app
    ],
)
def test_the_check_passes_other_imports(source, module):
    assert app_imports(source, module) == []


def test_importing_the_keras_api_loads_no_app_module():
    code = textwrap.dedent(
        """
        import sys
        import scratchnn
        from scratchnn import keras
        keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).summary(print_fn=lambda *a, **k: None)
        print(sorted(m for m in sys.modules if m.startswith("scratchnn.apps")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
