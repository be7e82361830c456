"""Every reachable state exports or explains: hostile names, facilities without a position (right
after importing a 名簿, before geocoding), bad stored colours, and no partial file after a failure."""

from __future__ import annotations

import csv
import sqlite3

import pytest
from export_fixtures import add_options
from pypdf import PdfReader

from zaitaku_map.export import (
    ExportRequest,
    export_comparison_pdf,
    export_csv,
    export_gpkg,
    export_html_map,
    export_list_pdf,
    export_map_pdf,
    export_pack,
    export_xlsx,
)

HOSTILE = [
    '<img src="/etc/hostname">案',
    "<img src=x onerror=alert(1)>案",
    '</para><font name="nope">案',
    "$\\frac{1}{0}$ 案 & <b>太字</b>",
]


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _text(path) -> str:
    return "\n".join(pg.extract_text() or "" for pg in PdfReader(path).pages)


@pytest.mark.parametrize("name", HOSTILE)
def test_markup_in_option_and_ken_names_prints_as_text(proj, tmp_path, name):
    p, a, b = proj
    with p.transaction():
        p.conn.execute("UPDATE options SET name=? WHERE name=?", (name, a))
        p.conn.execute("UPDATE option_kens SET name=? WHERE ken_key='K1'", (name + "圏域",))
        p.conn.execute("UPDATE facilities SET name=? WHERE id=1", (name + "クリニック",))
    req = ExportRequest(name, compare=(b,), title=name, subtitle=name)
    export_list_pdf(p, req, tmp_path / "l.pdf")
    export_map_pdf(p, req, tmp_path / "m.pdf")
    export_comparison_pdf(p, req, tmp_path / "c.pdf")
    export_pack(p, req, tmp_path / "pack.pdf")
    for f in ("l.pdf", "pack.pdf"):
        text = _text(tmp_path / f)
        assert name + "圏域" in text.replace("\n", ""), f
        assert name + "クリニック" in text.replace("\n", ""), f
    assert name in _text(tmp_path / "m.pdf").replace("\n", "")
    html = tmp_path / "m.html"
    export_html_map(p, req, html)
    page = html.read_text(encoding="utf-8")
    assert name not in page  # never raw: escaped in HTML and in the JSON of the scripts
    assert "<img src" not in page


def _unplace_all(p) -> int:
    """The state right after importing a 名簿: no facility has a position or a municipality yet."""
    with p.transaction():
        p.conn.execute("UPDATE facilities SET lon=NULL, lat=NULL, geom=NULL, geocode_level=NULL")
        p.conn.execute("UPDATE facilities SET muni_code=NULL WHERE id % 2 = 0")
    return int(p.conn.execute("SELECT count(*) FROM facilities WHERE status='open'").fetchone()[0])


def test_exports_before_geocoding_list_unplaced_facilities(proj, tmp_path):
    p, a, b = proj
    n = _unplace_all(p)
    req = ExportRequest(a, compare=(b,), coverage_category="zaishi")
    out = export_csv(p, req, tmp_path / "l.csv")
    with open(tmp_path / "l.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert out.counts["unplaced"] == len(rows) == n
    assert {r["位置の精度"] for r in rows} == {"位置未確定"}
    assert all(r["経度"] == "" and r["緯度"] == "" for r in rows)
    export_xlsx(p, req, tmp_path / "l.xlsx")
    lst = export_list_pdf(p, req, tmp_path / "l.pdf")
    assert lst.counts["rows"] == n and "位置未確定" in _text(tmp_path / "l.pdf")
    m = export_map_pdf(p, req.with_(categories=("all",)), tmp_path / "m.pdf")
    assert m.counts["facilities_unplaced"] == n
    assert "位置未確定のため地図に表示していない施設" in _text(tmp_path / "m.pdf")
    g = export_gpkg(p, req, tmp_path / "g.gpkg")
    assert g.counts["施設"] == 0
    h = export_html_map(p, req, tmp_path / "m.html")
    assert h.counts["markers"] == 0
    pack = export_pack(p, req, tmp_path / "pack.pdf")
    assert pack.pages == len(PdfReader(tmp_path / "pack.pdf").pages)


def test_bad_stored_colour_never_reaches_pdf_or_geopackage(proj, tmp_path):
    p, a, _ = proj
    with p.transaction():
        p.conn.execute("UPDATE option_kens SET color='not-a-colour' WHERE ken_key='K1'")
        p.conn.execute("UPDATE option_kens SET color='#zzzzzz' WHERE ken_key='K2'")
    export_map_pdf(p, ExportRequest(a), tmp_path / "m.pdf")
    g = export_gpkg(p, ExportRequest(a), tmp_path / "g.gpkg")
    assert g.counts["圏域"] == 3
    assert not list(tmp_path.glob("*.part*"))


def test_failed_geopackage_leaves_no_partial_file(proj, tmp_path, monkeypatch):
    from zaitaku_map.errors import ExportError
    from zaitaku_map.export import layers

    p, a, _ = proj

    def broken(path, styles):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(layers, "_add_styles", broken)
    target = tmp_path / "out" / "g.gpkg"
    with pytest.raises(ExportError) as err:
        export_gpkg(p, ExportRequest(a), target)
    assert err.value.file and "g.gpkg" in str(err.value.file)
    assert not list(target.parent.iterdir())


def test_failed_csv_pair_leaves_neither(proj, tmp_path, monkeypatch):
    from zaitaku_map.export import tables

    p, a, _ = proj
    calls = []
    real = tables._write_csv

    def second_fails(path, header, rows, encoding):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, header, rows, encoding)

    monkeypatch.setattr(tables, "_write_csv", second_fails)
    with pytest.raises(OSError):
        export_csv(p, ExportRequest(a), tmp_path / "out" / "l.csv")
    assert not list((tmp_path / "out").iterdir())


def test_request_validation():
    from zaitaku_map.errors import ExportError

    for bad in (
        {"paper": "B5"},
        {"categories": ("nope",)},
        {"layers": frozenset({"tiles"})},
        {"coverage_category": "x"},
        {"coverage_minutes": 0},
    ):
        with pytest.raises(ExportError):
            ExportRequest("案", **bad)
    r = ExportRequest("案A", compare=("案B", "案A", "案B"), paper="a3")
    assert r.options == ["案A", "案B"] and r.paper == "A3"
    assert r.for_option("案B").options == ["案B"]
    assert not r.shows("coverage") and r.with_(coverage_category="zaishi").shows("coverage")
    assert r.category_set is None and ExportRequest("案", categories=("zaishi",)).category_set == {
        "zaishi_clinic",
        "zaishi_hospital",
    }
