"""``zaitaku-map projection``: import, status, settings, bad files; ``info --json`` lists the projections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demand_fixtures import write_demand, write_summary_75
from synthetic import build_synthetic_project

from zaitaku_map.cli import main


@pytest.fixture
def synth_path(tmp_path: Path) -> Path:
    p = build_synthetic_project(tmp_path / "s.gpkg")
    p.set_study_prefectures(["99"])
    p.close()
    return tmp_path / "s.gpkg"


def test_projection_import_status_and_info(
    synth_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d, s = write_demand(tmp_path / "d.xlsx"), write_summary_75(tmp_path / "s.xlsx")
    assert main(["projection", str(synth_path), str(d), str(s)]) == 0
    out = capsys.readouterr().out
    assert "構想区域別の医療需要推計（厚生労働省）を取り込みました" in out
    assert "圏域レイヤー「二次医療圏」と一致: 3 / 3" in out
    assert "対象外の都道府県の行: 2 行" in out
    assert "政令市の合計行（区とは合算しません）: 99100" in out
    assert "9901 中央  2024: 1,000.2" in out  # the status table after the import
    assert "市区町村別の需要: 按分による推計（按分の基準: 75歳以上人口）" in out

    assert main(["projection", str(synth_path), "--json", "--key", "65+", "--growth-min", "0.3"]) == 0
    status = json.loads(capsys.readouterr().out)["status"]
    assert status["params"]["key"] == "65+" and status["params"]["growth_min"] == 0.3  # saved
    assert status["municipal_key"] == "75+"  # no 65+ projection: the next key
    assert [a["area_code"] for a in status["areas"]] == ["9901", "9902", "9903"]
    assert status["areas"][0]["peak_year"] == 2040

    assert main(["info", str(synth_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    kinds = [(p["kind"], p["file"]) for p in info["projections"]]
    assert kinds == [("mhlw_demand", "d.xlsx"), ("projection", "s.xlsx")]
    assert info["projections"][0]["base_year"] == 2024
    assert info["projections"][0]["projection_label"] == "現状投影"


def test_projection_bad_files(synth_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "facilities.csv"
    bad.write_text("名称,住所\nA病院,テスト県東市1\n", encoding="utf-8")
    assert main(["projection", str(synth_path), str(bad)]) == 3
    err = capsys.readouterr().err
    assert "facilities.csv" in err and "構想区域別の医療需要推計" in err
    # one bad file among good ones: the good one is imported, the exit code says a file failed
    good = write_demand(tmp_path / "d.xlsx")
    assert main(["projection", str(synth_path), str(bad), str(good), "--json"]) == 3
    res = json.loads(capsys.readouterr().out)
    assert [f["file"] for f in res["failed"]] == [str(bad)]
    assert [Path(f["file"]).name for f in res["imported"]] == ["d.xlsx"]
    assert main(["projection", str(synth_path), str(good), "--mapping", "{bad"]) == 3
