"""CSV / XLSX exports: encoding, completeness (each facility once per 圏域 and category), formula
injection neutralisation, Japanese intact."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from export_fixtures import add_options

from zaitaku_map.export import ExportRequest, export_csv, export_xlsx
from zaitaku_map.export.tables import neutralise
from zaitaku_map.labels import category_label
from zaitaku_map.store import gpkg


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _add_facility(p, fid, name, address, muni="99203", lon=133.15, lat=34.15, category="pharmacy"):
    from shapely.geometry import Point

    with p.transaction():
        p.conn.execute(
            "INSERT INTO facilities (id, category, name, name_norm, address, muni_code, status, lon, lat, geocode_level, "
            "geom) VALUES (?,?,?,?,?,?,'open',?,?,'town',?)",
            (fid, category, name, name, address, muni, lon, lat, gpkg.to_blob(Point(lon, lat))),
        )


def _read_csv(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def test_neutralise():
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise("+81-3") == "'+81-3"
    assert neutralise("-1") == "'-1"
    assert neutralise("@cmd") == "'@cmd"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("中央薬局") == "中央薬局"
    assert neutralise(-1) == -1  # numbers are data, not formulas


def test_csv_bom_and_every_facility_once_per_ken_and_category(proj, tmp_path):
    p, a, _ = proj
    out = export_csv(p, ExportRequest(a), tmp_path / "list.csv")
    raw = (tmp_path / "list.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens UTF-8 Japanese correctly
    rows = _read_csv(tmp_path / "list.csv")
    head, body = rows[0], rows[1:]
    assert head[:5] == ["圏域コード", "圏域", "種別", "施設ID", "名称"]
    assert out.counts["rows"] == len(body) == 11
    # each (圏域, category, facility id) exactly once, and the same set as the store's open facilities
    keys = Counter((r[0], r[2], r[3]) for r in body)
    assert max(keys.values()) == 1
    db = p.conn.execute("SELECT id, category, muni_code FROM facilities WHERE status='open'").fetchall()
    assign = {"99101": "K1", "99102": "K1", "99201": "K1", "99202": "K2", "99203": "K2", "99204": "K2"}
    expected = {(assign[m], category_label(c), str(i)) for i, c, m in db}
    assert set(keys) == expected
    ev = _read_csv(out.details["evaluation_path"])
    assert ev[0][0] == "圏域" and [r[0] for r in ev[1:]] == ["中央圏域", "西部圏域", "南部圏域"]
    assert ev[1][2] == "22500"  # numbers stay numbers in spreadsheets


def test_csv_formula_injection_and_cp932(proj, tmp_path):
    p, a, _ = proj
    _add_facility(p, 100, '=HYPERLINK("http://x")', "+81 テスト県")
    _add_facility(p, 101, "@SUM(1)", "-5番地", lon=133.16)
    _add_facility(p, 102, "𠮷田薬局", "テスト県南町", lon=133.17)  # 𠮷 is not in CP932
    out = export_csv(p, ExportRequest(a), tmp_path / "list.csv")
    body = _read_csv(tmp_path / "list.csv")[1:]
    names = {r[3]: r for r in body}
    assert names["100"][4] == '\'=HYPERLINK("http://x")'
    assert names["100"][5] == "'+81 テスト県"
    assert names["101"][4] == "'@SUM(1)" and names["101"][5] == "'-5番地"
    assert out.details["replaced_chars"] == 0
    out = export_csv(p, ExportRequest(a), tmp_path / "sjis.csv", encoding="cp932")
    assert out.details["replaced_chars"] == 1
    body = _read_csv(tmp_path / "sjis.csv", encoding="cp932")[1:]
    names = {r[3]: r for r in body}
    assert names["102"][4] == "?田薬局"
    assert names["1"][4] == "中央在宅クリニック"


def test_xlsx_japanese_and_injection(proj, tmp_path):
    import openpyxl

    p, a, _ = proj
    _add_facility(p, 100, "=1+1", "テスト県")
    out = export_xlsx(p, ExportRequest(a), tmp_path / "list.xlsx")
    assert out.details["neutralised_cells"] >= 1
    wb = openpyxl.load_workbook(tmp_path / "list.xlsx")
    assert wb.sheetnames == ["資源リスト", "評価表", "出典"]
    ws = wb["資源リスト"]
    header = [c.value for c in ws[1]]
    assert header[4] == "名称"
    values = {(r[3], r[4]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert (1, "中央在宅クリニック") in values
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == "=1+1")
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    assert ws.max_row - 1 == 12
    ev = wb["評価表"]
    assert ev["A2"].value == "中央圏域" and isinstance(ev["C2"].value, int)
    src = [r for r in wb["出典"].iter_rows(values_only=True)]
    assert ("圏域案", a) in src


def test_facility_without_position_or_municipality_is_listed_apart(proj, tmp_path):
    from zaitaku_map.export import export_list_pdf

    p, a, _ = proj
    with p.transaction():
        p.conn.execute(
            "INSERT INTO facilities (id, category, name, name_norm, address, status, geocode_level) "
            "VALUES (200, 'houkatsu', '位置不明包括', '位置不明包括', 'テスト県どこか', 'open', 'unresolved')"
        )
        # a facility of another prefecture (known municipality code outside the option) stays out
        p.conn.execute(
            "INSERT INTO facilities (id, category, name, name_norm, muni_code, status, lon, lat) "
            "VALUES (201, 'pharmacy', '県外薬局', '県外薬局', '98101', 'open', 140.0, 36.0)"
        )
    export_csv(p, ExportRequest(a), tmp_path / "l.csv")
    body = _read_csv(tmp_path / "l.csv")[1:]
    last = body[-1]
    assert last[0] == "" and last[1].startswith("圏域不明") and last[4] == "位置不明包括"
    assert "県外薬局" not in {r[4] for r in body}
    out = export_list_pdf(p, ExportRequest(a), tmp_path / "l.pdf")
    assert out.counts["per_ken"][""] == {"houkatsu": 1}
    assert out.counts["facilities_outside"] == 1


def test_category_filter(proj, tmp_path):
    from zaitaku_map.errors import ExportError
    from zaitaku_map.export import export_map_pdf

    p, a, _ = proj
    out = export_csv(p, ExportRequest(a, categories=("zaishi", "pharmacy")), tmp_path / "z.csv")
    body = _read_csv(tmp_path / "z.csv")[1:]
    assert out.counts["rows"] == len(body) == 6
    assert {r[2] for r in body} == {"在宅療養支援診療所", "在宅療養支援病院", "薬局"}
    res = export_map_pdf(p, ExportRequest(a, categories=("home_nursing",)), tmp_path / "z.pdf")
    assert res.counts["facilities"] == {"home_nursing": 2}
    with pytest.raises(ExportError):
        export_csv(p, ExportRequest(a, categories=("hospitals",)), tmp_path / "bad.csv")
