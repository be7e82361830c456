"""Access to the top-level ``resources/`` folder (shipped as ``zaitaku_map.resources``).

Works from a source checkout (editable install), a wheel and a PyInstaller bundle because it
goes through :mod:`importlib.resources`.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def resource(*parts: str) -> Traversable:
    """Return a traversable for ``resources/<parts...>``."""
    node = resources.files("zaitaku_map.resources")
    for part in parts:
        node = node.joinpath(part)
    return node


def resource_path(*parts: str) -> Path:
    """Filesystem path of a resource (all our installs are unpacked directories)."""
    return Path(str(resource(*parts)))


def japanese_font_path() -> Path:
    """Path of the bundled IPAexGothic TTF (from the ``matplotlib-fontja`` package)."""
    import matplotlib_fontja

    base = Path(matplotlib_fontja.__file__).parent
    for candidate in sorted(base.rglob("*.ttf")):
        return candidate
    raise FileNotFoundError("IPAexGothic font not found in matplotlib_fontja")
