"""The 「将来の需要」 pages of the meeting pack: sources with their 年度, the tables, charts and maps."""

from __future__ import annotations

from pathlib import Path

import pytest
from demand_fixtures import write_demand, write_summary_75
from pypdf import PdfReader
from synthetic import build_synthetic_project

from zaitaku_map.demand import import_projection_file
from zaitaku_map.export import ExportRequest
from zaitaku_map.export.pack import export_pack
from zaitaku_map.options import create_option
from zaitaku_map.store import Project


@pytest.fixture
def synth(tmp_path: Path) -> Project:
    p = build_synthetic_project(tmp_path / "s.gpkg")
    p.set_study_prefectures(["99"])
    create_option(p, "案A", template="area", layer="二次医療圏")
    create_option(p, "市町村", template="municipal")
    yield p
    p.close()


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_demand_section_in_the_pack(synth: Project, tmp_path: Path) -> None:
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    res = export_pack(
        synth,
        ExportRequest("案A", compare=("市町村",), sections=("demand",)),
        tmp_path / "pack.pdf",
        folder=tmp_path / "parts",
    )
    assert res.details["sections"] == ["demand"]
    text = _text(tmp_path / "pack.pdf")
    assert "将来の需要（案A）" in text and "将来の需要（市町村）" in text
    assert "構想区域別の医療需要推計（厚生労働省）" in text and "2024年度の実績" in text
    assert "日本の地域別将来推計人口（国立社会保障・人口問題研究所） 令和5(2023)年推計" in text
    assert "1,400.8" in text  # 中央 2040 from the file, exactly as the option is whole 構想区域
    assert "構想区域の推計値（厚生労働省）" in text and "按分による推計" in text
    parts = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert any("将来の需要_案A" in p for p in parts) and any("将来の需要_市町村" in p for p in parts)
    # tables page + a chart page + the maps page for each option
    assert len(PdfReader(tmp_path / "parts" / next(p for p in parts if "将来の需要_案A" in p)).pages) == 3


def test_no_pages_without_projections(synth: Project, tmp_path: Path) -> None:
    export_pack(synth, ExportRequest("案A", sections=("demand",)), tmp_path / "pack.pdf")
    text = _text(tmp_path / "pack.pdf")
    assert "将来の需要を示すデータが取り込まれていません" in text  # asked for by name: what to import
    assert "構想区域別の医療需要推計" in text
    export_pack(synth, ExportRequest("案A", sections=("maps", "demand")), tmp_path / "p2.pdf")
    assert "将来の需要を示すデータ" in _text(tmp_path / "p2.pdf")


def test_municipal_indicators_of_demand(synth: Project, tmp_path: Path) -> None:
    from zaitaku_map.export.choropleth import municipal_indicator

    empty = municipal_indicator(synth, "demand_peak")
    assert not empty.has_values  # nothing imported: the pack leaves the page out
    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    peak = municipal_indicator(synth, "demand_peak")
    assert peak.class_labels == ["2024年度以前", "2030年度", "2035年度", "2040年度", "2045年度以降"]
    assert peak.values["99203"] == 2035.0  # apportioned from 西部, whose file values peak in 2035
    assert peak.values["99101"] == 2040.0  # 中央 peaks in 2040
    assert peak.color_of("99101") == peak.colors[peak.class_of(peak.values["99101"]) or 0]
    grow = municipal_indicator(synth, "demand_growth")
    assert grow.class_of(0.25) == 3 and grow.class_labels[3] == "20〜30%増" and grow.class_of(-0.01) == 0
    p75 = municipal_indicator(synth, "pop75_peak")
    assert p75.values["99101"] == 2050.0 and p75.class_labels[p75.class_of(2050.0) or 0] == "2040年以降"
    res = export_pack(synth, ExportRequest("案A", sections=("indicators",)), tmp_path / "ind.pdf")
    text = _text(tmp_path / "ind.pdf")
    assert "訪問診療需要のピーク年度" in text and "75歳以上人口のピーク年" in text
    assert res.pages > 0


def test_source_lines_name_projection_files_by_their_titles(synth: Project, tmp_path: Path) -> None:
    from zaitaku_map.export.data import load_export_data

    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    lines = load_export_data(synth, ExportRequest("案A")).source_lines()
    projection = [s for s in lines if s.startswith("将来推計: ")]
    assert len(projection) == 2, lines
    assert any(s.startswith("将来推計: 構想区域別の医療需要推計（厚生労働省）") for s in projection)
    assert any(
        s.startswith("将来推計: 日本の地域別将来推計人口（国立社会保障・人口問題研究所） 令和5(2023)年推計")
        for s in projection
    )
    assert not any(k in s for s in lines for k in ("mhlw_demand", "use_rates", "projection", "基準年"))


def test_evaluation_csv_gives_demand_without_float_noise(synth: Project, tmp_path: Path) -> None:
    import csv

    from zaitaku_map.export import export_csv

    import_projection_file(synth, write_demand(tmp_path / "d.xlsx"))
    import_projection_file(synth, write_summary_75(tmp_path / "s.xlsx"))
    res = export_csv(synth, ExportRequest("市町村"), tmp_path / "m.csv")
    with open(res.details["evaluation_path"], encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    cols = [i for i, h in enumerate(rows[0]) if h.startswith("訪問診療の需要")]
    assert len(cols) == 2
    cells = [r[i] for r in rows[1:] for i in cols if r[i]]
    assert cells and all(len(c.partition(".")[2]) <= 2 for c in cells), cells  # apportioned: two decimals
    assert any("." in c for c in cells)
