"""The Qt-free core rule, enforced mechanically."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "zaitaku_map"
QT_ROOTS = {"PySide6", "shiboken6", "PyQt5", "PyQt6", "pytestqt"}


def qt_imports(source: str) -> list[int]:
    """Line numbers of Qt imports in a module's source (any nesting level)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            if any(a.name.split(".")[0] in QT_ROOTS for a in node.names):
                lines.append(node.lineno)
        elif (isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in QT_ROOTS) or (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] in QT_ROOTS
        ):
            lines.append(node.lineno)
    return lines


def test_detector_catches_qt_import() -> None:
    assert qt_imports("import PySide6.QtCore\n") == [1]
    assert qt_imports("def f():\n    from PySide6 import QtWidgets\n") == [2]
    assert qt_imports("import importlib\nimportlib.import_module('PySide6.QtGui')\n") == [2]
    assert qt_imports("import json\n") == []


def test_only_gui_imports_qt() -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[0] == "gui":
            continue
        for line in qt_imports(path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}:{line}")
    assert not offenders, f"Qt imported outside zaitaku_map/gui: {offenders}"


def test_core_imports_with_qt_blocked(tmp_path: Path) -> None:
    """Import every core module and run init/info in a process where PySide6 cannot load."""
    code = r"""
import importlib, importlib.abc, pkgutil, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6'}:
            raise ImportError('blocked ' + name)
sys.meta_path.insert(0, Block())
import zaitaku_map
for m in pkgutil.walk_packages(zaitaku_map.__path__, 'zaitaku_map.'):
    if m.name.startswith('zaitaku_map.gui') or m.name == 'zaitaku_map.__main__':
        continue
    importlib.import_module(m.name)
from zaitaku_map.cli import main
assert main(['init', sys.argv[1]]) == 0
assert main(['info', sys.argv[1], '--json']) == 0
"""
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "p.gpkg")], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]


def test_gui_holds_no_sql() -> None:
    """Views read the store through the core (``store.queries`` and the domain modules), never by SQL."""
    offenders = []
    for path in (PKG / "gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"execute", "executemany", "executescript"}:
                offenders.append(f"{path.relative_to(PKG)}:{node.lineno}")
    assert not offenders, f"SQL in the GUI: {offenders}"


# Private names imported across modules.  Each entry is a debt to pay: the list only shrinks.
PRIVATE_IMPORT_DEBT: set[str] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str, module: str) -> list[str]:
    """``module.name`` for every private name (or private module) imported from another module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module != module:
            for alias in node.names:
                if _private(alias.name) or any(_private(p) for p in node.module.split(".")):
                    found.append(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name != module and any(_private(p) for p in alias.name.split(".")):
                    found.append(alias.name)
    return found


def test_private_import_detector() -> None:
    assert private_imports("from a.b import _c, d\n", "x") == ["a.b._c"]
    assert private_imports("from a import _m\n", "x") == ["a._m"]
    assert private_imports("import a._m\n", "x") == ["a._m"]
    assert private_imports("from a.b import c\n", "x") == []
    assert private_imports("from a.b import _c\n", "a.b") == []


def test_no_private_names_imported_across_modules() -> None:
    found = set()
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        module = "zaitaku_map." + ".".join(rel.with_suffix("").parts).removesuffix(".__init__")
        for name in private_imports(path.read_text(encoding="utf-8"), module):
            found.add(f"{rel.as_posix()}: {name}")
    new = sorted(found - PRIVATE_IMPORT_DEBT)
    paid = sorted(PRIVATE_IMPORT_DEBT - found)
    assert not new, f"private names imported from another module (make them public or move them): {new}"
    assert not paid, f"debt paid: remove these entries from PRIVATE_IMPORT_DEBT: {paid}"
