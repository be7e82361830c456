"""候補リスト PDF / XLSX / CSV and the ``zaitaku-map partners`` command."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from network_fixtures import region_builder
from partners_fixtures import add_partner_data
from pypdf import PdfReader

from zaitaku_map.cli import main
from zaitaku_map.export.partners_doc import export_partners_pdf, shown_candidates
from zaitaku_map.export.partners_tables import LIST_HEADER, export_partners_csv, export_partners_xlsx
from zaitaku_map.network import import_roads
from zaitaku_map.partners import agreement_status, partner_lists


@pytest.fixture
def project(synthetic_project: Any, tmp_path: Path) -> Any:
    add_partner_data(synthetic_project)
    with synthetic_project.transaction():  # a name a spreadsheet would evaluate
        synthetic_project.conn.execute(
            "UPDATE facilities SET name = '=HYPERLINK(\"http://x\")特養' WHERE name = '中央特養'"
        )
    import_roads(synthetic_project, region_builder().write_xml(tmp_path / "r.osm"), min_component_nodes=100)
    return synthetic_project


def _text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def test_pdf_one_page_per_facility_with_flags_and_basis(project: Any, tmp_path: Path) -> None:
    lists = partner_lists(project, minutes=20)
    out = export_partners_pdf(project, lists, tmp_path / "候補.pdf", status=agreement_status(project, lists))
    assert out.counts["facilities"] == len(lists.facilities)
    # cover + table of contents, then per municipality a summary page and one page per facility
    assert out.pages >= 1 + len(lists.by_municipality()) + len(lists.facilities)
    text = _text(tmp_path / "候補.pdf")
    assert "協力医療機関の候補リスト" in text and "道路ネットワーク" in text and "20分" in text
    assert "名簿: 支援病２・地包ケア１／病床数 150" in text.replace("\n", "")
    assert "島町GH" in text and "(1)(2)を満たしうる医療機関が20分以内にない" in text
    assert "位置が不明" in text  # the facility without a position says why it has no list
    assert "⚠" not in text  # no glyph the embedded font lacks


def test_pdf_shows_at_most_k_per_requirement(project: Any) -> None:
    lists = partner_lists(project, minutes=90)
    for f in lists.facilities:
        shown, more = shown_candidates(f, 2)
        assert more == len(f.candidates) - len(shown)
        assert sum(1 for c in shown if c.rank_12 and c.rank_12 <= 2) == min(2, f.n_12)
        if f.obligation == "effort":
            assert all(c.rank_12 for c in shown)  # (3) is not asked of GH / 特定施設


def test_xlsx_and_csv_hold_every_candidate_and_neutralise(project: Any, tmp_path: Path) -> None:
    lists = partner_lists(project, minutes=30)
    n_rows = sum(max(1, len(f.candidates)) for f in lists.facilities)
    x = export_partners_xlsx(project, lists, tmp_path / "候補.xlsx")
    assert x.counts["rows"] == n_rows and x.details["neutralised_cells"] > 0
    wb = openpyxl.load_workbook(tmp_path / "候補.xlsx")
    assert wb.sheetnames == ["候補リスト", "市区町村別", "条件・出典"]
    ws = wb["候補リスト"]
    assert [c.value for c in ws[1]] == LIST_HEADER and ws.max_row == n_rows + 1
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    c = export_partners_csv(project, lists, tmp_path / "候補.csv", encoding="cp932")
    assert len(c.files) == 3
    with open(tmp_path / "候補.csv", encoding="cp932", newline="") as fh:
        body = list(csv.reader(fh))
    assert len(body) == n_rows + 1
    assert any(v.startswith("'=HYPERLINK") for r in body for v in r)
    assert not any(v.startswith("=") for r in body for v in r)


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*argv, "--quiet"])
    return rc, out.getvalue(), err.getvalue()


def test_cli_json_option_files_and_saved_minutes(project: Any, tmp_path: Path) -> None:
    from zaitaku_map.options import create_option

    create_option(project, "案A", template="area", layer="二次医療圏")
    path = str(project.path)
    project.close()
    rc, out, err = _cli(
        "partners",
        path,
        "--minutes",
        "20",
        "--save",
        "--option",
        "案A",
        "--json",
        "--xlsx",
        str(tmp_path / "a.xlsx"),
    )
    assert rc == 0, err
    d = json.loads(out)
    assert d["minutes"] == 20 and d["flagged"] == len(
        [f for f in d["facilities"] if f["flag_12"] or f["flag_3"]]
    )
    assert [g["name"] for g in d["by_ken"]] == ["中央", "西部", "南部"]
    assert sum(g["facilities"] for g in d["by_ken"]) == d["care_facilities"]
    assert Path(d["files"]["xlsx"]["path"]).is_file()
    rc, out, _ = _cli("partners", path, "--json")  # the saved N
    assert json.loads(out)["minutes"] == 20
    pdf = tmp_path / "テスト市.pdf"
    rc, out, err = _cli(
        "partners", path, "--municipality", "テスト市", "--mode", "straight", "--pdf", str(pdf)
    )
    assert rc == 0 and "直線距離モデル" in out and "島町" not in out.split("市区町村\t")[1], err
    assert f"出力 pdf: {pdf}（" in out and "ページ）" in out and pdf.read_bytes()[:4] == b"%PDF"


def test_cli_bad_input_exit_codes(project: Any, tmp_path: Path) -> None:
    path = str(project.path)
    project.close()
    rc, _, err = _cli("partners", path, "--municipality", "どこにもない町")
    assert rc != 0 and err
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    rc, _, err = _cli("partners", path, "--agreements", str(bad))
    assert rc == 3 and err
    rc, _, err = _cli("partners", path, "--agreements", str(bad), "--mapping", "{not json")
    assert rc == 3


def test_html_map_partner_layer_only_when_asked(project: Any, tmp_path: Path) -> None:
    import re

    from export_fixtures import add_options

    from zaitaku_map.export import ExportRequest
    from zaitaku_map.export.htmlmap import export_html_map
    from zaitaku_map.export.request import DEFAULT_LAYERS
    from zaitaku_map.partners.maplinks import FLAG_COLOR, KIND_COLORS, flagged_features, link_features

    with project.transaction():  # a name that would close folium's template literal and run code
        project.conn.execute("UPDATE facilities SET name = '島町GH`+alert(1)+`${x}\\' WHERE name = '島町GH'")
    a, _b = add_options(project)
    plain = export_html_map(project, ExportRequest(a), tmp_path / "plain.html")
    assert "partners" not in plain.details
    assert '"zm-flag-icon"' not in (tmp_path / "plain.html").read_text(encoding="utf-8")

    out = export_html_map(
        project,
        ExportRequest(a, layers=DEFAULT_LAYERS | {"partners"}),
        tmp_path / "p.html",
    )
    text = (tmp_path / "p.html").read_text(encoding="utf-8")
    lists = partner_lists(project)
    links = [f["properties"]["kind"] for f in link_features(lists)["features"]]
    flagged = flagged_features(lists)["features"]
    assert links and flagged  # the island's GH has none (no road to the mainland); the others have lines
    drawn = out.details["partners"]
    assert drawn["minutes"] == lists.minutes
    # the lines run from care facilities to hospitals (among others): their layers are on with them
    assert "care_facility" in plain.counts["categories_hidden"]
    assert not {"care_facility", "hospital"} & set(out.counts["categories_hidden"])
    assert {k: drawn[k] for k in ("r12", "r3", "both")} == {k: links.count(k) for k in ("r12", "r3", "both")}
    assert drawn["flagged"] == len(flagged) == text.count('"zm-flag-icon"')
    # one polyline per link in its kind's colour, one ▼ per flagged facility
    for kind in ("r12", "r3", "both"):
        assert len(re.findall(rf'"color": "{KIND_COLORS[kind]}"', text)) >= links.count(kind)
    assert text.count(f'style=\\"color:{FLAG_COLOR}\\"\\u003e\\u25bc') == len(flagged)
    assert json.dumps("協力医療機関の第1候補（30分以内）")[1:-1] in text  # the layer list's name
    assert "(1)(2)の第1候補（" in text and "候補のない介護施設（" in text
    # the hostile name is inert text in the tooltip: no backquote, ${ or backslash reaches the script
    assert "島町GH&#96;+alert(1)+&#96;&#36;{x}&#92;" in text
    literals = re.findall(r"\.bindTooltip\(\s*`", text)  # folium's tooltips: JavaScript template literals
    assert len(literals) >= len(links) + len(flagged)
    # every literal closes where it should: no backquote, ${ or backslash inside any of them
    assert len(re.findall(r"\.bindTooltip\(\s*`[^`$\\]*`,\s*\{", text)) == len(literals)
