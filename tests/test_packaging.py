"""Packaging: every subpackage is declared, the wheel carries resources/, version from one place."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import zaitaku_map

REPO = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_declared() -> None:
    declared = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "zaitaku_map").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= declared, f"add to [tool.setuptools] packages: {sorted(found - declared)}"


def test_version_single_source() -> None:
    from importlib.metadata import version

    assert zaitaku_map.__version__ == version("zaitaku-map")


@pytest.mark.slow
def test_wheel_contains_resources(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("zaitaku_map-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "zaitaku_map/resources/__init__.py" in names
    assert any(n.startswith("zaitaku_map/resources/ui/") for n in names)
    assert any(n.startswith("zaitaku_map/resources/geodata/") for n in names)
    assert "zaitaku_map/cli/__init__.py" in names
    assert not any(n.startswith("tests/") for n in names)
