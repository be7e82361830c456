"""Exports follow the screen's scenario and year, and maps draw what matters by default.

- ``ExportRequest.scenario``: coverage and evaluation run on the scenario's facility set, maps draw
  its hypothetical facilities (★ 仮想) and edits with legend entries, and no list, CSV, XLSX sheet or
  GeoPackage facility layer ever holds a hypothetical facility as a real one.
- ``ExportRequest.year``: each 圏域's 訪問診療 demand and 75+ population of that 年度 on the map, in
  the evaluation table and the layers; a year the projections do not hold is refused.
- With no categories asked for, maps draw 在支診・在支病・訪問看護・病院 (and the coverage category);
  the legend lists exactly what is drawn; ``all`` draws everything.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from demand_fixtures import write_demand, write_summary_75
from openpyxl import load_workbook
from pypdf import PdfReader

from zaitaku_map.cli import main
from zaitaku_map.errors import ExportError, InputDataError
from zaitaku_map.export import (
    ExportRequest,
    export_csv,
    export_gpkg,
    export_html_map,
    export_list_pdf,
    export_map_pdf,
    export_pack,
    export_xlsx,
)
from zaitaku_map.export.data import load_export_data
from zaitaku_map.export.evaluation import evaluate_data
from zaitaku_map.export.mapdoc import load_coverage, render_map_figure
from zaitaku_map.labels import CATEGORIES
from zaitaku_map.options import create_option
from zaitaku_map.remedies import LiveScenario
from zaitaku_map.remedies.facility_set import scenario_facility_set

GAP = (133.15, 34.05)  # 谷村 (99206): no facility near
SITE = "仮想の在支診ZZZ"


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture
def scen(synthetic_project):  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area", layer="二次医療圏")
    live = LiveScenario(p, category="zaishi")
    live.add_site(*GAP, label=SITE)
    live.close_facility(2)  # 北区ホームクリニック (在支診)
    live.save_as("シナリオ1")
    return p


def test_scenario_map_draws_hypothetical_facilities_and_uses_their_coverage(scen, tmp_path: Path) -> None:
    p = scen
    base = ExportRequest("案A", coverage_category="zaishi")
    req = base.with_(scenario="シナリオ1")
    out = export_map_pdf(p, req, tmp_path / "s.pdf")
    text = _text(tmp_path / "s.pdf")
    assert "案A＋シナリオ1" in text and "仮想施設は実在せず" in text
    assert "仮想施設（シナリオ・実在しない）（1）" in text and "シナリオで休止する施設（1）" in text
    fig, _facts = render_map_figure(load_export_data(p, req))
    marks = {t.get_text() for t in fig.axes[0].texts}  # drawn with a halo: paths in the PDF
    assert f"仮想: {SITE}" in marks and "休止: 北区ホームクリニック" in marks
    assert out.details["scenario_drawn"] == {"site": 1, "gains": 0, "moved": 0, "closed": 1}
    # the closed 在支診 is not drawn as one: two of the three remain
    assert out.counts["facilities"]["zaishi_clinic"] == 2 and out.counts["scenario_sites"] == 1
    # coverage of the scenario's facility set: the site in 谷村 covers people the register leaves out
    before = load_coverage(p, base)
    after = load_coverage(p, req)
    assert before is not None and after is not None
    assert after.bands is not None and before.bands is not None
    near = (after.gaps.geometry.x - GAP[0]).abs() + (after.gaps.geometry.y - GAP[1]).abs() < 0.03
    near0 = (before.gaps.geometry.x - GAP[0]).abs() + (before.gaps.geometry.y - GAP[1]).abs() < 0.03
    assert near0.sum() > 0 and near.sum() < near0.sum()
    # the evaluation counts the scenario's facilities (and says so in its title)
    fs = scenario_facility_set(p, "シナリオ1")
    ev = evaluate_data(p, load_export_data(p, req))
    counted = sum(k["facilities"]["zaishi_clinic"]["count"] for k in ev["kens"])
    assert counted == sum(1 for f in fs if f.category == "zaishi_clinic") == 3
    assert "シナリオ1" in ev["title"]
    # the plain map draws neither the site nor the closure
    plain = export_map_pdf(p, base, tmp_path / "p.pdf")
    assert SITE not in _text(tmp_path / "p.pdf") and plain.counts["facilities"]["zaishi_clinic"] == 3


def test_hypothetical_facilities_never_listed_as_real(scen, tmp_path: Path) -> None:
    p = scen
    req = ExportRequest("案A", scenario="シナリオ1", coverage_category="zaishi")
    base = ExportRequest("案A", coverage_category="zaishi")
    # CSV: the resource list is the register, row for row
    a = export_csv(p, req, tmp_path / "s.csv")
    b = export_csv(p, base, tmp_path / "b.csv")
    rows_s = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert SITE not in rows_s and rows_s == (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    assert a.counts["rows"] == b.counts["rows"]
    with open(tmp_path / "s_評価表.csv", encoding="utf-8-sig", newline="") as fh:
        assert SITE not in fh.read()
    # XLSX: the site only in the sheet 「シナリオ」, marked as hypothetical
    x = export_xlsx(p, req, tmp_path / "s.xlsx")
    assert x.details["sheets"] == ["資源リスト", "評価表", "シナリオ", "出典"]
    wb = load_workbook(tmp_path / "s.xlsx")
    hits = {ws.title for ws in wb for row in ws.iter_rows(values_only=True) if SITE in [str(v) for v in row]}
    assert hits == {"シナリオ"}
    kinds = {row[0] for row in wb["シナリオ"].iter_rows(min_row=2, values_only=True)}
    assert kinds == {"仮想施設（シナリオ・実在しない）", "シナリオで休止する施設"}
    # list PDF: the same resource-list rows; the site once, in the scenario's own table
    lst = export_list_pdf(p, req, tmp_path / "s.pdf")
    assert lst.counts["rows"] == export_list_pdf(p, base, tmp_path / "b.pdf").counts["rows"]
    text = _text(tmp_path / "s.pdf")
    assert text.count(SITE) == 1
    assert text.index("シナリオ「シナリオ1」の仮想施設と変更") < text.index(SITE)
    # GeoPackage: a layer of its own, flagged hypothetical; the facility layer is the register
    g = export_gpkg(p, req, tmp_path / "s.gpkg")
    gb = export_gpkg(p, base, tmp_path / "b.gpkg")
    assert g.counts["仮想施設_シナリオ1"] == 1 and g.counts["施設"] == gb.counts["施設"] == 11
    with sqlite3.connect(tmp_path / "s.gpkg") as conn:
        assert conn.execute('SELECT label, hypothetical FROM "仮想施設_シナリオ1"').fetchall() == [(SITE, 1)]
        assert conn.execute('SELECT count(*) FROM "施設" WHERE name = ?', (SITE,)).fetchone()[0] == 0
    # HTML: drawn in its own layer, escaped, labelled 仮想
    h = export_html_map(p, req, tmp_path / "s.html")
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    # the register's markers but the closed 在支診 (crossed out in the scenario layer instead)
    assert h.counts["markers"] == 10 and h.counts["facilities"]["zaishi_clinic"] == 2
    assert f"仮想: {SITE}" in page and "シナリオ「シナリオ1」" in page and "休止する施設: 北区" in page


def test_unknown_scenario_is_refused(scen, tmp_path: Path) -> None:
    with pytest.raises(InputDataError):
        export_map_pdf(scen, ExportRequest("案A", scenario="ないシナリオ"), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    path = str(scen.path)
    scen.close()
    assert (
        main(["export", path, "--option", "案A", "--pdf", str(tmp_path / "x.pdf"), "--scenario", "ない"]) == 3
    )
    out = tmp_path / "ok.pdf"
    assert main(["export", path, "--option", "案A", "--pdf", str(out), "--scenario", "シナリオ1"]) == 0
    assert "仮想施設（シナリオ・実在しない）（1）" in _text(out)


@pytest.fixture
def projected(synthetic_project, tmp_path: Path):  # type: ignore[no-untyped-def]
    from zaitaku_map.demand import import_projection_file

    p = synthetic_project
    p.set_study_prefectures(["99"])
    create_option(p, "案A", template="area", layer="二次医療圏")
    import_projection_file(p, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(p, write_summary_75(tmp_path / "s.xlsx"))
    return p


def test_year_puts_demand_of_that_year_on_maps_tables_and_layers(projected, tmp_path: Path) -> None:
    p = projected
    req = ExportRequest("案A", year=2040)
    data = load_export_data(p, req)
    assert data.year is not None and data.year.year == 2040
    chuo = data.kens.set_index("name").loc["中央", "demand_year"]
    assert chuo == pytest.approx(1400.75)  # 中央 2040 from the file (the option is whole 構想区域)
    export_map_pdf(p, req, tmp_path / "m.pdf")
    text = _text(tmp_path / "m.pdf")
    assert "2040年度（推計）" in text
    fig, _facts = render_map_figure(data)
    assert "中央\n訪問診療 1,401件/月" in {t.get_text() for t in fig.axes[0].texts}
    assert "構想区域別の医療需要推計（厚生労働省）" in text and "将来の需要（2040年度）" in text
    # the evaluation table: the year's column replaces the target year's (2040) one
    export_csv(p, req, tmp_path / "l.csv")
    with open(tmp_path / "l_評価表.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    head = "訪問診療の需要 2040年度（件/月）"
    assert list(rows[0]).count(head) == 1 and "75歳以上 2040年（推計）" in rows[0]
    assert float(next(r for r in rows if r["圏域"] == "中央")[head]) == pytest.approx(1400.75)
    # another year adds its own column beside the base and target ones
    export_csv(p, req.with_(year=2035), tmp_path / "k.csv")
    with open(tmp_path / "k_評価表.csv", encoding="utf-8-sig", newline="") as fh:
        cols = next(csv.reader(fh))
    assert {"訪問診療の需要 2035年度（件/月）", head, "訪問診療の需要 2024年度（件/月）"} <= set(cols)
    # the GeoPackage's 圏域 carry the year in their column names
    export_gpkg(p, req, tmp_path / "g.gpkg")
    with sqlite3.connect(tmp_path / "g.gpkg") as conn:
        got = conn.execute('SELECT demand_2040, pop75_2040 FROM "圏域" WHERE name = ?', ("中央",)).fetchone()
    assert got[0] == pytest.approx(1400.75) and got[1] > 0
    # and the pack's cover names the year
    export_pack(p, req.with_(sections=("maps",)), tmp_path / "pack.pdf")
    assert "年度: 2040年度（推計）" in (PdfReader(tmp_path / "pack.pdf").pages[0].extract_text() or "")


def test_year_without_projections_is_refused(synthetic_project, tmp_path: Path) -> None:
    create_option(synthetic_project, "案A", template="area", layer="二次医療圏")
    with pytest.raises(ExportError) as err:
        export_map_pdf(synthetic_project, ExportRequest("案A", year=2040), tmp_path / "m.pdf")
    assert "projection" in (err.value.hint or "")
    assert not (tmp_path / "m.pdf").exists()
    with pytest.raises(ExportError):
        ExportRequest("案A", year=40)


def test_year_outside_the_projections_is_refused(projected, tmp_path: Path) -> None:
    with pytest.raises(ExportError) as err:
        load_export_data(projected, ExportRequest("案A", year=1990))
    assert "2040" in str(err.value.expected)


def _legend_labels(fig) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for ax in fig.axes for leg in [ax.get_legend()] if leg for t in leg.get_texts()]


def test_maps_draw_what_matters_by_default_and_the_legend_lists_what_is_drawn(
    synthetic_project, tmp_path: Path
) -> None:
    p = synthetic_project
    create_option(p, "案A", template="area", layer="二次医療圏")
    data = load_export_data(p, ExportRequest("案A"))
    fig, _facts = render_map_figure(data)
    labels = _legend_labels(fig)
    drawn = {c for c in CATEGORIES if any(t.startswith(CATEGORIES[c].label + "（") for t in labels)}
    assert drawn == {"zaishi_clinic", "zaishi_hospital", "home_nursing", "hospital"}
    # every legend entry of a category is a symbol on the map, with its count
    fac = data.map_facilities
    for c in drawn:
        assert f"{CATEGORIES[c].label}（{int((fac['category'] == c).sum())}）" in labels
    out = export_map_pdf(p, ExportRequest("案A"), tmp_path / "m.pdf")
    text = _text(tmp_path / "m.pdf")
    flat = "".join(text.split())
    assert "薬局（2）" not in flat and "地図に載せていない施設種別（資源リスト・表に掲載）:薬局2" in flat
    assert out.counts["categories_hidden"] == {"pharmacy": 2, "houkatsu": 1, "care_facility": 1}
    # the coverage category joins the map: 薬局 coverage draws 薬局
    out = export_map_pdf(p, ExportRequest("案A", coverage_category="pharmacy"), tmp_path / "c.pdf")
    assert out.counts["facilities"]["pharmacy"] == 2 and "薬局（2）" in _text(tmp_path / "c.pdf")
    # all on request: every category, no note
    out = export_map_pdf(p, ExportRequest("案A", categories=("all",)), tmp_path / "a.pdf")
    text = _text(tmp_path / "a.pdf")
    assert sum(out.counts["facilities"].values()) == 11 and out.counts["categories_hidden"] == {}
    assert "薬局（2）" in text and "地図に載せていない施設種別" not in text
    # tables list every category whatever the maps draw
    assert export_csv(p, ExportRequest("案A"), tmp_path / "l.csv").counts["rows"] == 11
