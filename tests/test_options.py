"""圏域 options on the synthetic project: templates, edits with undo/redo, roles and functions."""

from __future__ import annotations

import pytest

from zaitaku_map.errors import InputDataError
from zaitaku_map.options import (
    OptionNotFoundError,
    add_hub,
    assign,
    clear_function,
    create_option,
    default_functions,
    delete_ken,
    delete_option,
    duplicate_option,
    facility_functions,
    get_option,
    list_options,
    redo,
    remove_hub,
    rename_option,
    set_active_role,
    set_function,
    set_ken,
    set_option_info,
    unassign,
    undo,
)

ALL_UNITS = ["99101", "99102", "99201", "99202", "99203", "99204", "99205", "99206", "99207"]


def test_template_area_follows_layer(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    res = create_option(
        synthetic_project, "案A", template="area", layer="二次医療圏", author="県庁", plan_period="2024-2029"
    )
    assert res["n_kens"] == 3 and res["unassigned"] == []
    opt = get_option(synthetic_project, "案A")
    assert {k: v["name"] for k, v in opt.kens.items()} == {"9901": "中央", "9902": "西部", "9903": "南部"}
    assert sorted(opt.assignments) == ALL_UNITS  # wards, never the derived 政令市 row
    assert "99100" not in opt.assignments
    assert opt.members()["9903"] == ["99205", "99206", "99207"]
    assert opt.author == "県庁" and opt.plan_period == "2024-2029"
    assert len({v["color"] for v in opt.kens.values()}) == 3


def test_template_unknown_layer_is_explained(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputDataError) as ei:
        create_option(synthetic_project, "x", template="area", layer="老人福祉圏域")
    assert "二次医療圏" in (ei.value.expected or "")


def test_template_municipal_and_designated_city(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    create_option(synthetic_project, "市町村", template="municipal")
    m = get_option(synthetic_project, "市町村")
    assert len(m.kens) == 9 and m.assignments == {u: u for u in ALL_UNITS}
    assert m.kens["99101"]["name"] == "テスト市中央区"

    create_option(synthetic_project, "案C", template="designated_city")
    c = get_option(synthetic_project, "案C")
    assert c.assignments["99101"] == c.assignments["99102"] == "99100"
    assert c.kens["99100"]["name"] == "テスト市"
    assert c.assignments["99201"] == "9901"  # rest as in A
    assert set(c.kens) == {"99100", "9901", "9902", "9903"}

    create_option(synthetic_project, "案C区", template="designated_city", wards=True)
    cw = get_option(synthetic_project, "案C区")
    assert cw.assignments["99101"] == "99101" and cw.assignments["99102"] == "99102"
    assert "99100" not in cw.kens


def test_template_area_split(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    create_option(synthetic_project, "案B", template="area_split", split="東北:99201,99204")
    b = get_option(synthetic_project, "案B")
    assert b.members()["東北"] == ["99201", "99204"]
    assert b.members()["9901"] == ["99101", "99102"]
    # from a base option, and a split that empties a 圏域 removes it
    create_option(synthetic_project, "案A", template="area")
    create_option(
        synthetic_project,
        "案B2",
        template="area_split",
        base="案A",
        split={"南北": ["99205", "99206", "99207"]},
    )
    b2 = get_option(synthetic_project, "案B2")
    assert "9903" not in b2.kens and b2.members()["南北"] == ["99205", "99206", "99207"]
    with pytest.raises(InputDataError):
        create_option(synthetic_project, "案B3", template="area_split", split="X:12345")


def test_assign_undo_redo_every_edit(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="area")
    start = get_option(p, "案")
    assign(p, "案", ["99201", "99204"], "東部北", ken_name="東部北圏域")
    set_ken(p, "案", "9902", new_name="西部（改）", color="#123456")
    hub = add_hub(p, "案", "9901", name="テスト市医師会", body_type="medical_association")
    set_option_info(p, "案", notes="協議用")
    unassign(p, "案", ["99207"])
    after = get_option(p, "案")
    assert after.assignments["99201"] == "東部北" and after.kens["東部北"]["name"] == "東部北圏域"
    assert "99207" not in after.assignments
    assert after.kens["9902"] == {"name": "西部（改）", "color": "#123456", "notes": None}
    assert after.hubs[0]["name"] == "テスト市医師会" and after.notes == "協議用"

    for expected in ("市区町村の割当変更（1件）", "案の情報を変更", "連携拠点「テスト市医師会」を追加"):
        assert undo(p, "案")["undone"] == expected
    mid = get_option(p, "案")
    assert mid.hubs == [] and mid.notes == "" and "99207" in mid.assignments
    undo(p, "案")
    res = undo(p, "案")
    assert res["can_undo"] == 0 and res["can_redo"] == 5
    back = get_option(p, "案")
    assert back.kens == start.kens and back.assignments == start.assignments
    assert undo(p, "案")["undone"] is None

    for _ in range(5):
        redo(p, "案")
    again = get_option(p, "案")
    assert again.kens == after.kens and again.assignments == after.assignments
    assert [h["id"] for h in again.hubs] == [hub["id"]]
    assert redo(p, "案")["redone"] is None

    # a new edit after undo drops the redo tail
    undo(p, "案")
    assign(p, "案", ["99206"], "9902")
    assert redo(p, "案")["redone"] is None
    assert list_options(p)[0]["can_redo"] == 0


def test_noop_edit_not_recorded(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    create_option(synthetic_project, "案", template="area")
    res = assign(synthetic_project, "案", ["99101"], "9901")
    assert res["changed"] is False
    assert undo(synthetic_project, "案")["undone"] is None


def test_delete_ken_and_undo(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="area")
    add_hub(p, "案", "9903", facility_id=2)
    delete_ken(p, "案", "9903")
    opt = get_option(p, "案")
    assert "9903" not in opt.kens and "99205" not in opt.assignments and opt.hubs == []
    undo(p, "案")
    opt = get_option(p, "案")
    assert opt.members()["9903"] == ["99205", "99206", "99207"]
    assert opt.hubs[0]["facility_id"] == 2 and opt.hubs[0]["name"] == "北区ホームクリニック"


def test_rename_duplicate_delete(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    add_hub(p, "案A", "9901", name="保健所")
    duplicate_option(p, "案A", "案A2")
    copy = get_option(p, "案A2")
    assert copy.assignments == get_option(p, "案A").assignments and copy.hubs[0]["name"] == "保健所"
    assert copy.params["copied_from"] == "案A"
    rename_option(p, "案A2", "案X")
    assert [o["name"] for o in list_options(p)] == ["案A", "案X"]
    assert undo(p, "案X")["option"] == "案A2"
    with pytest.raises(InputDataError):
        rename_option(p, "案A2", "案A")
    with pytest.raises(InputDataError):
        create_option(p, "案A", template="area")
    delete_option(p, "案A2")
    assert [o["name"] for o in list_options(p)] == ["案A"]
    assert p.conn.execute("SELECT count(*) FROM option_assignments").fetchone()[0] == 9
    with pytest.raises(OptionNotFoundError):
        get_option(p, "案A2")


def test_assign_validates_codes_and_expands_city(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="municipal")
    with pytest.raises(InputDataError) as ei:
        assign(p, "案", ["99201", "12345"], "X")
    assert "12345" in str(ei.value.value)
    assert "X" not in get_option(p, "案").kens  # nothing changed
    res = assign(p, "案", "99100", "市")  # 政令市 code = all its wards
    assert sorted(res["moved"]) == ["99101", "99102"]


def test_roles_and_hubs(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="area")
    set_active_role(p, 4, True)
    assert p.conn.execute("SELECT active_role FROM facilities WHERE id=4").fetchone()[0] == 1
    set_active_role(p, 4, False)
    assert p.conn.execute("SELECT active_role FROM facilities WHERE id=4").fetchone()[0] == 0
    with pytest.raises(InputDataError):
        set_active_role(p, 999, True)
    add_hub(p, "案", "9901", name="テスト市在宅医療・介護連携支援センター", body_type="renkei_center")
    add_hub(p, "案", "9902", facility_id=6)
    hubs = get_option(p, "案").hubs
    assert [(h["ken_key"], h["body_type"]) for h in hubs] == [("9901", "renkei_center"), ("9902", "facility")]
    with pytest.raises(InputDataError):
        add_hub(p, "案", "nope", name="x")
    with pytest.raises(InputDataError):
        add_hub(p, "案", "9901")
    remove_hub(p, "案", "9902", facility_id=6)
    assert len(get_option(p, "案").hubs) == 1


def test_function_defaults_and_overrides(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    funcs = facility_functions(p)
    assert funcs[1] == {2, 3, 4}  # 在支診
    assert funcs[4] == {1, 2, 3, 4}  # 在支病
    assert funcs[11] == {1, 3}  # hospital with beds: 退院支援 and temporary admission
    assert funcs[5] == {2, 3, 4}  # 訪問看護
    assert funcs[7] == {2}  # 薬局
    assert 9 not in funcs  # 地域包括支援センター: partner, no function by default
    assert funcs[10] == {4}  # 特養: 看取り
    set_function(p, 9, 1, True)
    set_function(p, 1, 4, False)
    funcs = facility_functions(p)
    assert funcs[9] == {1} and funcs[1] == {2, 3}
    clear_function(p, 1, 4)
    assert facility_functions(p)[1] == {2, 3, 4}
    with pytest.raises(InputDataError):
        set_function(p, 1, 5, True)
    assert default_functions("clinic", beds=19) == {3}
    assert default_functions("clinic") == set()
    assert default_functions("care_facility", subtype="認知症対応型共同生活介護") == set()
    assert default_functions("hospital", designations={"zaishi_hospital"}) == {1, 2, 3, 4}


def test_role_and_function_edits_undoable_in_option(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="area")
    set_active_role(p, 4, True, option="案")
    set_function(p, 9, 1, True, option="案")
    set_function(p, 1, 4, False, option="案")
    assert facility_functions(p)[9] == {1} and facility_functions(p)[1] == {2, 3}
    assert undo(p, "案")["undone"] == "「中央在宅クリニック」の機能①〜④を変更"
    assert facility_functions(p)[1] == {2, 3, 4}
    undo(p, "案")
    assert 9 not in facility_functions(p)
    assert "積極的役割" in undo(p, "案")["undone"]
    assert p.conn.execute("SELECT active_role FROM facilities WHERE id=4").fetchone()[0] == 0
    redo(p, "案")
    assert p.conn.execute("SELECT active_role FROM facilities WHERE id=4").fetchone()[0] == 1


def test_ken_may_be_named_by_its_display_name(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案", template="area")
    res = assign(p, "案", ["99204"], "中央")  # the name of 圏域 9901
    assert res["ken_key"] == "9901" and get_option(p, "案").assignments["99204"] == "9901"
    assert add_hub(p, "案", "南部", name="保健所")["ken_key"] == "9903"
    assert len(get_option(p, "案").kens) == 3


def test_cli_says_when_it_waits_for_another_process(synthetic_project, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A command on a project another process is writing waits and says so on stderr, then works."""
    import json
    import subprocess
    import sys

    from zaitaku_map.cli import main

    path = str(synthetic_project.path)
    create_option(synthetic_project, "案A", template="area", layer="二次医療圏")
    synthetic_project.close()
    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"lock_wait_s": 30}))
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1]); c.isolation_level = None\n"
        "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(2.0)\n"
        "c.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        rc = main(["option", path, "list", "--json"])
    finally:
        holder.wait()
    out, err = capsys.readouterr()
    assert rc == 0
    assert "他の処理がこのプロジェクトを使用中です" in err and "秒待っています" in err
    assert [o["name"] for o in json.loads(out)["options"]] == ["案A"]
