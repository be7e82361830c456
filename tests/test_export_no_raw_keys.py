"""No exported text names a source, kind or category by its internal key ("projection: mhlw_demand（2024 時点）"):
the map and list PDFs, the pack, the HTML map, the XLSX and the CSV of a project with projections."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from demand_fixtures import write_demand, write_summary_75
from openpyxl import load_workbook
from pypdf import PdfReader
from synthetic import build_synthetic_project

from zaitaku_map.demand import import_projection_file
from zaitaku_map.export import (
    ExportRequest,
    export_csv,
    export_html_map,
    export_list_pdf,
    export_map_pdf,
    export_pack,
    export_xlsx,
)
from zaitaku_map.export.data import FORMAT_LABEL, SOURCE_KIND_LABEL
from zaitaku_map.labels import CATEGORIES
from zaitaku_map.options import create_option
from zaitaku_map.store import Project

RAW_KEYS = sorted(
    set(FORMAT_LABEL) | set(SOURCE_KIND_LABEL) | set(CATEGORIES) | {"mesh_projection", "partner_agreements"},
    key=len,
    reverse=True,
)
RAW = re.compile(r"(?<![A-Za-z0-9_.\-/])(" + "|".join(map(re.escape, RAW_KEYS)) + r")(?![A-Za-z0-9_.\-])")


class _Visible(HTMLParser):
    """The text a browser shows: tags, scripts and styles dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _raw(text: str) -> list[str]:
    return sorted({m.group(1) for m in RAW.finditer(text)})


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = build_synthetic_project(tmp_path / "s.gpkg")
    p.set_study_prefectures(["99"])
    create_option(p, "案A", template="area", layer="二次医療圏")
    import_projection_file(p, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(p, write_summary_75(tmp_path / "s.xlsx"))
    yield p
    p.close()


def test_no_raw_key_in_any_exported_text(project: Project, tmp_path: Path) -> None:
    req = ExportRequest("案A", categories=tuple(CATEGORIES))
    texts: dict[str, str] = {}
    for name, fn in (("map.pdf", export_map_pdf), ("list.pdf", export_list_pdf)):
        fn(project, req, tmp_path / name)
        texts[name] = "\n".join(p.extract_text() or "" for p in PdfReader(tmp_path / name).pages)
    export_pack(project, req.with_(sections=("maps", "evaluation", "demand")), tmp_path / "pack.pdf")
    texts["pack.pdf"] = "\n".join(p.extract_text() or "" for p in PdfReader(tmp_path / "pack.pdf").pages)
    export_html_map(project, req, tmp_path / "map.html")
    parser = _Visible()
    parser.feed((tmp_path / "map.html").read_text(encoding="utf-8"))
    texts["map.html"] = "\n".join(parser.parts)
    export_xlsx(project, req, tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx", read_only=True)
    texts["t.xlsx"] = "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    wb.close()
    export_csv(project, req, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", encoding="utf-8-sig", newline="") as fh:
        texts["t.csv"] = "\n".join(",".join(r) for r in csv.reader(fh))
    # the sources are really there (in Japanese), so the check below has something to look at
    assert "構想区域別の医療需要推計（厚生労働省）" in texts["map.pdf"]
    assert "国立社会保障・人口問題研究所" in texts["pack.pdf"]
    assert "構想区域別の医療需要推計（厚生労働省）" in texts["t.xlsx"]
    found = {name: hits for name, text in texts.items() if (hits := _raw(text))}
    assert found == {}, found


def test_the_check_sees_a_raw_key() -> None:
    assert _raw("将来推計: mhlw_demand（2024 時点）／projection: x") == ["mhlw_demand", "projection"]
    assert _raw("訪問診療_利用率_デモ.xlsx zaitaku-map https://example.org/table") == []
