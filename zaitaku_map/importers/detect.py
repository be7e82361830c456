"""Format detection by content (header cells), not by file name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zaitaku_map import archive, tabular
from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.importers import iryojoho, kaigo, kouseikyoku
from zaitaku_map.tabular import CSV_SUFFIXES, XLSX_SUFFIXES, read_xlsx_tables

GIS_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")

FORMATS = ("iryojoho", "kaigo", "kouseikyoku", "table", "gis")
EXPECTED = (
    "医療情報ネットの施設票 (CSV/zip)、介護サービス情報公表の jigyosho_*.csv、地方厚生局の届出受理医療機関名簿 "
    "(xlsx)、名称と住所の列をもつ表 (CSV/xlsx)、GIS ポイント (GeoJSON/GeoPackage/Shapefile)"
)


@dataclass
class Unit:
    """One importable thing inside a file: the file itself or a member of a zip."""

    path: Path
    member: str | None
    format: str
    kind: str  # csv|xlsx|gis


def format_of_header(header: list[str]) -> str:
    """Format key for a header row (``table`` when it is none of the official lists)."""
    if iryojoho.is_iryojoho_header(header):
        return "iryojoho"
    if kaigo.is_kaigo_header(header):
        return "kaigo"
    if kouseikyoku.is_kouseikyoku_header(header):
        return "kouseikyoku"
    return "table"


def _csv_header(source: tabular.Source, name: str) -> list[str]:
    """The header of a CSV: an official list's header among the first rows (they sometimes have a
    title row), else the first non-empty row; ``[]`` for a file that is not text."""
    try:
        rows = tabular.read_rows(source, name=name, max_rows=tabular.HEADER_SEARCH_ROWS)
    except UnsupportedFormatError:
        return []
    for keyset in (iryojoho.HEADER_KEYS, kaigo.HEADER_KEYS, kouseikyoku.HEADER_KEYS, ()):
        h = rows.find_header(keys=keyset)
        if h is not None:
            return tabular.dedupe(tabular.clean_header(c) for c in rows.cells[h])
    return []


def _is_geojson(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("utf-8-sig", errors="ignore").lstrip()
    except OSError:
        return False
    if not head.startswith("{"):
        return False
    return '"FeatureCollection"' in head or '"Feature"' in head or '"features"' in head


def inspect_file(path: str | Path) -> list[Unit]:
    """Importable units of a file with their detected format (raises when there is none)."""
    p = Path(path)
    if not p.exists():
        raise InputDataError("file does not exist", file=p)
    if p.is_dir():
        raise UnsupportedFormatError("a folder is not a file", file=p, expected=EXPECTED)
    suffix = p.suffix.lower()
    if suffix == ".zip":
        units: list[Unit] = []
        members = [m.name for m in archive.members(p) if m.name.lower().endswith(CSV_SUFFIXES)]
        for m in members:  # (xlsx inside zips: extract first; not seen in the official downloads)
            fmt = format_of_header(_csv_header((p, m), Path(archive.decode_member_name(m)).name))
            units.append(Unit(p, m, fmt, "csv"))
        official = [u for u in units if u.format != "table"]
        if official:
            return official
        if units:
            return units
        try:
            import pyogrio

            if pyogrio.list_layers(f"/vsizip/{p}"):
                return [Unit(p, None, "gis", "gis")]
        except Exception:
            pass
        raise UnsupportedFormatError("zip holds no CSV table", file=p, expected=EXPECTED)
    if suffix in CSV_SUFFIXES:
        return [Unit(p, None, format_of_header(_csv_header(p, p.name)), "csv")]
    if suffix in XLSX_SUFFIXES:
        tables = read_xlsx_tables(p, nrows=1)
        fmts = {format_of_header(t.header) for t in tables}
        if not tables or "kouseikyoku" not in fmts:
            ks = read_xlsx_tables(p, header_keys=kouseikyoku.HEADER_KEYS, nrows=1)
            if ks:
                return [Unit(p, None, "kouseikyoku", "xlsx")]
        if "kouseikyoku" in fmts:
            return [Unit(p, None, "kouseikyoku", "xlsx")]
        if not tables:
            raise UnsupportedFormatError("workbook has no table", file=p, expected=EXPECTED)
        return [Unit(p, None, "table", "xlsx")]
    if suffix in GIS_SUFFIXES:
        if suffix == ".json" and not _is_geojson(p):
            raise UnsupportedFormatError("JSON file is not GeoJSON", file=p, expected=EXPECTED)
        return [Unit(p, None, "gis", "gis")]
    if suffix == ".dbf":
        raise UnsupportedFormatError(
            "a .dbf alone has no positions", file=p, expected="同じ名前の .shp を指定してください"
        )
    raise UnsupportedFormatError(f"unsupported file type {suffix or '(none)'}", file=p, expected=EXPECTED)


def detect_format(path: str | Path) -> str:
    """``iryojoho`` | ``kaigo`` | ``kouseikyoku`` | ``table`` | ``gis`` for a file (by content)."""
    units = inspect_file(path)
    return units[0].format
