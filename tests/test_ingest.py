"""Folder import: detection by content on every real and demo file, dependency order, per-file
failure, the Japanese report (CLI and GUI share it)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from zaitaku_map.ingest import KIND_ORDER, detect_file, import_paths, plan_import

MANIFEST_KINDS = {  # demo manifest group -> detected kind
    "areas": "areas",
    "boundaries": "boundaries",
    "facilities": "facilities",
    "geocode_reference": "reference",
    "population": "population",
    "roads": "roads",
    "projections": "projection",
    "projection": "projection",
    "agreements": "agreements",
}
INTERNAL = re.compile(r"source_id|at_zero|elapsed_s|replaced_existing_layer|matched_by_name|\[\{'|\{'|None\b")


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from zaitaku_map.demo import generate_files

    folder = tmp_path_factory.mktemp("demofiles")
    generate_files(folder)
    return folder


def test_every_demo_file_is_detected_as_what_it_is(demo_files: Path) -> None:
    manifest = json.loads((demo_files / "manifest.json").read_text(encoding="utf-8"))
    expected = {rel: MANIFEST_KINDS[group] for group, files in manifest["files"].items() for rel in files}
    assert len(expected) >= 20
    for rel, kind in expected.items():
        d = detect_file(demo_files / rel)
        assert d.kind == kind, (rel, d)
    areas = {rel: detect_file(demo_files / rel).layer for rel in manifest["files"]["areas"]}
    assert areas == {
        "areas/二次医療圏_市区町村対応表.csv": "二次医療圏",
        "areas/保健所圏域一覧.xlsx": "保健所圏域",
    }
    assert detect_file(demo_files / "facilities/houkatsu_list.xlsx").category == "houkatsu"
    for note in ("manifest.json", "README_デモデータ.txt"):
        d = detect_file(demo_files / note)
        assert d.kind is None and d.reason == "note"


@pytest.mark.realdata
def test_every_real_file_is_detected_as_what_it_is(realdata: Path) -> None:
    expected: dict[str, tuple[str, str]] = {
        "n03/N03-21_31_210101.json": ("boundaries", "n03"),
        "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx": ("facilities", "kouseikyoku"),
        "iryojoho/01-1_hospital_facility_info_20250601.zip": ("facilities", "iryojoho"),
        "areas/municipality_to_iryoken2.csv": ("areas", "area_table"),
        "areas/population_iryoken2_2020census.csv": ("population", "area_population"),
        "demand/構想区域別の医療需要推計_R7_001728462.xlsx": ("projection", "mhlw_demand"),
        "towns/geolonia_towns_tottori_shi.json": ("reference", "town_json"),
    }
    for rel, (kind, detail) in expected.items():
        d = detect_file(realdata / rel)
        assert (d.kind, d.detail) == (kind, detail), (rel, d)
    assert detect_file(realdata / "areas/municipality_to_iryoken2.csv").layer == "二次医療圏"
    towns = sorted((realdata / "towns/geolonia_31_鳥取県").glob("*.json"))
    assert len(towns) == 19
    assert {(detect_file(t).kind, detect_file(t).detail) for t in towns} == {("reference", "town_json")}
    every = [p for p in realdata.rglob("*") if p.is_file()]
    assert {p.name for p in every if not detect_file(p).usable} <= {"README.md"}


def test_plan_orders_by_dependency_and_groups_mesh(demo_files: Path) -> None:
    files = sorted(p for p in demo_files.rglob("*") if p.is_file())
    plan = plan_import([detect_file(f) for f in reversed(files)])
    kinds = [s.kind for s in plan.steps]
    assert kinds == sorted(kinds, key=KIND_ORDER.index)
    mesh = [s for s in plan.steps if s.kind == "population"]
    assert len(mesh) == 1 and len(mesh[0].paths) == 4  # every 1次メッシュ file in one import
    assert [a.name for a, _b in plan.duplicates] == ["N03-21_99_210101_shp.zip"]  # same N03 as the GeoJSON
    assert {d.path.name for d in plan.skipped} == {"manifest.json", "README_デモデータ.txt"}


def test_a_failing_file_leaves_the_others_imported(demo_files: Path, tmp_path: Path) -> None:
    from zaitaku_map.ingest.report import ingest_lines
    from zaitaku_map.store import create_project

    folder = tmp_path / "downloads"
    folder.mkdir()
    for rel in ("n03/N03-21_99_210101.json", "areas/二次医療圏_市区町村対応表.csv", "towns/99_2024.csv"):
        shutil.copy(demo_files / rel, folder)
    shutil.copy(demo_files / "facilities/jigyosho_130_all_20251001090000.csv", folder)
    # an area table of another prefecture: detected as an area table, refused by the import
    (folder / "13_二次医療圏.csv").write_text(
        "市区町村コード,市区町村名,二次医療圏コード,二次医療圏名\n"
        "13101,千代田区,1301,区中央部\n13102,中央区,1301,区中央部\n13103,港区,1301,区中央部\n",
        encoding="utf-8",
    )
    project = create_project(tmp_path / "p.gpkg")
    report = import_paths(project, [folder], geocode=True)
    by_file = {r.step.paths[0].name: r for r in report.results}
    assert [r.step.kind for r in report.results] == [
        "boundaries",
        "areas",
        "areas",
        "facilities",
        "reference",
    ]
    assert not by_file["13_二次医療圏.csv"].ok and by_file["13_二次医療圏.csv"].error is not None
    assert all(r.ok for name, r in by_file.items() if name != "13_二次医療圏.csv")
    n_fac = project.conn.execute("SELECT count(*) FROM facilities").fetchone()[0]
    assert n_fac > 50  # the 訪問看護 list stayed imported
    assert project.conn.execute("SELECT count(*) FROM area_members").fetchone()[0] == 22
    assert report.geocode is not None and report.geocode["levels"]["town"] > 0
    text = "\n".join(ingest_lines(report))
    assert "取り込めなかったファイル: 1 件（ほかのファイルは取り込み済みです）: 13_二次医療圏.csv" in text
    assert "[圏域の表]  取り込めませんでした" in text
    assert not INTERNAL.search(text), INTERNAL.search(text)
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", text), text  # no English sentence
    project.close()


def test_cli_imports_a_folder_and_geocodes_with_a_reference_folder(
    demo_files: Path, tmp_path: Path, capsys: Any
) -> None:
    from zaitaku_map.cli import main

    folder = tmp_path / "dl"
    for rel in ("n03/N03-21_99_210101.json", "areas/二次医療圏_市区町村対応表.csv"):
        (folder / Path(rel).parent).mkdir(parents=True, exist_ok=True)
        shutil.copy(demo_files / rel, folder / rel)
    shutil.copy(demo_files / "facilities/99_デモ県_届出受理医療機関名簿_2025-10.xlsx", folder)
    refs = tmp_path / "refs"
    refs.mkdir()
    shutil.copy(demo_files / "towns/99_2024.csv", refs)
    (refs / "メモ.docx").write_bytes(b"PK\x03\x04 not really")
    proj = tmp_path / "p.gpkg"
    assert main(["init", str(proj), "-q"]) == 0
    capsys.readouterr()
    assert main(["import", str(proj), str(folder), "-q"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("対象都道府県: 99")
    assert (
        out.index("行政区域を取り込みました")
        < out.index("圏域レイヤー「二次医療圏」")
        < out.index("届出受理医療機関名簿")
    )
    assert "施設の位置（" in out  # a folder is geocoded at the end
    assert main(["geocode", str(proj), "-r", str(refs), "--json", "-q"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["levels"]["town"] + res["levels"].get("block", 0) > 0
    assert [r["file"] for r in res["references"]] == ["99_2024.csv"]
    assert res["references_skipped"] == [{"file": "メモ.docx", "reason": "unsupported"}]
    assert "_report" not in res


def test_core_messages_reach_the_user_in_japanese_only() -> None:
    from zaitaku_map.errors import GeodataError, InputDataError
    from zaitaku_map.ingest.report import error_text
    from zaitaku_map.messages import MESSAGES_JA, format_error

    for english, japanese in MESSAGES_JA.items():
        text = format_error(InputDataError(english, file="/x/a.csv"))
        assert japanese in text and english not in text, text
    # an unlisted English message is left out; the class sentence, place and what to do remain
    text = format_error(GeodataError("some internal detail nobody translated", file="/x/b.json"))
    assert "internal detail" not in text and "b.json" in text and "対処:" in text
    # the report's dict form (as kept in --json) renders the same way
    line = error_text(
        {"error": "InputDataError", "message": "JSON is not a list of town points", "file": "t.json"}
    )
    assert "町丁目の代表点の一覧ではありません" in line and "JSON is not" not in line
