"""zaitaku-map: offline desktop GIS for drafting 在宅医療の圏域 (home-care service areas).

The package is a Qt-free core (import, store, analysis, reports) plus ``zaitaku_map.gui``,
the only subpackage allowed to import PySide6 (enforced by ``tests/test_architecture.py``).
"""

from __future__ import annotations

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("zaitaku-map")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
