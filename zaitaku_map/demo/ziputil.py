"""Byte-identical output helpers: fixed zip entry times, xlsx core properties, DBF dates."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

FIXED_ZIP_TIME = (2025, 10, 1, 0, 0, 0)
FIXED_ISO = "2025-10-01T00:00:00Z"


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """Write a deflated zip whose entries carry a fixed timestamp (sorted order kept as given)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return path


def normalize_xlsx(path: Path) -> Path:
    """Rewrite an xlsx saved by openpyxl with fixed entry times and fixed created/modified dates."""
    with zipfile.ZipFile(path) as zf:
        members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    out = []
    for name, data in members:
        if name == "docProps/core.xml":
            text = data.decode("utf-8")
            text = re.sub(
                r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{FIXED_ISO}\g<2>", text
            )
            text = re.sub(
                r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{FIXED_ISO}\g<2>", text
            )
            data = text.encode("utf-8")
        out.append((name, data))
    return write_zip(path, out)


def fix_dbf_date(path: Path) -> None:
    """Set the 'last update' date in a dBASE header (bytes 1–3) to a fixed day."""
    with open(path, "r+b") as fh:
        fh.seek(1)
        fh.write(bytes([FIXED_ZIP_TIME[0] - 1900, FIXED_ZIP_TIME[1], FIXED_ZIP_TIME[2]]))
