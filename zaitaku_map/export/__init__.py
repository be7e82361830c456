"""Exports for meetings and other tools: PDF maps, resource lists, comparison, meeting pack,
CSV/XLSX tables and GeoPackage/GeoJSON layers.  Qt-free (the CLI runs it on a machine with no display).
"""

from __future__ import annotations

from zaitaku_map.export.mapdoc import export_map_pdf
from zaitaku_map.export.tables import export_csv, export_xlsx

__all__ = ["export_csv", "export_map_pdf", "export_xlsx"]
