"""Exports for meetings and other tools: PDF maps, resource lists, comparison, meeting pack,
an offline interactive HTML map, CSV/XLSX tables and GeoPackage/GeoJSON layers.  Qt-free (the CLI runs it on a machine with no display).

Every function takes the project and option name(s) first, options keyword-only (with
``progress=None, cancel=None``), writes atomically and returns a JSON-ready dict (``path``,
``pages`` for PDFs, ``counts`` …).
"""

from __future__ import annotations

from zaitaku_map.export.compare import export_comparison_pdf
from zaitaku_map.export.htmlmap import export_html_map
from zaitaku_map.export.layers import export_gpkg
from zaitaku_map.export.listdoc import export_list_pdf
from zaitaku_map.export.mapdoc import export_map_pdf
from zaitaku_map.export.pack import export_pack
from zaitaku_map.export.tables import export_csv, export_xlsx

__all__ = [
    "export_comparison_pdf",
    "export_csv",
    "export_gpkg",
    "export_html_map",
    "export_list_pdf",
    "export_map_pdf",
    "export_pack",
    "export_xlsx",
]
