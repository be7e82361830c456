"""The one table reader (``zaitaku_map.tabular``) and zip access within limits (``zaitaku_map.archive``)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zaitaku_map import archive, tabular
from zaitaku_map.errors import InputDataError, ResourceLimitError, UnsupportedFormatError
from zaitaku_map.settings import Limits, limits

TEXT = '令和7年4月1日現在\n\n市町村コード,市町村名,圏域名\n31201,鳥取市,東部\n\n31202,米子市,"西部\n（旧）"\n'


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp932", "cp932"), ("utf-16", "utf-16")],
)
def test_encodings(encoding, expected):
    data = TEXT.encode(encoding)
    assert tabular.detect_encoding(data) == expected
    t = tabular.read_csv_table(data, name="x.csv", header_keys=["市町村名"])
    assert t.encoding == expected and t.header == ["市町村コード", "市町村名", "圏域名"]
    assert t.frame.values.tolist() == [["31201", "鳥取市", "東部"], ["31202", "米子市", "西部\n（旧）"]]


def test_unknown_encoding_and_bad_bytes_later_on():
    with pytest.raises(UnsupportedFormatError):
        tabular.detect_encoding(bytes(range(128, 256)) * 4)
    late = ("名称,住所\n" + "a,b\n" * 300_000).encode() + "c,\xe9\n".encode("latin-1")  # past the first MB
    with pytest.raises(InputDataError) as info:
        tabular.read_csv_table(late, name="late.csv")
    assert info.value.row == 300_002


def test_cut_multibyte_character_at_the_sample_end():
    data = ("名" * 349_525 + "名").encode()  # 3 bytes each: the 1 MB sample ends inside one
    assert tabular.detect_encoding(data[: 1 << 20], complete=False) == "utf-8"


@pytest.mark.parametrize(
    ("delim", "text"), [("\t", "名称\t住所\na\tb\n"), (";", "名称;住所\na;b\n"), (",", "title\n名称,住所\n")]
)
def test_delimiter(delim, text):
    assert tabular.sniff_delimiter(text) == delim


def test_header_rules_title_rows_and_row_numbers():
    rows = tabular.read_rows(TEXT.encode(), name="x.csv")
    assert rows.numbers == [1, 2, 3, 4, 5, 6] and rows.delimiter == ","
    assert rows.find_header(keys=["市町村名"]) == 2
    assert rows.find_header(score=lambda r: sum("市町村" in c for c in r)) == 2
    assert rows.find_header(is_data=lambda r: r[0].isdigit()) == 2
    assert rows.find_header() == 0  # no rule: the first non-empty row
    t = rows.table(2)
    assert t.title_rows == [["令和7年4月1日現在"]] and t.header_row == 3
    assert t.rows.tolist() == [4, 6] and t.blank_rows == 1 and t.row_number(1) == 6


def test_row_shapes_are_reported_not_guessed():
    text = "a,b,c,,\n1,2,3,,\n4,5,6\n7,8,9,,,\n1,2,3,4\n1,2\n※ 出典 テスト\n5,6,7\n"
    t = tabular.read_csv_table(text.encode(), name="x.csv")
    assert t.header == ["a", "b", "c"]
    assert t.frame.values.tolist() == [["1", "2", "3"], ["4", "5", "6"], ["5", "6", "7"]]
    assert [(p.row, p.kind) for p in t.problems] == [
        (4, "surplus"),
        (5, "surplus"),
        (6, "truncated"),
        (7, "note"),
    ]
    assert t.rows_read == 7


def test_too_long_cell(monkeypatch):
    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"field_chars": 10}))
    t = tabular.read_csv_table("名称,住所\na,b\nc,01234567890\n".encode(), name="x.csv")
    assert len(t.frame) == 1 and t.problems[0].kind == "too_long" and t.problems[0].column == "住所"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet='ab,"\n 名', max_size=6), min_size=3, max_size=3), max_size=12))
def test_chunks_equal_the_whole(rows):
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows([["x", "y", "z"], *rows])
    data = buf.getvalue().encode()
    whole = tabular.read_csv_table(data, name="p.csv")
    parts = list(tabular.iter_csv_tables(data, name="p.csv", chunk_rows=2))
    assert [r for p in parts for r in p.frame.values.tolist()] == whole.frame.values.tolist()
    assert [n for p in parts for n in p.rows.tolist()] == whole.rows.tolist()
    assert sum(len(p.problems) for p in parts) == len(whole.problems)


def test_xlsx_sheets_titles_and_cells(tmp_path):
    p = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表紙"
    ws.append(["この資料について"])
    ws2 = wb.create_sheet("データ")
    ws2.append(["令和7年10月1日 現在"])
    ws2.append([])
    ws2.append(["コード", "名称", "人口"])
    ws2.append([31201.0, "鳥取市", 188465])
    ws2.append([31202, "米子市", None, "欄外のメモ"])
    wb.save(p)
    assert tabular.sheet_names(p) == ["表紙", "データ"]
    (t,) = tabular.read_xlsx_tables(p, header_keys=["コード", "名称"])
    assert t.sheet == "データ" and t.header_row == 3 and t.title_rows == [["令和7年10月1日 現在"]]
    assert t.frame.values.tolist() == [["31201", "鳥取市", "188465"], ["31202", "米子市", ""]]
    grid = tabular.read_rows(p, sheet="データ")
    assert grid.cells[3] == ["31201", "鳥取市", "188465", ""] and grid.sheet == "データ"  # as the sheet is


def test_zip_member_source_and_dbf_encoding(tmp_path):
    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("t.csv", TEXT.encode("cp932"))
    t = tabular.read_csv_table((z, "t.csv"), header_keys=["市町村名"])
    assert t.name == "t.csv" and len(t.frame) == 2
    shp = tmp_path / "b.shp"
    shp.write_bytes(b"")
    (tmp_path / "b.dbf").write_bytes(
        b"\x03" + b"\0" * 7 + (40).to_bytes(2, "little") + b"\0" * 30 + "鳥取".encode("cp932")
    )
    assert tabular.dbf_encoding(shp) == "cp932"
    (tmp_path / "b.cpg").write_text("UTF-8")
    assert tabular.dbf_encoding(shp) is None


# -- archive -------------------------------------------------------------------------------------
def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_member_limits(tmp_path):
    z = _zip(tmp_path / "z.zip", {"zeros.csv": b"0" * (3 << 20), "text.csv": TEXT.encode() * 100})
    with pytest.raises(ResourceLimitError, match="ratio"):
        archive.read_member(z, "zeros.csv")
    with pytest.raises(ResourceLimitError, match="larger"):
        archive.read_member(z, "zeros.csv", lim=Limits(zip_member_mb=1, zip_ratio=1e9))
    assert archive.read_member(z, "text.csv", size=10) == TEXT.encode()[:10]
    assert limits() == Limits()


def test_corrupt_member_is_named(tmp_path):
    z = _zip(tmp_path / "c.zip", {"data.csv": TEXT.encode() * 200})
    raw = bytearray(z.read_bytes())
    raw[60:80] = bytes(b ^ 0xFF for b in raw[60:80])
    z.write_bytes(bytes(raw))
    with pytest.raises(InputDataError) as info:
        archive.verify(z)
    assert "data.csv" in str(info.value.file)


def test_extract_within_limits_and_inside_the_folder(tmp_path):
    z = _zip(tmp_path / "e.zip", {"../../evil.txt": b"x", "dir/ok.txt": b"y", "__MACOSX/._ok.txt": b"z"})
    out = tmp_path / "out"
    out.mkdir()
    written = archive.extract(z, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == ["dir/ok.txt", "evil.txt"]
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(ResourceLimitError):
        archive.extract(z, out, lim=Limits(zip_total_mb=1e-7))


def test_limits_from_settings_and_environment(tmp_path, monkeypatch):
    cfg = Path(str(tmp_path / "cfg"))
    cfg.mkdir()
    monkeypatch.setenv("ZAITAKU_MAP_CONFIG_DIR", str(cfg))
    (cfg / "settings.json").write_text(
        json.dumps({"limits": {"zip_ratio": 500, "field_chars": "x", "nope": 1}})
    )
    assert limits().zip_ratio == 500 and limits().field_chars == Limits().field_chars
    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"zip_ratio": 50, "lock_wait_s": -1}))
    assert limits().zip_ratio == 50 and limits().lock_wait_s == Limits().lock_wait_s
