"""Low-level readers shared by the importers: encodings, zips, CSV/XLSX tables, 和暦 dates.

Everything is read as text (``dtype=str``); the format modules convert what they need.  A
:class:`Table` is one sheet / one CSV (or one zip member) with its header row located by content.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from zaitaku_map.errors import InputDataError, UnsupportedFormatError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
GIS_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb")
# How many leading rows may precede the header of a spreadsheet (titles, notes, blank rows)
HEADER_SEARCH_ROWS = 30


@dataclass
class Table:
    """One tabular input: a CSV file / zip member or one worksheet."""

    name: str  # file name (zip member or sheet shown as ``file.xlsx:Sheet1``)
    sheet: str | None
    header: list[str]
    header_row: int  # 1-based row number of the header as a spreadsheet shows it
    frame: pd.DataFrame  # text columns named by ``header``; index 0.. for the rows after the header
    encoding: str | None = None
    title_rows: list[list[str]] = field(default_factory=list)  # non-empty rows above the header

    def row_number(self, i: int) -> int:
        """1-based spreadsheet row of frame position ``i``."""
        return self.header_row + 1 + i


# -- encodings --------------------------------------------------------------------------------
def detect_encoding(data: bytes) -> str:
    """Return ``utf-8-sig``, ``utf-8`` or ``cp932`` for the start of a text file.

    UTF-8 is tried first (a BOM or valid multi-byte sequences decide it); otherwise CP932
    (Shift_JIS with the Microsoft extensions used by Japanese Excel).  Raises
    :class:`UnsupportedFormatError` when neither decodes.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[: 1 << 20]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if exc.start >= len(sample) - 4 and len(data) > len(sample):
            return "utf-8"
    try:
        sample.decode("cp932")
        return "cp932"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 2 and len(data) > len(sample):
            return "cp932"
    raise UnsupportedFormatError(
        "text encoding not recognised",
        expected="UTF-8 (BOM 有無どちらでも) または Shift_JIS (CP932) のテキスト",
    )


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes with the given or detected encoding; returns ``(text, encoding)``."""
    enc = encoding or detect_encoding(data)
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputDataError(
            f"cannot decode as {enc}",
            row=line,
            expected="UTF-8 または CP932",
            value=data[exc.start : exc.end],
        ) from exc


# -- CSV --------------------------------------------------------------------------------------
def _sniff_delimiter(text: str) -> str:
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv_bytes(
    data: bytes,
    name: str,
    *,
    encoding: str | None = None,
    header_keys: Sequence[str] = (),
    nrows: int | None = None,
) -> Table:
    """Parse CSV bytes into a :class:`Table` (all text), locating the header by ``header_keys``.

    The header is the first of the leading rows that contains every key of ``header_keys``
    (exact cell match after NFKC and strip); without keys it is the first non-empty row.
    """
    if not data.strip():
        raise UnsupportedFormatError("empty file", file=name, expected="見出し行とデータ行のある表")
    try:
        text, enc = decode_text(data, encoding)
    except InputDataError as exc:
        exc.file = exc.file or name
        raise
    if text.startswith("\ufeff"):
        text = text[1:]
    delim = _sniff_delimiter(text)
    # find the header line among the first rows
    head_text = text[: 1 << 17]
    head_lines = list(
        csv.reader(
            io.StringIO("\n".join(head_text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS])),
            delimiter=delim,
        )
    )
    hdr_idx = find_header_index(head_lines, header_keys)
    if hdr_idx is None:
        raise UnsupportedFormatError(
            "header row not found",
            file=name,
            expected=("見出し行: " + "・".join(header_keys)) if header_keys else "見出し行のある表",
        )
    title_rows = [[c for c in r if c] for r in head_lines[:hdr_idx] if any(c.strip() for c in r)]
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skiprows=hdr_idx,
            header=0,
            nrows=nrows,
            engine="c",
            on_bad_lines="error",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputDataError(
            f"CSV cannot be parsed: {exc}", file=name, expected="CSV (区切り文字 , またはタブ)"
        ) from exc
    header = [clean_header(c) for c in frame.columns]
    frame.columns = dedupe(header)
    return Table(
        name=name,
        sheet=None,
        header=list(frame.columns),
        header_row=hdr_idx + 1,
        frame=frame,
        encoding=enc,
        title_rows=title_rows,
    )


def clean_header(cell: object) -> str:
    """Header cell as text: NFKC is *not* applied (names are kept), only strip/whitespace."""
    s = "" if cell is None else str(cell)
    s = s.replace("\ufeff", "").strip()
    return re.sub(r"\s+", " ", s)


def header_key(cell: object) -> str:
    """Header cell for comparisons: NFKC, no spaces."""
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", clean_header(cell)))


def dedupe(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        n = n or f"列{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    return out


def find_header_index(rows: Sequence[Sequence[object]], keys: Sequence[str]) -> int | None:
    """Index of the first row containing all ``keys`` (or the first non-empty row when no keys)."""
    want = {header_key(k) for k in keys}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = {header_key(c) for c in row if c not in (None, "")}
        if not cells:
            continue
        if not want or want <= cells:
            return i
    return None


# -- XLSX -------------------------------------------------------------------------------------
def iter_xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[object, ...]]]]:
    """Yield ``(sheet name, row iterator)`` of every worksheet (read-only, values only)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise UnsupportedFormatError(
            f"not a readable xlsx workbook: {exc}", file=path, expected="Excel ブック (.xlsx)"
        ) from exc
    try:
        for ws in wb.worksheets:
            yield ws.title, ws.iter_rows(values_only=True)
    finally:
        wb.close()


def cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        iso: str = v.isoformat()  # date, datetime (pandas Timestamp) or time
        return iso[:10]
    return str(v)


def read_xlsx_tables(path: Path, *, header_keys: Sequence[str] = (), nrows: int | None = None) -> list[Table]:
    """Every worksheet whose header (found by ``header_keys``) exists, as :class:`Table` list."""
    tables: list[Table] = []
    for sheet, rows in iter_xlsx_sheets(path):
        head: list[tuple[object, ...]] = []
        hdr_idx = None
        for row in rows:
            head.append(row)
            hdr_idx = find_header_index(head[-1:], header_keys)
            if hdr_idx is not None:
                hdr_idx = len(head) - 1
                break
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        if hdr_idx is None:
            continue
        header = dedupe(clean_header(c) for c in head[hdr_idx])
        width = len(header)
        data: list[list[str]] = []
        for row in rows:
            vals = [cell_text(v) for v in row[:width]]
            if len(vals) < width:
                vals += [""] * (width - len(vals))
            data.append(vals)
            if nrows is not None and len(data) >= nrows:
                break
        # drop trailing completely empty rows (formatting leftovers)
        while data and not any(v.strip() for v in data[-1]):
            data.pop()
        frame = (
            pd.DataFrame(data, columns=header, dtype=str) if data else pd.DataFrame(columns=header, dtype=str)
        )
        titles = [[cell_text(c) for c in r if cell_text(c)] for r in head[:hdr_idx]]
        tables.append(
            Table(
                name=path.name,
                sheet=sheet,
                header=header,
                header_row=hdr_idx + 1,
                frame=frame,
                title_rows=[t for t in titles if t],
            )
        )
    return tables


# -- files and zips ---------------------------------------------------------------------------
def zip_members(path: Path) -> list[str]:
    """Table-like members of a zip (CSV/XLSX), skipping folders and macOS metadata."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise UnsupportedFormatError("broken zip file", file=path, expected="zip (CSV を含む)") from exc
    return [
        n for n in names if not n.startswith("__MACOSX/") and n.lower().endswith(CSV_SUFFIXES + XLSX_SUFFIXES)
    ]


def read_zip_member(path: Path, member: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


def head_bytes(path: Path, member: str | None = None, size: int = 65536) -> bytes:
    """The first bytes of a file or of a zip member (for detection)."""
    if member is None:
        with open(path, "rb") as fh:
            return fh.read(size)
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        return fh.read(size)


def decode_member_name(name: str) -> str:
    """Zip members written by Japanese Windows tools lack the UTF-8 flag: recover CP932 names."""
    try:
        return name.encode("cp437").decode("cp932")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


# -- values -----------------------------------------------------------------------------------
_ERAS = {
    "明治": 1867,
    "大正": 1911,
    "昭和": 1925,
    "平成": 1988,
    "令和": 2018,
    "M": 1867,
    "T": 1911,
    "S": 1925,
    "H": 1988,
    "R": 2018,
}
_WAREKI_RE = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?"
)
_ISO_RE = re.compile(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})")


def parse_date(text: object) -> str | None:
    """和暦 (``令和 7年 9月 1日``, ``R7.9.1``, ``令和元年…``) or western date → ISO ``YYYY-MM-DD``.

    Returns ``None`` when the text holds no recognisable date or the date does not exist.
    """
    import datetime as dt

    s = unicodedata.normalize("NFKC", cell_text(text)).strip()
    if not s:
        return None
    m = _WAREKI_RE.search(s)
    if m:
        era, y, mo, d = m.groups()
        year = _ERAS[era] + (1 if y == "元" else int(y))
    else:
        m = _ISO_RE.search(s)
        if not m:
            if re.fullmatch(r"\d{8}", s):
                year, mo, d = int(s[:4]), s[4:6], s[6:]
            else:
                return None
        else:
            year, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        return dt.date(year, int(mo), int(d)).isoformat()
    except ValueError:
        return None


def to_number_series(s: pd.Series) -> pd.Series:
    """Text → float (NaN when empty/unparseable), full-width digits allowed."""
    out = pd.to_numeric(s, errors="coerce")
    bad = out.isna() & s.notna() & s.astype(str).ne("")
    if bad.any():  # full-width digits, thousands separators, spaces: normalise only those cells
        t = s[bad].astype(str).str.normalize("NFKC").str.strip().str.replace(",", "", regex=False)
        out = out.astype(float)
        out[bad] = pd.to_numeric(t, errors="coerce")
    return out.astype(float)


def code_series(s: pd.Series, width: int) -> pd.Series:
    """Digit codes zero-padded to ``width`` ('' when empty); Excel-dropped zeros restored."""
    t = s.astype(str).str.normalize("NFKC").str.strip().str.replace(r"\.0$", "", regex=True)
    ok = t.str.fullmatch(r"\d+")
    return t.where(~ok, t.str.zfill(width)).where(ok, "")
