"""The one reader of text tables: CSV/TSV/TXT files (or zip members) and XLSX worksheets.

Every importer that reads a table goes through this module, so each file is read the same way:

- **encoding** (:func:`detect_encoding`): UTF-8 with or without BOM, UTF-16 with BOM, else CP932
  (Shift_JIS as Japanese Excel writes it), decided from the first MB; a file that is none of them is
  refused, and a byte that does not decode later on is reported with its row;
- **delimiter** (:func:`sniff_delimiter`): comma, tab or semicolon, from the first rows;
- **rows** as a spreadsheet shows them: every cell text (``None`` → ``""``, ``31201.0`` → ``31201``,
  dates ISO), 1-based row numbers that count blank rows and multi-line cells like Excel does;
- **header row** (:func:`find_header_row`) found by content — by required cells, by the best score
  of a caller's rule, or as the row before the first data row — with the non-empty rows above it
  kept as title rows (「令和7年10月1日現在」);
- **row shape**: a CSV row with more fields than the header (a delimiter inside an unquoted value:
  ``デモ中央,北部``) or fewer (a truncated row) is not a data row: it is left out of the frame and
  reported in :attr:`Table.problems` with its row and reason, for the importer to reject and
  count (a short row holding only its first cell is reported as a note, e.g. 「※ 出典 …」); a cell
  longer than :attr:`~zaitaku_map.settings.Limits.field_chars` is reported the same way;
- **size**: files are streamed (:func:`iter_csv_tables` yields frames of
  :attr:`~zaitaku_map.settings.Limits.chunk_rows` rows), zip members through :mod:`zaitaku_map.archive`.

Two views: :func:`read_rows` gives the raw grid of a CSV or one sheet (for files whose header the
importer recognises by its own rule), :meth:`Rows.table` then the :class:`Table` under a header;
:func:`read_csv_table` / :func:`iter_csv_tables` / :func:`read_xlsx_tables` do both at once.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from zaitaku_map import archive
from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.settings import Limits, limits

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# How many leading rows may precede the header of a table (titles, notes, blank rows)
HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", "\t", ";")
_SAMPLE = 1 << 20  # bytes looked at to decide the encoding
_UNDECODED = re.compile("[\udc80-\udcff]")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long cells are judged by Limits.field_chars

Source = str | Path | bytes | tuple[Path, str]
"""A table's bytes: a file path, the bytes themselves, or ``(zip path, member name)``."""


# -- encodings --------------------------------------------------------------------------------
def detect_encoding(data: bytes, *, complete: bool = True) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp932`` for the start of a text file.

    UTF-8 is tried first (a BOM, or bytes that decode as UTF-8 decide it); otherwise CP932.  With
    ``complete=False`` ``data`` is the start of a longer file, so a multi-byte character cut at its
    end is allowed.

    Raises
    ------
    UnsupportedFormatError
        Neither decodes (a binary file, or another encoding).
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(enc)().decode(data, final=complete)
        except UnicodeDecodeError:
            continue
        if enc == "cp932" and b"\x00" in data[:4096]:
            break  # NUL bytes: a binary file that happens to decode
        return enc
    raise UnsupportedFormatError(
        "text encoding not recognised",
        expected="UTF-8 (BOM 有無どちらでも) または Shift_JIS (CP932) のテキスト",
    )


def decode_bytes(data: bytes, encoding: str | None = None, *, name: str | None = None) -> tuple[str, str]:
    """Decode a whole text file: ``(text without BOM, encoding)``.

    Raises
    ------
    InputDataError
        A byte does not decode (the row is given).
    """
    try:
        enc = encoding or detect_encoding(data[:_SAMPLE], complete=len(data) <= _SAMPLE)
    except UnsupportedFormatError as exc:
        exc.file = exc.file or name
        raise
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"cannot decode as {enc}",
            file=name,
            row=data[: exc.start].count(b"\n") + 1,
            value=data[exc.start : exc.end],
            expected="UTF-8 または CP932 で統一されたテキスト",
        ) from exc
    return text.removeprefix("\ufeff"), enc


ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp932": "CP932"}


def encoding_label(encoding: str | None) -> str | None:
    """How an encoding is shown in reports (``UTF-8``, ``CP932``)."""
    return None if encoding is None else ENCODING_LABELS.get(encoding.lower(), encoding.upper())


