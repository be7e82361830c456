"""What a downloaded file is, by its content: boundaries, area tables, population, projections,
facility lists, geocoding references or a road network.

File names are only a tie-breaker (the area layer's name); the decision reads the file: the
attribute fields of a GIS layer, the first rows of a table (header and a sample of values), the
keys of a JSON list.  Detection never raises for a foreign file: it says why it cannot use it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from zaitaku_map.errors import ResourceLimitError, ZaitakuError
from zaitaku_map.ingest import grid
from zaitaku_map.textnorm import normalize_text

DataKind = Literal[
    "boundaries", "a38", "areas", "population", "projection", "facilities", "reference", "roads", "agreements"
]
# The order in which a folder is imported: each kind may need the ones before it
# (areas and population match municipalities, projections match areas, geocoding needs facilities).
KIND_ORDER: tuple[DataKind, ...] = (
    "boundaries",
    "a38",
    "areas",
    "population",
    "projection",
    "facilities",
    "reference",
    "roads",
    "agreements",  # 協力医療機関 agreements match care facilities and institutions (after geocoding)
)
ROAD_SUFFIXES = (".pbf", ".osm", ".graphml")
GIS_SUFFIXES = (".shp", ".gpkg", ".geojson", ".gml", ".fgb")
IGNORED_NAMES = ("readme", "manifest.json", "thumbs.db", "desktop.ini", "license", "licence")
_N03_FIELDS = {"N03_001", "N03_004", "N03_007"}
_A38_FIELD = re.compile(r"^A38[a-c]?_\d{3}$")
_LAYER_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("二次医療圏", "医療圏", "iryoken", "構想区域"), "二次医療圏"),
    (("保健所",), "保健所圏域"),
    (("老人福祉圏", "老福圏"), "老人福祉圏域"),
    (("医師会",), "郡市区医師会"),
)


@dataclass(frozen=True)
class Detection:
    """What one file is.  ``kind`` is ``None`` when the file cannot be imported (``reason`` says why).

    ``detail`` names the format inside the kind (``n03``, ``a38``, ``area_table``, ``mesh``,
    ``municipal_table``, ``area_population``, ``iryojoho``, ``kaigo``, ``kouseikyoku``, ``table``,
    ``gis``, ``isj``, ``town_json``, ``mhlw_demand``, ``projection``, ``use_rates``, ``pbf`` …;
    labels in ``labels.INGEST_DETAILS``, ``IMPORT_FORMATS`` and ``DEMAND_FILE_KINDS``).
    """

    path: Path
    kind: DataKind | None
    detail: str
    layer: str | None = None  # area layer name (areas, a38)
    category: str | None = None  # facility category for generic lists without one
    reason: str | None = None  # key of labels.INGEST_SKIP_REASONS when kind is None
    error: ZaitakuError | None = field(default=None, compare=False)  # the limit that refused it (over_limit)

    @property
    def usable(self) -> bool:
        return self.kind is not None

    @property
    def detail_label(self) -> str:
        """What the file is, in Japanese (「e-Stat 地域メッシュ統計」 …)."""
        from zaitaku_map.labels import DEMAND_FILE_KINDS, IMPORT_FORMATS, INGEST_DETAILS

        return (
            INGEST_DETAILS.get(self.detail)
            or IMPORT_FORMATS.get(self.detail)
            or DEMAND_FILE_KINDS.get(self.detail, "")
        )


def _unknown(p: Path, reason: str) -> Detection:
    return Detection(p, None, "", reason=reason)


def detect_file(path: str | Path) -> Detection:
    """Detect what ``path`` holds (see :class:`Detection`)."""
    p = Path(path)
    low = p.name.lower()
    if low.startswith(".") or any(low.startswith(n) for n in IGNORED_NAMES):
        return _unknown(p, "note")
    if not p.is_file():
        return _unknown(p, "missing")
    suffix = p.suffix.lower()
    try:
        if suffix in ROAD_SUFFIXES:
            return Detection(p, "roads", suffix.lstrip("."))
        if suffix == ".zip":
            return _detect_zip(p)
        if suffix in (".json", ".geojson"):
            return _detect_json(p)
        if suffix in GIS_SUFFIXES or suffix == ".xml":
            return _detect_gis(p, str(p))
        if suffix in grid.CSV_SUFFIXES or suffix in grid.XLSX_SUFFIXES:
            return _detect_table(p)
    except (
        ResourceLimitError
    ) as err:  # a zip bomb or an over-long cell: the limit that stopped it, not "unreadable"
        return Detection(p, None, "", reason="over_limit", error=err)
    except (ZaitakuError, OSError, ValueError, UnicodeError, RuntimeError) as err:  # pyogrio: RuntimeErrors
        known = err if isinstance(err, ZaitakuError) else None  # a corrupt zip member names itself
        return Detection(
            p, None, "", reason="unreadable" if not isinstance(err, OSError) else "missing", error=known
        )
    if suffix in (".dbf", ".shx", ".prj", ".cpg", ".qmd", ".qml", ".sld"):
        return _unknown(p, "gis_part")
    return _unknown(p, "unsupported")


def guess_layer(path: Path, header: list[str] | tuple[str, ...] = ()) -> str:
    """The area layer a table or A38 file is for, from its header cells and file name."""
    text = normalize_text(" ".join([*header, path.stem])).lower()
    for words, layer in _LAYER_HINTS:
        if any(w.lower() in text for w in words):
            return layer
    return "二次医療圏"


# -- GIS layers ---------------------------------------------------------------------------------
def _gis_info(source: str) -> tuple[set[str], str]:
    import pyogrio

    info = pyogrio.read_info(source)
    fields = {str(f) for f in info["fields"]}
    return fields, str(info.get("geometry_type") or "")


def _detect_gis(p: Path, source: str) -> Detection:
    fields, geom = _gis_info(source)
    if fields >= _N03_FIELDS:
        return Detection(p, "boundaries", "n03")
    if any(_A38_FIELD.match(f) for f in fields):
        return Detection(p, "a38", "a38", layer=guess_layer(p, sorted(fields)))
    if "point" in geom.lower():
        return Detection(p, "facilities", "gis")
    return _unknown(p, "unrecognised_gis")


def _detect_json(p: Path) -> Detection:
    with open(p, "rb") as fh:
        head = fh.read(1 << 16).decode("utf-8-sig", errors="ignore").lstrip()
    if head.startswith("["):
        # a list of town points (Geolonia's 町丁目代表点: town, koaza, lat, lng)
        first = head[1 : head.find("}") + 1] if "}" in head else ""
        try:
            item = json.loads(first) if first else {}
        except ValueError:
            item = {}
        keys = set(item) if isinstance(item, dict) else set()
        if keys & {"town", "name"} and keys & {"lat", "latitude"} and keys & {"lng", "lon", "longitude"}:
            return Detection(p, "reference", "town_json")
        return _unknown(p, "unrecognised_json")
    if head.startswith("{") and ('"features"' in head or '"FeatureCollection"' in head):
        return _detect_gis(p, str(p))
    return _unknown(p, "unrecognised_json")


# -- zip archives -------------------------------------------------------------------------------
def _detect_zip(p: Path) -> Detection:
    names = grid.archive_names(p)
    if any(n.lower().endswith((".shp", ".geojson", ".gml")) for n in names):
        grid.check_members(
            p
        )  # GDAL reads a zipped layer's members itself: check them against the limits first
    shp = [n for n in names if n.lower().endswith(".shp")]
    if shp:
        return _detect_gis(p, f"/vsizip/{p}/{shp[0]}")
    for ext in (".geojson", ".json", ".gml", ".xml"):
        gis = [n for n in names if n.lower().endswith(ext) and not Path(n).name.lower().startswith("ks-meta")]
        if gis and ext in (".geojson", ".gml"):
            return _detect_gis(p, f"/vsizip/{p}/{gis[0]}")
    tables = [n for n in names if n.lower().endswith(grid.CSV_SUFFIXES)]
    for member in tables:
        found = _classify_rows(p, grid.text_rows(p, member), sheet_titles=[])
        if found is not None:
            return found
    return _unknown(p, "unrecognised_zip")


# -- tables ---------------------------------------------------------------------------------------
def _detect_table(p: Path) -> Detection:
    sheets = grid.sheets(p)
    for cells in sheets:  # the official lists and references say what they are in their header
        found = _classify_rows(p, cells, sheet_titles=[], official_only=True)
        if found is not None:
            return found
    from zaitaku_map.demand import sniff_projection_file

    demand = sniff_projection_file(p)
    if demand is not None:
        return Detection(p, "projection", demand)
    from zaitaku_map.partners import sniff_agreements_file

    if sniff_agreements_file(p):
        return Detection(p, "agreements", "agreements_table")
    for cells in sheets:
        found = _classify_rows(p, cells, sheet_titles=[])
        if found is not None:
            return found
    return _unknown(p, "unrecognised_table")


def _header_rows(cells: list[list[str]]) -> list[int]:
    """Candidate header rows: the non-empty rows among the first ones (title rows come first)."""
    return [i for i, r in enumerate(cells[:15]) if any(c.strip() for c in r)]


def _classify_rows(
    p: Path, cells: list[list[str]], *, sheet_titles: list[str], official_only: bool = False
) -> Detection | None:
    from zaitaku_map.geocode.reference import detect_reference_format
    from zaitaku_map.importers.detect import format_of_header

    heads = _header_rows(cells)
    if not heads:
        return None
    first = [c.strip() for c in cells[heads[0]]]
    if first[:2] == ["KEY_CODE", "HTKSYORI"]:  # e-Stat 地域メッシュ統計 text
        return Detection(p, "population", "mesh")
    for h in heads:
        header = [c.strip() for c in cells[h]]
        ref = detect_reference_format(header)
        if ref is not None:
            return Detection(p, "reference", "isj")
        fmt = format_of_header(header)
        if fmt != "table":
            return Detection(p, "facilities", fmt)
    if official_only:
        return None
    for h in heads[:6]:
        header = [c.strip() for c in cells[h]]
        data = [r for r in cells[h + 1 :] if any(c.strip() for c in r)]
        titles = [c for r in cells[:h] for c in r if c.strip()]
        found = _classify_table(p, header, data, titles)
        if found is not None:
            return found
    return None


def _code_column(header: list[str], data: list[list[str]]) -> int | None:
    """A column whose values are municipality codes (5 digits, 6 with check digit, 4 without the
    leading zero) in at least four rows of five."""
    from zaitaku_map.geodata.codes import code_candidates

    best: tuple[float, int] | None = None
    for j in range(len(header)):
        vals = [r[j].strip() for r in data if j < len(r) and r[j].strip()]
        if len(vals) < 2:
            continue
        share = sum(1 for v in vals if code_candidates(v)) / len(vals)
        if share >= 0.8 and (best is None or share > best[0]):
            best = (share, j)
    return best[1] if best else None


def _classify_table(p: Path, header: list[str], data: list[list[str]], titles: list[str]) -> Detection | None:
    from zaitaku_map.geodata.areas import AREA_CODE_HINTS, AREA_NAME_HINTS
    from zaitaku_map.geodata.mesh import PopColumns
    from zaitaku_map.importers import guess_mapping

    if not data or sum(1 for c in header if c) < 2:
        return None
    keys = [normalize_text(c).lower() for c in header]
    pop = PopColumns.from_labels(list(header))
    muni = _code_column(header, data)
    area_hint = any(h.lower() in k for k in keys for h in (*AREA_CODE_HINTS, *AREA_NAME_HINTS))
    if pop.found():
        detail = "municipal_table" if muni is not None and not area_hint else "area_population"
        return Detection(p, "population", detail, layer=guess_layer(p, header))
    if muni is not None and area_hint:
        return Detection(p, "areas", "area_table", layer=guess_layer(p, header))
    mapping = guess_mapping(header)
    if "name" in mapping and ("address" in mapping or {"lat", "lon"} <= set(mapping)):
        return Detection(p, "facilities", "table", category=_list_category(p, header, data, titles, mapping))
    if muni is not None and _has_grouping_column(header, data, muni):
        return Detection(p, "areas", "area_table", layer=guess_layer(p, header))
    return None


def _has_grouping_column(header: list[str], data: list[list[str]], muni: int) -> bool:
    """Another column that groups the rows (fewer distinct values than rows): an area per row."""
    for j in range(len(header)):
        if j == muni:
            continue
        vals = [r[j].strip() for r in data if j < len(r) and r[j].strip()]
        if len(vals) >= 3 and len(set(vals)) < len(vals) and len(set(vals)) > 1:
            return True
    return False


def _list_category(
    p: Path, header: list[str], data: list[list[str]], titles: list[str], mapping: dict[str, str]
) -> str | None:
    """地域包括支援センター lists have no national file and no category column: tell them by their
    title, file name or names (other generic lists keep their category from a column or the user)."""
    if "category" in mapping:
        return None
    if any("包括" in t for t in [*titles, p.name]):
        return "houkatsu"
    j = header.index(mapping["name"])
    names = [r[j] for r in data if j < len(r) and r[j].strip()]
    if names and sum("包括" in n for n in names) >= 0.5 * len(names):
        return "houkatsu"
    return None
