"""CLI: ``roads``, ``coverage``, ``isochrone``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from network_fixtures import write_region_osm

from zaitaku_map.cli import build_parser, main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    rc = main(list(argv))
    out = capsys.readouterr().out
    return rc, (json.loads(out) if out.strip().startswith("{") else {"text": out})


def test_cli_roads_coverage_isochrone(synthetic_project, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    build_parser()
    path = str(synthetic_project.path)
    synthetic_project.close()
    osm = write_region_osm(tmp_path / "r.osm")
    table = tmp_path / "speeds.csv"
    table.write_text("class,speed_kmh\nresidential,20\n", encoding="utf-8")
    rc, out = _run(capsys, "roads", path, str(osm), "--speed-table", str(table), "--json")
    assert rc == 0 and out["nodes"] == 965 + 121
    assert out["speed_table"]["speeds_kmh"]["residential"] == 20
    rc, out = _run(capsys, "coverage", path, "--categories", "zaishi,pharmacy", "--bands", "15,30", "--json")
    assert rc == 0
    assert out["mode"] == "network" and out["parameters"]["speed_table"]["speeds_kmh"]["residential"] == 20
    z = out["categories"]["zaishi"]
    assert {"pop_total", "covered", "uncovered", "share", "by_municipality", "by_layer", "bands"} <= set(z)
    assert z["covered"] + z["uncovered"] == pytest.approx(z["pop_total"])
    assert set(z["bands"]) == {"15", "30"}
    rc, slow = _run(capsys, "coverage", path, "--categories", "zaishi", "--speed-kmh", "10", "--json")
    assert slow["categories"]["zaishi"]["covered"] < z["covered"]
    rc, st = _run(capsys, "coverage", path, "--categories", "zaishi", "--mode", "straight", "--json")
    assert st["mode"] == "straight" and "直線距離" in st["description_ja"]
    rc, iso = _run(
        capsys,
        "isochrone",
        path,
        "--lon",
        "133.05",
        "--lat",
        "34.25",
        "--minutes",
        "10",
        "--speed-kmh",
        "30",
        "--json",
    )
    assert rc == 0 and iso["reached_nodes"] > 0 and iso["polygon"]["type"] == "MultiPolygon"
    assert iso["reached_points"] == len(iso["reached_fids"]) > 0
    rc, fac = _run(capsys, "coverage", path, "--categories", "houkatsu", "--facilities", "--json")
    rows = fac["categories"]["houkatsu"]["by_facility"]
    assert len(rows) == 1 and rows[0]["basin_pop"] == fac["categories"]["houkatsu"]["covered"]
    rc, _ = _run(capsys, "coverage", path, "--categories", "nope", "--json")
    assert rc == 3
    rc, text = _run(capsys, "coverage", path, "--categories", "zaishi")
    assert rc == 0 and "在支診・在支病" in text["text"] and "島町" in text["text"]


def test_cli_coverage_unknown_layer_is_named(synthetic_project, capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(synthetic_project.path)
    synthetic_project.close()
    rc, out = _run(
        capsys,
        "coverage",
        path,
        "--categories",
        "zaishi",
        "--mode",
        "straight",
        "--layer",
        "二次医療圏",
        "--json",
    )
    assert rc == 0 and [r["area_code"] for r in out["categories"]["zaishi"]["by_layer"]["二次医療圏"]] == [
        "9901",
        "9902",
        "9903",
    ]
    assert (
        main(["coverage", path, "--categories", "zaishi", "--mode", "straight", "--layer", "保健所圏域"]) == 3
    )
    assert "保健所圏域" in capsys.readouterr().err  # was an empty table before
