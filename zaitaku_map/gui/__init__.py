"""Desktop GUI (PySide6 + QtWebEngine + Leaflet): the only package that imports Qt.

Importing this package does not import Qt; :func:`run` does.  See :mod:`.app`.
"""

from __future__ import annotations

from pathlib import Path


def run(project: str | Path | None = None, *, screenshot: str | Path | None = None) -> int:
    """Start the application (blocking); returns the exit code."""
    from zaitaku_map.gui.app import run as _run

    return _run(project, screenshot=screenshot)
