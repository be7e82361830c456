"""鳥取 with the real MHLW 構想区域別の医療需要推計 (skipped without ../shared/realdata).

Option A (one 圏域 per 二次医療圏 = 構想区域) carries the file's 在宅（訪問診療） values for every 年度 exactly
(東部 2040年度: 2,560.5 件/月) and peaks in 2045.  The real samples hold no municipal population: a
municipal option has no demand until the user adds a municipal projection — shown here with a
made-up municipal 75+ table (the sums per 構想区域 then equal the file's values).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.realdata

MHLW = "demand/構想区域別の医療需要推計_R7_001728462.xlsx"
TOTTORI_2040 = {"3101": 2560.512208460844, "3102": 1037.1588891145761, "3103": 3927.2256261863286}


def _cli(*argv: str) -> Any:
    from zaitaku_map.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([*argv, "--json", "--quiet"])
    assert rc == 0, f"{argv} -> {rc}\n{err.getvalue()}"
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def tottori(realdata: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    d = tmp_path_factory.mktemp("tottori_demand")
    p = str(d / "t.gpkg")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZAITAKU_MAP_CONFIG_DIR", str(d / "config"))
        _cli("init", p, "--prefecture", "31")
        _cli("boundaries", p, str(realdata / "n03/N03-21_31_210101.json"))
        _cli("areas", p, str(realdata / "areas/municipality_to_iryoken2.csv"), "--layer", "二次医療圏")
        _cli("option", p, "create", "案A", "--template", "area", "--layer", "二次医療圏")
        _cli("option", p, "create", "市町村", "--template", "municipal")
    return p, d


def test_option_a_carries_the_file_values(tottori: tuple[str, Path], realdata: Path) -> None:
    p, _d = tottori
    rep = _cli("projection", p, str(realdata / MHLW))
    f = rep["imported"][0]
    assert (f["kind"], f["edition"], f["base_year"], f["projection_label"]) == (
        "mhlw_demand",
        "令和7年度",
        2024,
        "現状投影",
    )
    assert sum(f["other_prefecture_rows"].values()) == 2 * 336  # both sheets, 46 other prefectures
    assert f["area_layer"]["layer"] == "二次医療圏" and f["area_layer"]["matched"] == 3
    ev = _cli("option", p, "evaluate", "案A", "--year", "2040")
    by = {k["ken_key"]: k["demand"] for k in ev["kens"]}
    assert {k: v["home_visit_per_month"]["2040"] for k, v in by.items()} == TOTTORI_2040  # exactly
    assert f"{by['3101']['home_visit_per_month']['2040']:,.1f}" == "2,560.5"
    assert {v["peak_year"] for v in by.values()} == {2045}
    assert {v["method"] for v in by.values()} == {"area"}
    info = _cli("info", p)
    assert [s["kind"] for s in info["projections"]] == ["mhlw_demand"]


def test_municipal_option_needs_municipal_figures(tottori: tuple[str, Path], realdata: Path) -> None:
    p, d = tottori
    _cli("projection", p, str(realdata / MHLW))
    ev = _cli("option", p, "evaluate", "市町村")
    assert all(k["demand"]["home_visit_per_month"] is None for k in ev["kens"])
    assert any("按分できない構想区域" in n for n in ev["totals"]["demand"]["notes"])
    status = _cli("projection", p)["status"]
    assert any("市区町村別の将来推計人口" in n for n in status["needs"])
    # a made-up municipal 75+ projection (not real figures) makes the municipal demand: its sums per
    # 構想区域 equal the file
    from zaitaku_map.store import open_project

    with open_project(p) as project:
        units = [c for (c,) in project.conn.execute("SELECT code FROM municipalities ORDER BY code")]
    table = d / "75歳以上_推計.csv"
    lines = ["市区町村コード,年,75歳以上人口"]
    for i, u in enumerate(units):
        for y in (2020, 2025, 2030, 2035, 2040, 2045, 2050):
            lines.append(f"{u},{y},{1000 + 150 * i + (y - 2020) * (3 + i % 4)}")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _cli("projection", p, str(table))
    ev = _cli("option", p, "evaluate", "市町村")
    with open_project(p) as project:
        area = {m: a for m, a in project.conn.execute("SELECT muni_code, area_code FROM area_members")}
    sums: dict[str, float] = {}
    for k in ev["kens"]:
        assert k["demand"]["method"] == "apportioned" and k["demand"]["key"] == "75+"
        a = area[k["municipalities"][0]["code"]]
        sums[a] = sums.get(a, 0.0) + k["demand"]["home_visit_per_month"]["2040"]
    assert sums == pytest.approx(TOTTORI_2040, rel=1e-12)
