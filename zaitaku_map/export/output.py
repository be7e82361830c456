"""Writing an export's file: always through :func:`zaitaku_map.fileio.atomic_path`, so a failed or
cancelled export leaves no partial file and the previous version (if any) untouched."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from zaitaku_map.errors import ExportError
from zaitaku_map.fileio import atomic_path


@contextlib.contextmanager
def output_file(path: str | Path, *, what: str) -> Iterator[Path]:
    """Yield the temporary path to write ``path`` through; a file-system or encoding failure becomes
    an :class:`~zaitaku_map.errors.ExportError` naming the file (the temporary file is removed).

    ``what`` names the format in the message (``"PDF"``, ``"CSV"`` …).
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            yield tmp
    except (OSError, LookupError, sqlite3.Error) as exc:
        raise ExportError(
            f"cannot write {what}: {exc}",
            file=target,
            hint="保存先（フォルダー・空き容量・書き込み権限）を確認してください",
        ) from exc


def write_bytes(path: str | Path, data: bytes, *, what: str) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with output_file(path, what=what) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def figures_pdf(
    figures: Sequence[tuple[Any, str | None]], *, title: str = ""
) -> tuple[bytes, list[tuple[str, int]]]:
    """One page per matplotlib figure, in memory; a figure's heading (if any) becomes a bookmark.
    Returns (PDF bytes, [(heading, page index)])."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    heads: list[tuple[str, int]] = []
    for i, (fig, head) in enumerate(figures):
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", metadata={"Creator": "zaitaku-map"})
        writer.append(PdfReader(buf), import_outline=False)
        if head:
            heads.append((head, i))
            writer.add_outline_item(title=head, page_number=i)
    if title:
        writer.add_metadata({"/Title": title, "/Creator": "zaitaku-map"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), heads


def save_figure_pdf(fig: object, path: str | Path, *, title: str) -> Path:
    """Save a matplotlib figure as a one-page vector PDF, atomically."""
    with output_file(path, what="PDF") as tmp:
        fig.savefig(tmp, format="pdf", metadata={"Title": title, "Creator": "zaitaku-map"})  # type: ignore[attr-defined]
    return Path(path)
