"""Format detection by content (header cells), not by file name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.importers import iryojoho, kaigo, kouseikyoku
from zaitaku_map.importers.readers import (
    CSV_SUFFIXES,
    GIS_SUFFIXES,
    XLSX_SUFFIXES,
    head_bytes,
    header_key,
    read_csv_bytes,
    read_xlsx_tables,
    zip_members,
)

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


def _csv_header(data: bytes, name: str) -> list[str]:
    try:
        t = read_csv_bytes(
            data[: 1 << 16].rsplit(b"\n", 1)[0] if len(data) >= 1 << 16 else data, name, nrows=1
        )
    except InputDataError:
        return []
    keys = [header_key(c) for c in t.header]
    # official lists sometimes have a title row: look a few rows further for a known header
    if format_of_header(t.header) == "table":
        for keyset in (iryojoho.HEADER_KEYS, kaigo.HEADER_KEYS, kouseikyoku.HEADER_KEYS):
            try:
                t2 = read_csv_bytes(data[: 1 << 16].rsplit(b"\n", 1)[0], name, header_keys=keyset, nrows=1)
                return t2.header
            except InputDataError:
                continue
    return t.header if keys else []


def _is_geojson(path: Path) -> bool:
    try:
        head = head_bytes(path, size=4096).decode("utf-8-sig", errors="ignore").lstrip()
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
        members = zip_members(p)
        for m in members:
            if m.lower().endswith(XLSX_SUFFIXES):
                continue  # xlsx inside zips: extract first (not seen in the official downloads)
            fmt = format_of_header(_csv_header(head_bytes(p, m), m))
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
        return [Unit(p, None, format_of_header(_csv_header(head_bytes(p, size=1 << 16), p.name)), "csv")]
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
