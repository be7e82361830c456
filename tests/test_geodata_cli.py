"""``zaitaku-map boundaries / areas / population`` end to end (JSON and human output)."""

from __future__ import annotations

import json

from geodata_fixtures import write_mesh_text, write_n03_shapefile_zip

from zaitaku_map.cli import build_parser, main


def test_cli_flow(tmp_path, capsys):
    proj = tmp_path / "p.gpkg"
    assert main(["init", str(proj), "--json"]) == 0
    capsys.readouterr()
    assert main(["boundaries", str(proj), str(write_n03_shapefile_zip(tmp_path / "n03.zip")), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["loaded"] == 10 and out["no_code_rows"]["rows"] == 1 and len(out["repaired"]) == 2
    table = tmp_path / "t.csv"
    table.write_text(
        "code,area\n99101,A\n99102,A\n99201,A\n99202,B\n99203,B\n99204,B\n99205,C\n99206,C\n31201,X\n",
        encoding="utf-8",
    )
    assert main(["areas", str(proj), str(table), "--layer", "二次医療圏", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["areas"] == 3 and out["ignored_other_prefectures"] == 1
    assert out["municipalities_without_area"] == [{"code": "99207", "name": "島町"}]
    mesh = tmp_path / "m.txt"
    totals = write_mesh_text(mesh, level="1km")
    assert main(["population", str(proj), str(mesh)]) == 0
    text = capsys.readouterr().out
    assert "秘匿セル" in text and f"{totals['secret']}" in text
    assert main(["info", str(proj), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["municipalities"] == 9 and info["area_layers"] == {"二次医療圏": 3}
    assert info["population"]["unit"] == "mesh1km"
    # human output of boundaries on re-import
    assert main(["boundaries", str(proj), str(tmp_path / "n03.zip")]) == 0
    text = capsys.readouterr().out
    assert "政令市" in text and "所属未定地" in text and "二次医療圏" in text


def test_cli_errors(tmp_path, capsys):
    proj = tmp_path / "p.gpkg"
    main(["init", str(proj)])
    capsys.readouterr()
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["areas", str(proj), str(bad), "--layer", "x", "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["error"] == "GeodataError"
    assert main(["boundaries", str(proj), str(tmp_path / "none.zip")]) == 3
    build_parser()


def test_cli_area_column_override(tmp_path, capsys):
    proj = tmp_path / "p.gpkg"
    main(["init", str(proj)])
    main(["boundaries", str(proj), str(write_n03_shapefile_zip(tmp_path / "n03.zip"))])
    capsys.readouterr()
    t = tmp_path / "t.csv"
    t.write_text("番号,所属,メモ\n1,東市,A圏\n2,西町,B圏\n3,谷村,B圏\n", encoding="utf-8")
    assert (
        main(
            [
                "areas",
                str(proj),
                str(t),
                "--layer",
                "医師会",
                "--muni-column",
                "所属",
                "--area-name-column",
                "メモ",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["loaded"] == 3 and [a["members"] for a in out["area_list"]] == [1, 2]
    assert main(["areas", str(proj), str(t), "--layer", "医師会", "--muni-column", "ない列", "--json"]) == 3


def test_cli_areas_reference_date(tmp_path, capsys):
    proj = tmp_path / "p.gpkg"
    main(["init", str(proj)])
    main(["boundaries", str(proj), str(write_n03_shapefile_zip(tmp_path / "n03.zip"))])
    capsys.readouterr()
    t = tmp_path / "t.csv"
    t.write_text("code,area\n99201,A\n99202,A\n99203,B\n", encoding="utf-8")
    assert main(["areas", str(proj), str(t), "--layer", "医師会"]) == 0
    assert "基準日: 不明（--reference-date で指定できます）" in capsys.readouterr().out
    assert (
        main(["areas", str(proj), str(t), "--layer", "医師会", "--reference-date", "2025-04-01", "--json"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert (out["reference_date"], out["reference_date_origin"]) == ("2025-04-01", "argument")
    t.write_text(
        "医師会の区域（令和7年4月1日現在）\ncode,area\n99201,A\n99202,A\n99203,B\n", encoding="utf-8"
    )
    assert main(["areas", str(proj), str(t), "--layer", "医師会"]) == 0
    assert "基準日: 2025-04-01（表の「現在」の行から）" in capsys.readouterr().out
    assert (
        main(["areas", str(proj), str(t), "--layer", "医師会", "--reference-date", "いつか", "--json"]) == 3
    )
