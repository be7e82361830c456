"""The built-in demo: a fictional prefecture 「デモ県」 written in the official file formats.

:func:`generate_files` writes the files; :func:`build_demo_project` feeds them through the
public import and analysis functions into a ready project.  Both are imported lazily so that
``import zaitaku_map.demo`` stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zaitaku_map.progress import CancelToken, Progress, ProgressCallback


def generate_files(
    out_dir: str | Path,
    *,
    seed: int = 0,
    scale: int = 1,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Write the demo files (see :func:`zaitaku_map.demo.generate.generate_files`)."""
    from zaitaku_map.demo.generate import generate_files as _gen

    return _gen(out_dir, seed=seed, scale=scale, progress=progress, cancel=cancel)


def build_demo_project(
    path: str | Path,
    *,
    seed: int = 0,
    scale: int = 1,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """Generate the files and build a project from them (see :mod:`zaitaku_map.demo.pipeline`)."""
    from zaitaku_map.demo.pipeline import build_demo_project as _build

    return _build(path, seed=seed, scale=scale, progress=progress, cancel=cancel, **kw)


__all__ = ["build_demo_project", "generate_files"]
