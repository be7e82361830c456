"""``zaitaku-map suggest`` and ``zaitaku-map scenario`` on the synthetic project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from network_fixtures import region_builder

from zaitaku_map.cli import main
from zaitaku_map.network import import_roads


@pytest.fixture
def proj(synthetic_project, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    p = synthetic_project
    import_roads(p, region_builder().write_xml(tmp_path / "r.osm"))
    for fid, lon, lat, muni in ((50, 133.16, 34.06, "99206"), (51, 133.05, 34.05, "99205")):
        p.conn.execute(
            "INSERT INTO facilities (id, category, name, muni_code, status, lon, lat, geocode_level) "
            "VALUES (?, 'clinic', ?, ?, 'open', ?, ?, 'source')",
            (fid, f"診療所{fid}", muni, lon, lat),
        )
    p.conn.commit()
    path = str(p.path)
    p.close()
    return path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()  # only this command's output (earlier commands printed their human text)
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_suggest_json_and_to_scenario(proj: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(
        capsys,
        [
            "suggest",
            proj,
            "--category",
            "zaishi",
            "--k",
            "2",
            "--candidates",
            "clinics,grid",
            "--exact",
            "--to-scenario",
            "S",
        ],
    )
    assert {"sites", "baseline_covered", "method", "gap", "gain_curve"} <= out.keys()
    assert out["method"] == "lazy_greedy+milp" and out["gap"] is not None
    site = out["sites"][0]
    assert {"rank", "label", "gain", "gain_75", "cumulative", "lon", "lat"} <= site.keys()
    assert site["cumulative"] == pytest.approx(out["baseline_covered"] + site["gain"], abs=0.11)
    assert out["scenario"] == "S"
    ev = _json(capsys, ["scenario", proj, "evaluate", "S"])
    assert ev["covered_after"] == pytest.approx(out["sites"][-1]["cumulative"], abs=0.2)
    # human output names the method and the columns
    assert main(["suggest", proj, "--k", "1", "--candidates", "clinics", "--target-share", "0.99"]) == 0
    text = capsys.readouterr().out
    assert "貪欲法" in text and "新たにカバー" in text and "目標 99%" in text


def test_scenario_commands(proj: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenario", proj, "create", "S1", "--category", "zaishi"]) == 0
    add = _json(
        capsys, ["scenario", proj, "add", "S1", "--lon", "133.15", "--lat", "34.05", "--label", "谷村案"]
    )
    assert add["changed"] and add["delta_covered"] > 0
    gain = _json(capsys, ["scenario", proj, "add", "S1", "--gain", "51"])
    assert "在支診" in gain["description"]
    assert _json(capsys, ["scenario", proj, "close", "S1", "3"])["changed"]
    undo = _json(capsys, ["scenario", proj, "undo", "S1"])
    assert undo["description"].startswith("取り消し")
    show = _json(capsys, ["scenario", proj, "show", "S1"])
    assert [s["label"] for s in show["sites"]] == ["谷村案"] and show["can_redo"] == 1
    assert _json(
        capsys, ["scenario", proj, "move", "S1", "--site", "1", "--lon", "133.14", "--lat", "34.04"]
    )["changed"]
    assert _json(capsys, ["scenario", proj, "remove", "S1", "--facility", "51"])["changed"]
    ev = _json(capsys, ["scenario", proj, "evaluate", "S1"])
    assert ev["hypothetical_sites"] == 1 and ev["gain"] > 0
    south = {a["key"]: a for a in ev["areas"]["二次医療圏"]}["9903"]
    assert south["uncovered_after"] < south["uncovered_before"]
    listing = _json(capsys, ["scenario", proj, "list"])
    assert [(s["name"], s["sites"], s["changes"]) for s in listing["scenarios"]] == [("S1", 1, 0)]
    # a position off the road network is bad input (exit 3), and nothing is recorded
    assert main(["scenario", proj, "add", "S1", "--lon", "133.25", "--lat", "33.97"]) == 3
    assert "道路から" in capsys.readouterr().err
    assert main(["scenario", proj, "evaluate", "nope"]) == 3
    assert main(["scenario", proj, "delete", "S1"]) == 0


def test_scenario_pdf(proj: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pypdf import PdfReader

    assert main(["option", proj, "create", "案A", "--template", "area"]) == 0
    assert main(["scenario", proj, "create", "S1"]) == 0
    assert (
        main(["scenario", proj, "add", "S1", "--lon", "133.15", "--lat", "34.05", "--label", "谷村案"]) == 0
    )
    assert main(["scenario", proj, "add", "S1", "--gain", "51"]) == 0
    assert main(["scenario", proj, "close", "S1", "3"]) == 0
    capsys.readouterr()
    out = _json(
        capsys, ["scenario", proj, "export", "S1", "--option", "案A", "--pdf", str(tmp_path / "s.pdf")]
    )
    assert out["pages"] == 2 and out["counts"] == {"sites": 1, "changes": 2, "steps": 3}
    reader = PdfReader(tmp_path / "s.pdf")
    assert [o.title for o in reader.outline] == ["案A＋S1（地図）", "案A＋S1（表）"]
    table = reader.pages[1].extract_text()
    assert "案A＋S1" in table and "谷村案" in table and "カバー外（シナリオ）" in table
    assert "2 / 2" in table and "1 / 1" not in table  # one numbering over the map and the tables
    assert "1 / 2" in reader.pages[0].extract_text()
    assert "仮想施設（シナリオの検討用・実在しない）" in reader.pages[0].extract_text()  # the map's key
    # hypothetical sites are drawn and labelled as such (map labels are outlined paths in the PDF)
    from matplotlib.figure import Figure

    from zaitaku_map.export.scenario_doc import draw_scenario_edits
    from zaitaku_map.remedies import get_scenario
    from zaitaku_map.remedies.coverage import scenario_map
    from zaitaku_map.store import open_project

    with open_project(proj) as p:
        smap = scenario_map(p, get_scenario(p, "S1").state)
    ax = Figure().add_subplot(1, 1, 1)
    assert draw_scenario_edits(ax, "EPSG:6671", smap) == 3
    texts = {t.get_text() for t in ax.texts}
    assert {"仮想: 谷村案", "休止: 西町診療所", "診療所51（→在支診）"} <= texts


def test_scenario_pack_section_registered() -> None:
    from zaitaku_map.export.request import ExportRequest
    from zaitaku_map.export.sections import chosen_sections, registered_sections

    assert "scenario" in [s.key for s in registered_sections()]
    assert "scenario" not in [s.key for s in chosen_sections(ExportRequest(option="案A"))]
    asked = ExportRequest(option="案A", scenario="S1", sections=("maps", "scenario"))
    assert [s.key for s in chosen_sections(asked)] == ["maps", "scenario"]
