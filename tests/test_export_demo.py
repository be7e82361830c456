"""Resource lists of options made by the options domain (its demo options on the synthetic project,
and the demo project when the demo domain is present): every facility exactly once per category per
圏域, matching the project's own evaluation."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from zaitaku_map.export import ExportRequest, export_csv, export_list_pdf, export_map_pdf, export_pack
from zaitaku_map.labels import CATEGORIES
from zaitaku_map.options import evaluate_option


def _csv_counts(path: Path) -> tuple[list[list[str]], Counter]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return rows, Counter((r[1], r[2]) for r in rows)


def _check_option(project, name: str, tmp_path: Path) -> None:
    out = export_csv(project, ExportRequest(name), tmp_path / f"{name}.csv")
    rows, counts = _csv_counts(tmp_path / f"{name}.csv")
    assert out.counts["rows"] == len(rows) > 0
    # each facility once per (圏域, category)
    ids = Counter((r[0], r[2], r[3]) for r in rows)
    assert max(ids.values()) == 1
    # same counts as the options domain's evaluation (independent facility → 圏域 assignment)
    ev = evaluate_option(project, name).to_dict()
    expected = Counter()
    for k in ev["kens"]:
        for cat, v in k["facilities"].items():
            if v["count"]:
                expected[(k["name"], CATEGORIES[cat].label if cat in CATEGORIES else cat)] = v["count"]
    unknown = {k: v for k, v in counts.items() if k[0] == "圏域不明（位置・市区町村が不明な施設）"}
    assert {k: v for k, v in counts.items() if k not in unknown} == expected
    # facilities without position and municipality are listed apart, never dropped
    n_unknown = project.conn.execute(
        "SELECT count(*) FROM facilities WHERE status='open' AND lon IS NULL AND (muni_code IS NULL OR muni_code NOT IN "
        "(SELECT code FROM municipalities))"
    ).fetchone()[0]
    assert sum(unknown.values()) == n_unknown
    # the PDF lists the same rows: every facility's name as often as the CSV has it
    lst = export_list_pdf(project, ExportRequest(name), tmp_path / f"{name}.pdf")
    assert lst.counts["rows"] == len(rows)
    pages = [p.extract_text() or "" for p in PdfReader(tmp_path / f"{name}.pdf").pages]
    text = "\n".join(
        line
        for t in pages
        if "目次" not in t and "圏域案の評価表" not in t
        for line in t.splitlines()
        if not line.startswith(("在宅医療において", "在宅医療に必要な"))
    )
    for fname, n in Counter(r[4] for r in rows).items():
        assert text.count(fname) >= n, fname


def test_options_domain_demo_options_on_synthetic(synthetic_project, tmp_path):
    from options_fixtures import create_demo_options

    create_demo_options(synthetic_project)
    _check_option(synthetic_project, "案A", tmp_path)
    pack = export_pack(synthetic_project, ExportRequest("案A", compare=("案B",)), tmp_path / "pack.pdf")
    assert pack.pages == len(PdfReader(tmp_path / "pack.pdf").pages)


@pytest.mark.slow
def test_demo_project_option_a(tmp_path):
    from zaitaku_map.demo import build_demo_project
    from zaitaku_map.store import open_project

    pack = tmp_path / "pack"
    result = build_demo_project(tmp_path / "demo.gpkg", pack_dir=pack)  # the README's main job
    assert not result["failed"], result["steps"]
    with open_project(tmp_path / "demo.gpkg") as project:
        assert project.is_demo
        _check_option(project, "案A", tmp_path)
        options = [r[0] for r in project.conn.execute("SELECT name FROM options ORDER BY id")]
        # 4 圏域, 2 boundaries, 3 bands, gaps, 8 kinds and the stack number: two legend columns that fit the sheet
        for landscape in (True, False):
            req = ExportRequest("案A", coverage_category="zaishi", landscape=landscape)
            out = export_map_pdf(project, req, tmp_path / f"m{landscape}.pdf")
            assert out.details["legend_fits"], landscape
    assert options == ["案A", "案B", "案C", "自動提案"]
    files = sorted(f.name for f in pack.iterdir())
    # the one PDF, and as separate files: a map, an evaluation and the 「将来の需要」 pages per option, the
    # comparison, the baseline's indicator maps, atlas and resource list, the 協力医療機関 page, one XLSX per option
    assert "会議資料.pdf" in files
    assert len(files) == 1 + 3 * len(options) + 1 + 3 + 1 + len(options), files
    assert sum("将来の需要_" in f for f in files) == len(options)
    assert sum(f.endswith("圏域案の比較.pdf") for f in files) == 1
    # the pack shows coverage: its parameters on the map and a coverage column in the evaluation table
    map_a = next(pack / f for f in files if f.endswith("地図_案A.pdf"))
    assert "到達圏" in (PdfReader(map_a).pages[0].extract_text() or "")
    list_a = next(pack / f for f in files if f.endswith("評価表_案A.pdf"))
    text = "\n".join(p.extract_text() or "" for p in PdfReader(list_a).pages[:4])
    assert "道路ネットワーク" in text and "未計算" not in text
