"""Writing files so that a reader never sees half of one.

Every output of zaitaku-map (PDF, CSV, XLSX, GeoPackage, HTML, settings) is written through
:func:`atomic_path`: the writer gets a temporary name in the destination folder, and only a write
that finished replaces the destination, in one ``os.replace``.  A failure or a cancel removes the
temporary file and leaves the destination as it was (absent, or the previous version).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def partial_path(path: str | Path) -> Path:
    """The temporary name used while ``path`` is written: ``name.part.ext`` beside it.

    The extension is kept last so that writers that pick a format from the suffix (GDAL, matplotlib)
    still recognise it.
    """
    p = Path(path)
    return p.with_name(f"{p.stem}.part{p.suffix}") if p.suffix else p.with_name(p.name + ".part")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed.

    Examples
    --------
    >>> with atomic_path(out) as tmp:  # doctest: +SKIP
    ...     figure.savefig(tmp)
    """
    target = Path(path)
    tmp = partial_path(target)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)
