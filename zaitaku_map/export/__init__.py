"""Exports for meetings and other tools: PDF maps and atlas pages, resource lists, comparison, the
meeting pack (one PDF of registered sections, or a folder), an offline interactive HTML map, CSV/XLSX
tables and GeoPackage/GeoJSON layers.  Qt-free (the CLI runs it on a machine with no display).

Every exporter takes ``(project, request, path)`` — an :class:`ExportRequest` saying what to show —
and keyword-only ``progress``/``cancel``; it writes through :func:`zaitaku_map.fileio.atomic_path`
(nothing partial is ever left) and returns an :class:`ExportResult`.
"""

from __future__ import annotations

from zaitaku_map.export.compare import export_comparison_pdf
from zaitaku_map.export.htmlmap import export_html_map
from zaitaku_map.export.layers import export_gpkg
from zaitaku_map.export.listdoc import export_list_pdf
from zaitaku_map.export.mapdoc import export_map_pdf
from zaitaku_map.export.pack import export_pack
from zaitaku_map.export.request import ExportRequest, ExportResult, MeetingInfo
from zaitaku_map.export.sections import PackContext, PackSection, SectionPart, register_section
from zaitaku_map.export.tables import export_csv, export_xlsx

__all__ = [
    "ExportRequest",
    "ExportResult",
    "MeetingInfo",
    "PackContext",
    "PackSection",
    "SectionPart",
    "export_comparison_pdf",
    "export_csv",
    "export_gpkg",
    "export_html_map",
    "export_list_pdf",
    "export_map_pdf",
    "export_pack",
    "export_xlsx",
    "register_section",
]