def dbf_encoding(shp: Path) -> str | None:
    """Encoding of a Shapefile's attributes when no ``.cpg`` names it: ``utf-8`` when its records
    decode as UTF-8, else ``cp932`` (what Japanese GIS tools write).  ``None`` when a ``.cpg`` is
    there (GDAL reads it) or there is no ``.dbf``."""
    siblings = [q for q in shp.parent.glob(glob_escape(shp.stem) + ".*") if q.stem == shp.stem]
    if any(q.suffix.lower() == ".cpg" for q in siblings):
        return None
    dbf = next((q for q in siblings if q.suffix.lower() == ".dbf"), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        header_len = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 32
        fh.seek(max(header_len, 32))
        body = fh.read(_SAMPLE)
    try:
        return "cp932" if detect_encoding(body, complete=False) == "cp932" else "utf-8"
    except UnsupportedFormatError:
        return "cp932"


def glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped (file stems like ``N03[1]``)."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def undecoded(text: str) -> bool:
    """Whether text read through :func:`open_text` holds bytes that did not decode."""
    return _UNDECODED.search(text) is not None


class _Replay(io.RawIOBase):
    """``head`` bytes already read, then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head.nbytes:
            n = min(len(buffer), self._head.nbytes)
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextlib.contextmanager
def open_binary(source: Source) -> Iterator[IO[bytes]]:
    """A binary stream of a path, bytes, or ``(zip, member)`` (zip members within the limits)."""
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, tuple):
        with archive.open_member(source[0], source[1]) as fh:
            yield fh
    else:
        with open(source, "rb") as fh:
            yield fh


def source_name(source: Source, name: str | None = None) -> str:
    """The name to show for a source (a member's file name for zip members)."""
    if name:
        return name
    if isinstance(source, tuple):
        return Path(archive.decode_member_name(source[1])).name
    if isinstance(source, bytes):
        return "(data)"
    return Path(source).name


@contextlib.contextmanager
def open_text(
    source: Source, *, encoding: str | None = None, name: str | None = None
) -> Iterator[tuple[IO[str], str]]:
    """``(text stream, encoding)`` of a source, the encoding detected from its first MB.

    Bytes that do not decode later on come through as lone surrogates (``surrogateescape``), so a
    reader can name the row that holds them (:func:`undecoded`); the readers of this module do.
    """
    with open_binary(source) as raw:
        head = raw.read(_SAMPLE)
        try:
            enc = encoding or detect_encoding(head, complete=len(head) < _SAMPLE)
        except UnsupportedFormatError as exc:
            exc.file = exc.file or source_name(source, name)
            raise
        if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        stream = io.TextIOWrapper(
            io.BufferedReader(_Replay(head, raw)), encoding=enc, newline="", errors="surrogateescape"
        )
        yield stream, enc


# -- delimiters -------------------------------------------------------------------------------
def sniff_delimiter(text: str, *, lines: int = HEADER_SEARCH_ROWS) -> str:
    """``,``, tab or ``;``: the candidate appearing most often on one of the first ``lines`` lines
    (a title line without any does not decide); comma when none appears."""
    best, count = ",", 0
    for line in itertools.islice(io.StringIO(text), lines):
        for d in DELIMITERS:
            c = line.count(d)
            if c > count:
                best, count = d, c
    return best


# -- cells ------------------------------------------------------------------------------------
def cell_text(v: object) -> str:
    """A cell as text, as a spreadsheet shows it: ``None`` → ``""``, ``31201.0`` → ``31201``,
    dates → ``YYYY-MM-DD``."""
    if v is None:
        return ""
    if isinstance(v, float):
        if v.is_integer():
            return str(int(v))
        return str(v)
    if hasattr(v, "isoformat"):
        iso: str = v.isoformat()  # date, datetime (pandas Timestamp) or time
        return iso[:10]
    return str(v)


def clean_header(cell: object) -> str:
    """Header cell as text: NFKC is *not* applied (names are kept), only strip/whitespace."""
    s = cell_text(cell).replace("\ufeff", "").strip()
    return re.sub(r"\s+", " ", s)


def header_key(cell: object) -> str:
    """Header cell for comparisons: NFKC, no spaces."""
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", clean_header(cell)))


def dedupe(names: Iterable[str]) -> list[str]:
    """Column names made unique (``名称``, ``名称.1``); empty names become ``列N``."""
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


def _blank(row: Sequence[str]) -> bool:
    return not "".join(row).strip()


# -- header row -------------------------------------------------------------------------------
def find_header_row(
    rows: Sequence[Sequence[object]],
    *,
    keys: Sequence[str] = (),
    score: Callable[[list[str]], float] | None = None,
    is_data: Callable[[list[str]], bool] | None = None,
    limit: int = HEADER_SEARCH_ROWS,
) -> int | None:
    """Index of the header among the first ``limit`` rows, by one rule:

    - ``keys``: the first row holding every key as a cell (compared by :func:`header_key`);
    - ``score``: the row with the highest positive score (the first of equals);
    - ``is_data``: the row just before the first data row (``-1`` when the first row is data);
    - none: the first non-empty row.

    Returns ``None`` when no row qualifies.
    """
    head = [[cell_text(c) for c in r] for r in rows[:limit]]
    if is_data is not None:
        for i, r in enumerate(head):
            if not _blank(r) and is_data(r):
                return i - 1
        return None
    if score is not None:
        best, best_i = 0.0, None
        for i, r in enumerate(head):
            if _blank(r):
                continue
            s = score(r)
            if s > best:
                best, best_i = s, i
        return best_i
    want = {header_key(k) for k in keys}
    for i, r in enumerate(head):
        cells = {header_key(c) for c in r if c.strip()}
        if cells and want <= cells:
            return i
    return None


# -- tables -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowProblem:
    """A row that is not a data row of its table (reported, never guessed at)."""

    row: int  # 1-based, as a spreadsheet shows it
    reason: str  # Japanese, for the import log
    kind: str  # "surplus" | "truncated" | "note" (a short row with only its first cell) | "too_long"
    values: tuple[str, ...]
    column: str | None = None


@dataclass
class Table:
    """One table under its header: text cells, spreadsheet row numbers, title and bad rows."""

    name: str  # file name (zip member name for members)
    sheet: str | None
    header: list[str]
    header_row: int  # 1-based row of the header
    frame: pd.DataFrame  # text columns named by ``header``; positions 0.. in row order
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # row of each position
    encoding: str | None = None
    delimiter: str | None = None
    title_rows: list[list[str]] = field(default_factory=list)  # non-empty rows above the header
    problems: list[RowProblem] = field(default_factory=list)
    blank_rows: int = 0  # empty rows left out

    def row_number(self, i: int) -> int:
        """1-based spreadsheet row of frame position ``i``."""
        return int(self.rows[i]) if len(self.rows) > i else self.header_row + 1 + i

    def row_series(self) -> pd.Series:
        """Spreadsheet row of every frame row (same index as :attr:`frame`)."""
        rows = (
            self.rows
            if len(self.rows) == len(self.frame)
            else np.arange(len(self.frame)) + self.header_row + 1
        )
        return pd.Series(rows, index=self.frame.index, dtype="int64")

    @property
    def rows_read(self) -> int:
        """Data rows read: the frame plus the rows reported in :attr:`problems`."""
        return len(self.frame) + len(self.problems)


class _Shaper:
    """Checks data rows against the header width and the cell-length limit, builds frames."""

    def __init__(self, header_cells: Sequence[str], *, strict: bool, field_chars: int) -> None:
        cells = [clean_header(c) for c in header_cells]
        width = len(cells)
        while width and not cells[width - 1]:
            width -= 1
        self.width = width
        self.fields = len(cells)  # fields of the header line, trailing empty ones included
        self.header = dedupe(cells[:width])
        self.strict = strict
        self.field_chars = field_chars

    def check(self, rownum: int, row: list[str], problems: list[RowProblem]) -> list[str] | None:
        """The row trimmed to the header, or ``None`` (a problem was recorded).

        A CSV row with more fields than the header line is refused even when the extra fields are
        empty: one unquoted comma shifts every later value one column to the right.
        """
        n, w = len(row), self.width
        if n == w and (not row or max(map(len, row)) <= self.field_chars):
            return row  # the common case, decided in C
        if n > w:
            if not self.strict or (n <= self.fields and not any(c.strip() for c in row[w:])):
                row = row[:w]
            else:
                problems.append(
                    RowProblem(
                        rownum,
                        f"見出しより列が多い行です（見出し {w} 列、この行 {n} 列）。値の中の区切り文字"
                        "（カンマなど）を引用符で囲んでください",
                        "surplus",
                        tuple(row),
                    )
                )
                return None
        elif n < w:
            if self.strict and not any(c.strip() for c in row[1:]):
                problems.append(
                    RowProblem(
                        rownum,
                        f"注記行です（先頭の列だけで、見出し {w} 列より少ない行）。取り込みません",
                        "note",
                        tuple(row),
                    )
                )
                return None
            if self.strict:
                problems.append(
                    RowProblem(
                        rownum,
                        f"見出しより列が少ない行です（見出し {w} 列、この行 {n} 列）。途中で切れた行は取り込みません",
                        "truncated",
                        tuple(row),
                    )
                )
                return None
            row = row + [""] * (w - n)
        if max(map(len, row), default=0) <= self.field_chars:
            return row
        for j, c in enumerate(row):
            if len(c) > self.field_chars:
                problems.append(
                    RowProblem(
                        rownum,
                        f"値が長すぎます（{len(c):,} 文字、上限 {self.field_chars:,} 文字）",
                        "too_long",
                        tuple(v[:200] for v in row),
                        column=self.header[j],
                    )
                )
                return None
        return row

    def frame(self, data: list[list[str]]) -> pd.DataFrame:
        if not data:
            return pd.DataFrame({c: pd.Series(dtype=str) for c in self.header})
        return pd.DataFrame(data, columns=self.header, dtype=str)


@dataclass
class Rows:
    """The raw grid of a CSV or one worksheet: every non-header decision is the caller's."""

    name: str
    sheet: str | None
    cells: list[list[str]]  # text cells, rows as read (blank rows included)
    numbers: list[int]  # 1-based row of each entry of ``cells``
    encoding: str | None = None
    delimiter: str | None = None
    strict: bool = True  # CSV: rows must match the header width; XLSX: padded/trimmed

    def find_header(
        self,
        *,
        keys: Sequence[str] = (),
        score: Callable[[list[str]], float] | None = None,
        is_data: Callable[[list[str]], bool] | None = None,
        limit: int = HEADER_SEARCH_ROWS,
    ) -> int | None:
        """:func:`find_header_row` over these rows."""
        return find_header_row(self.cells, keys=keys, score=score, is_data=is_data, limit=limit)

    def table(self, header_index: int, *, lim: Limits | None = None) -> Table:
        """The :class:`Table` under row ``header_index`` (``-1``: no header row, columns ``列N``)."""
        lim = lim or limits()
        if header_index >= len(self.cells):  # an empty sheet or file: nothing under any header
            raise UnsupportedFormatError(
                "empty file",
                file=self.name,
                sheet=self.sheet,
                expected="見出し行とデータ行のある表",
                hint="データの入ったシート・ファイルを指定してください。",
            )
        if header_index < 0:
            width = max((len(r) for r in self.cells), default=0)
            head: list[str] = [f"列{i + 1}" for i in range(width)]
        else:
            head = self.cells[header_index]
        shaper = _Shaper(head, strict=self.strict and header_index >= 0, field_chars=lim.field_chars)
        titles = [[c.strip() for c in r if c.strip()] for r in self.cells[: max(header_index, 0)]]
        base = {
            "name": self.name,
            "sheet": self.sheet,
            "header": shaper.header,
            "header_row": self.numbers[header_index] if header_index >= 0 else 0,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "title_rows": [t for t in titles if t],
        }
        rows = zip(self.numbers[header_index + 1 :], self.cells[header_index + 1 :], strict=True)
        (table,) = _chunks(rows, shaper, sys.maxsize, base)
        return table


def _records(
    stream: IO[str], *, delimiter: str | None, name: str
) -> tuple[Iterator[tuple[int, list[str]]], str]:
    """``((row number, fields) …, delimiter)`` of a CSV text stream; the first rows sniffed."""
    head = stream.read(1 << 16)
    head += stream.readline()  # never cut the sniffed text inside a line
    delim = delimiter or sniff_delimiter(head)
    undecoded: list[str] = []

    def lines() -> Iterator[str]:
        # bytes that did not decode come through as lone surrogates (errors="surrogateescape"):
        # a line holding one is noted, and the record being read when it came is named
        for line in itertools.chain(io.StringIO(head), stream):
            if _UNDECODED.search(line):
                undecoded.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delim)

    def gen() -> Iterator[tuple[int, list[str]]]:
        n = 0
        try:
            for row in reader:
                n += 1
                if undecoded:
                    raise InputDataError(
                        "cannot decode the text",
                        file=name,
                        row=n,
                        value=undecoded[0].encode("utf-8", "surrogateescape")[:40],
                        expected="UTF-8 または CP932 で統一されたテキスト",
                    )
                yield n, row
        except csv.Error as exc:
            raise InputDataError(f"CSV cannot be parsed: {exc}", file=name, row=n + 1) from exc

    return gen(), delim


def read_rows(
    source: Source,
    *,
    sheet: str | None = None,
    name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_rows: int | None = None,
) -> Rows:
    """The grid of a CSV/TSV/TXT source or of one XLSX sheet (default: the first).

    ``max_rows`` stops after that many rows (previews, detection).
    """
    label = source_name(source, name)
    if _is_xlsx(source, label):
        if isinstance(source, tuple | bytes):
            raise UnsupportedFormatError("xlsx inside a zip or in memory is not read", file=label)
        for title, it in iter_xlsx_sheets(Path(source)):
            if sheet is not None and title != sheet:
                continue
            cells, numbers = [], []
            for num, row in enumerate(itertools.islice(it, max_rows), start=1):
                cells.append([cell_text(c) for c in row])
                numbers.append(num)
            return Rows(label, title, cells, numbers, strict=False)
        raise InputDataError(
            "sheet not found in the workbook",
            file=label,
            sheet=sheet,
            expected=", ".join(sheet_names(Path(source))),
        )
    with open_text(source, encoding=encoding, name=label) as (stream, enc):
        records, delim = _records(stream, delimiter=delimiter, name=label)
        text_cells: list[list[str]] = []
        text_numbers: list[int] = []
        for num, fields in itertools.islice(records, max_rows):
            text_cells.append(fields)
            text_numbers.append(num)
    cells, numbers = text_cells, text_numbers
    if not any(not _blank(r) for r in cells):
        raise UnsupportedFormatError("empty file", file=label, expected="見出し行とデータ行のある表")
    return Rows(label, None, cells, numbers, encoding=enc, delimiter=delim)


def _is_xlsx(source: Source, label: str) -> bool:
    return label.lower().endswith(XLSX_SUFFIXES)


def _header_error(name: str, keys: Sequence[str], sheet: str | None = None) -> UnsupportedFormatError:
    return UnsupportedFormatError(
        "header row not found",
        file=name,
        sheet=sheet,
        expected=("見出し行: " + "・".join(keys)) if keys else "見出し行のある表",
    )


def iter_csv_tables(
    source: Source,
    *,
    name: str | None = None,
    header_keys: Sequence[str] = (),
    header_score: Callable[[list[str]], float] | None = None,
    encoding: str | None = None,
    nrows: int | None = None,
    chunk_rows: int | None = None,
    lim: Limits | None = None,
) -> Iterator[Table]:
    """A CSV as consecutive :class:`Table` chunks of ``chunk_rows`` data rows (default: the limit),
    the header found by ``header_keys`` or ``header_score`` (default: the first non-empty row).

    Every chunk has the same header, title rows and encoding; its :attr:`Table.rows` continue the
    spreadsheet row numbers.  At least one chunk is yielded (empty when the file has no data row).
    """
    lim = lim or limits()
    label = source_name(source, name)
    with open_text(source, encoding=encoding, name=label) as (stream, enc):
        records, delim = _records(stream, delimiter=None, name=label)
        chunks = _headed(
            records,
            meta={"name": label, "sheet": None, "encoding": enc, "delimiter": delim},
            strict=True,
            keys=header_keys,
            score=header_score,
            nrows=nrows,
            size=chunk_rows or lim.chunk_rows,
            lim=lim,
        )
        if chunks is None:
            raise _header_error(label, header_keys)
        yield from chunks


def _headed(
    records: Iterator[tuple[int, list[str]]],
    *,
    meta: dict[str, Any],
    strict: bool,
    keys: Sequence[str],
    score: Callable[[list[str]], float] | None,
    nrows: int | None,
    size: int,
    lim: Limits,
) -> Iterator[Table] | None:
    """Chunks of the table under the header found among the first rows (``None``: no header)."""
    head = list(itertools.islice(records, HEADER_SEARCH_ROWS))
    if strict and all(_blank(r) for _n, r in head):
        raise UnsupportedFormatError("empty file", file=meta["name"], expected="見出し行とデータ行のある表")
    h = find_header_row([r for _n, r in head], keys=keys, score=score)
    if h is None:
        return None
    shaper = _Shaper(head[h][1], strict=strict, field_chars=lim.field_chars)
    titles = [[c.strip() for c in r if c.strip()] for _n, r in head[:h]]
    base = {
        **meta,
        "header": shaper.header,
        "header_row": head[h][0],
        "title_rows": [t for t in titles if t],
    }
    rest: Iterator[tuple[int, list[str]]] = itertools.chain(head[h + 1 :], records)
    if nrows is not None:
        rest = itertools.islice(rest, nrows)
    return _chunks(rest, shaper, size, base)


def _chunks(
    rows: Iterator[tuple[int, list[str]]], shaper: _Shaper, size: int, base: dict[str, Any]
) -> Iterator[Table]:
    data: list[list[str]] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    blank = 0
    emitted = False
    for num, row in rows:
        if _blank(row):
            blank += 1
            continue
        ok = shaper.check(num, row, problems)
        if ok is not None:
            data.append(ok)
            numbers.append(num)
        if len(data) >= size:
            yield Table(
                **base,
                frame=shaper.frame(data),
                rows=np.asarray(numbers, dtype=np.int64),
                problems=problems,
                blank_rows=blank,
            )
            emitted = True
            data, numbers, problems, blank = [], [], [], 0
    if data or problems or not emitted:
        yield Table(
            **base,
            frame=shaper.frame(data),
            rows=np.asarray(numbers, dtype=np.int64),
            problems=problems,
            blank_rows=blank,
        )


def read_csv_table(
    source: Source,
    *,
    name: str | None = None,
    header_keys: Sequence[str] = (),
    header_score: Callable[[list[str]], float] | None = None,
    encoding: str | None = None,
    nrows: int | None = None,
) -> Table:
    """A whole CSV as one :class:`Table` (see :func:`iter_csv_tables`)."""
    chunks = list(
        iter_csv_tables(
            source,
            name=name,
            header_keys=header_keys,
            header_score=header_score,
            encoding=encoding,
            nrows=nrows,
            chunk_rows=sys.maxsize,
        )
    )
    return chunks[0] if len(chunks) == 1 else concat_tables(chunks)


def concat_tables(chunks: Sequence[Table]) -> Table:
    """One :class:`Table` of consecutive chunks of the same table."""
    first = chunks[0]
    return Table(
        name=first.name,
        sheet=first.sheet,
        header=first.header,
        header_row=first.header_row,
        frame=pd.concat([c.frame for c in chunks], ignore_index=True),
        rows=np.concatenate([c.rows for c in chunks]),
        encoding=first.encoding,
        delimiter=first.delimiter,
        title_rows=first.title_rows,
        problems=[p for c in chunks for p in c.problems],
        blank_rows=sum(c.blank_rows for c in chunks),
    )


# -- XLSX -------------------------------------------------------------------------------------
def iter_xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[object, ...]]]]:
    """Yield ``(sheet name, row iterator)`` of every worksheet (read-only, values only)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise UnsupportedFormatError(
            f"not a readable xlsx workbook: {exc}", file=path, expected="Excel ブック (.xlsx)"
        ) from exc
    try:
        for ws in wb.worksheets:
            yield ws.title, ws.iter_rows(values_only=True)
    finally:
        wb.close()


def sheet_names(path: Path) -> list[str]:
    """Worksheet names of a workbook, in order."""
    return [name for name, _rows in iter_xlsx_sheets(path)]


def iter_xlsx_tables(
    path: Path,
    *,
    header_keys: Sequence[str] = (),
    header_score: Callable[[list[str]], float] | None = None,
    nrows: int | None = None,
    chunk_rows: int | None = None,
    lim: Limits | None = None,
) -> Iterator[Table]:
    """Chunks (:func:`iter_csv_tables`) of every worksheet whose header is found; sheets without
    one are skipped.  Cells beyond the header are ignored, short rows padded (a worksheet has no
    truncated rows); trailing empty rows are dropped."""
    lim = lim or limits()
    for sheet, it in iter_xlsx_sheets(path):
        numbered = ((n, [cell_text(c) for c in row]) for n, row in enumerate(it, start=1))
        chunks = _headed(
            numbered,
            meta={"name": path.name, "sheet": sheet},
            strict=False,
            keys=header_keys,
            score=header_score,
            nrows=nrows,
            size=chunk_rows or lim.chunk_rows,
            lim=lim,
        )
        if chunks is not None:
            yield from chunks


def read_xlsx_tables(
    path: Path,
    *,
    header_keys: Sequence[str] = (),
    header_score: Callable[[list[str]], float] | None = None,
    nrows: int | None = None,
) -> list[Table]:
    """Every worksheet whose header is found, each as one :class:`Table`."""
    by_sheet: dict[str | None, list[Table]] = {}
    for t in iter_xlsx_tables(
        path, header_keys=header_keys, header_score=header_score, nrows=nrows, chunk_rows=sys.maxsize
    ):
        by_sheet.setdefault(t.sheet, []).append(t)
    return [c[0] if len(c) == 1 else concat_tables(c) for c in by_sheet.values()]
