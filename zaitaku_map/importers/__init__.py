"""Facility import: official lists (医療情報ネット, 介護サービス情報公表, 地方厚生局 名簿), generic tables and
GIS point layers, merged into one facility register with provenance.

Public API: :func:`detect_format`, :func:`import_files`, :func:`preview_file`, :func:`guess_mapping`,
:class:`ImportReport`.
"""

from __future__ import annotations

from zaitaku_map.importers.api import import_files, preview_file
from zaitaku_map.importers.detect import FORMATS, detect_format
from zaitaku_map.importers.report import ImportReport


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Guess ``{field: column}`` for a generic table header (see :mod:`zaitaku_map.importers.table`)."""
    from zaitaku_map.importers.table import guess_mapping as _guess

    return _guess(header)


__all__ = ["FORMATS", "ImportReport", "detect_format", "guess_mapping", "import_files", "preview_file"]
