"""Which kind of projection file a file is, by content (for ``projection``, the import wizard and
folder import)."""

from __future__ import annotations

from pathlib import Path

from zaitaku_map.demand.grid import Sheet, locate, read_sheets
from zaitaku_map.demand.mhlw import looks_like_demand_workbook
from zaitaku_map.demand.projection_read import muni_key
from zaitaku_map.demand.rates_read import looks_like_rate_table
from zaitaku_map.demand.tokens import norm, parse_label
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.labels import DEMAND_FILE_KINDS
from zaitaku_map.tabular import CSV_SUFFIXES, XLSX_SUFFIXES

KINDS = DEMAND_FILE_KINDS  # kind -> label
_ROWS = 400  # a projection table says what it is in its first rows
_ANY_PREFECTURE = {f"{i:02d}" for i in range(1, 100)}  # the demo prefectures are 99, 98, …


def _looks_like_projection(sheet: Sheet) -> bool:
    lay = locate(sheet, muni_key(_ANY_PREFECTURE), hints=("コード", "code"), min_rows=2)
    if lay is None:
        return False
    years = {lab.year for lab in lay.col_labels if lab.year is not None}
    head = norm(" ".join(lay.col_text))
    if len(years) < 2:  # a year column in a long table
        for c in range(sheet.width):
            if "年" in norm(lay.header_of(c)) or "year" in norm(lay.header_of(c)):
                years |= {
                    lab.year
                    for r in lay.data_rows[:200]
                    if (lab := parse_label(sheet.cell(r, c), numeric_year=True)).year is not None
                }
    titles = norm(" ".join(lay.titles))
    return len(years) >= 2 or ("推計" in titles and ("年" in head or "歳" in head))


def sniff_projection_file(path: str | Path) -> str | None:
    """``mhlw_demand`` | ``projection`` | ``use_rates`` for a file this package imports, else ``None``.

    Reads the first rows of each sheet; never raises for unreadable or foreign files (``None``).
    """
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (*XLSX_SUFFIXES, *CSV_SUFFIXES):
        return None
    try:
        sheets = read_sheets(p, max_rows=_ROWS)
    except (ZaitakuError, OSError, ValueError):
        return None
    if any(looks_like_demand_workbook(s) for s in sheets):
        return "mhlw_demand"
    if any(_looks_like_projection(s) for s in sheets):
        return "projection"
    if any(looks_like_rate_table(s) for s in sheets):
        return "use_rates"
    return None
