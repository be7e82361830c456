"""Packaging: every subpackage is declared, the wheel carries resources/, version from one place."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest

import zaitaku_map

REPO = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_declared() -> None:
    declared = set(
        tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "zaitaku_map").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= declared, f"add to [tool.setuptools] packages: {sorted(found - declared)}"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_runtime_imports_are_declared_dependencies() -> None:
    """Every third-party module the package imports is installed by its dependencies (PySide6: ``gui`` extra).

    A module missing here works in the dev venv (test extras) but fails in ``pip install .`` and in the frozen app.
    """
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        _norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0])
        for d in meta["dependencies"] + meta["optional-dependencies"]["gui"]
    }
    todo = list(declared)  # what the declared dependencies install (e.g. folium → branca, jinja2)
    while todo:
        try:
            reqs = requires(todo.pop()) or []
        except PackageNotFoundError:
            continue
        for r in reqs:
            if (
                "extra ==" not in r
                and (name := _norm(re.split(r"[<>=!~\[; (]", r, maxsplit=1)[0])) not in declared
            ):
                declared.add(name)
                todo.append(name)
    imported: set[str] = set()
    for path in (REPO / "zaitaku_map").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "zaitaku_map"}
    dists = packages_distributions()
    undeclared = {
        m: dists.get(m) for m in third_party if not {_norm(d) for d in dists.get(m, [m])} & declared
    }
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"


def test_version_single_source() -> None:
    from importlib.metadata import version

    assert zaitaku_map.__version__ == version("zaitaku-map")


@pytest.mark.slow
def test_wheel_contains_resources(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("zaitaku_map-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "zaitaku_map/resources/__init__.py" in names
    assert any(n.startswith("zaitaku_map/resources/ui/") for n in names)
    assert any(n.startswith("zaitaku_map/resources/geodata/") for n in names)
    assert "zaitaku_map/resources/ui/map.html" in names
    assert "zaitaku_map/resources/ui/vendor/leaflet/leaflet.js" in names
    assert "zaitaku_map/resources/ui/vendor/leaflet/LICENSE" in names
    assert "zaitaku_map/cli/__init__.py" in names
    assert not any(n.startswith(("tests/", "packaging/")) for n in names)

    # installed from the wheel (not the source tree) and run from another directory: resources and version resolve
    site = tmp_path / "site"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = (
        "import zaitaku_map, importlib.metadata as md; from zaitaku_map.assets import resource_path;"
        "print(zaitaku_map.__file__); print(resource_path('ui', 'map.html')); print(md.version('zaitaku-map'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    module_file, map_html, version = out.stdout.split("\n")[:3]
    assert Path(module_file).is_relative_to(site) and Path(map_html).is_relative_to(site), out.stdout
    assert Path(map_html).is_file()
    assert version == zaitaku_map.__version__
    out = subprocess.run(
        [sys.executable, "-m", "zaitaku_map", "init", str(elsewhere / "p.gpkg")],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert (elsewhere / "p.gpkg").is_file()
