"""Meeting records, map notes, live edits on a working copy, headline numbers (options/meeting.py,
options/headlines.py) — the Qt-free core of meeting mode."""

from __future__ import annotations

import pytest
from export_fixtures import add_options

from zaitaku_map.coverage import resolve_coverage_params
from zaitaku_map.errors import InputDataError
from zaitaku_map.options import delete_option, evaluate_option, get_option, list_options, rename_option
from zaitaku_map.options.headlines import ken_headlines
from zaitaku_map.options.meeting import (
    add_note,
    discard_working_copy,
    end_meeting,
    get_note,
    log_event,
    meeting_events,
    move_units,
    notes,
    open_working_copies,
    remove_note,
    save_working_copy,
    start_meeting,
    start_working_copy,
    undo_edit,
)


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def test_meeting_record_keeps_events_in_order_with_time(proj):
    p, a, b = proj
    m = start_meeting(p, at="2026-12-03T14:00:00+09:00")
    assert m.title == "会議 2026-12-03" and m.date == "2026-12-03" and m.ended_at is None
    log_event(p, m.id, "option_shown", option=b)
    log_event(p, m.id, "compare_shown", option=a, other=b)
    ended = end_meeting(p, m.id)
    assert ended.ended_at is not None and end_meeting(p, m.id).ended_at == ended.ended_at
    ev = meeting_events(p, m.id)
    assert [e.kind for e in ev] == ["started", "option_shown", "compare_shown", "ended"]
    assert [e.id for e in ev] == sorted(e.id for e in ev) and all(e.at for e in ev)
    assert ev[1].text() == f"{b} を表示"
    assert ev[2].text() == f"{a} と {b} を並べて表示"
    with pytest.raises(InputDataError):
        log_event(p, m.id, "no_such_event")


def test_notes_follow_their_option_and_are_removable(proj, tmp_path):
    import geopandas as gpd

    p, a, b = proj
    m = start_meeting(p)
    pen = add_note(p, a, kind="pen", coords=[(34.25, 133.05), (34.2, 133.1), (34.15, 133.2)], meeting_id=m.id)
    txt = add_note(p, a, kind="text", coords=[(34.1, 133.15)], text="ここに訪問看護", meeting_id=m.id)
    add_note(p, b, kind="text", coords=[(34.1, 133.15)], text="案Bのメモ")
    assert [n.id for n in notes(p, a)] == [pen.id, txt.id]
    assert pen.coords == [(34.25, 133.05), (34.2, 133.1), (34.15, 133.2)] and txt.text == "ここに訪問看護"
    for bad in (
        {"kind": "pen", "coords": [(34.2, 133.1)]},  # one point is no stroke
        {"kind": "text", "coords": [(34.2, 133.1)], "text": "  "},  # empty text
        {"kind": "text", "coords": [(134.2, 33.1)], "text": "x"},  # lat/lon swapped out of range
        {"kind": "circle", "coords": [(34.2, 133.1)]},
    ):
        with pytest.raises(InputDataError):
            add_note(p, a, **bad)  # type: ignore[arg-type]
    with pytest.raises(InputDataError):
        add_note(p, "no such option", kind="text", coords=[(34.2, 133.1)], text="x")
    # QGIS sees the notes as a layer of the project file
    layer = gpd.read_file(p.path, layer="meeting_notes")
    assert sorted(layer.geometry.geom_type) == ["LineString", "Point", "Point"]
    # a rename keeps the notes with the option; removing one is logged with its text
    rename_option(p, a, "案A 改")
    assert [n.option for n in notes(p, "案A 改")] == ["案A 改", "案A 改"]
    remove_note(p, txt.id, meeting_id=m.id)
    assert [n.id for n in notes(p, "案A 改")] == [pen.id]
    assert meeting_events(p, m.id)[-1].text() == "メモ「ここに訪問看護」を削除（案A 改）"
    assert meeting_events(p, m.id)[1].text() == f"線のメモを追加（{a}）"
    with pytest.raises(InputDataError):
        get_note(p, txt.id)
    # deleting the option deletes its notes
    delete_option(p, "案A 改")
    assert p.conn.execute("SELECT COUNT(*) FROM meeting_notes").fetchone()[0] == 1


def test_live_edits_on_a_working_copy_then_saved_by_date(proj):
    p, a, _b = proj
    m = start_meeting(p, at="2026-12-03T14:00:00+09:00")
    before = get_option(p, a).assignments
    copy = start_working_copy(p, m.id, a)
    assert copy.name == f"{a}（会議 2026-12-03 作業中）" and copy.base == a
    res = move_units(p, copy, ["99202"], "K1")  # 西町 from 西部圏域 to 中央圏域
    assert res["moved"] == ["99202"]
    assert get_option(p, copy.name).assignments["99202"] == "K1"
    assert get_option(p, a).assignments == before  # the option shown in the meeting is untouched
    move_units(p, copy, ["99205"], "K2")
    undo_edit(p, copy)
    assert get_option(p, copy.name).assignments["99205"] == before["99205"]
    assert open_working_copies(p) == [copy]
    saved = save_working_copy(p, copy)
    assert saved == f"{a}（会議 2026-12-03）"
    opt = get_option(p, saved)
    assert opt.assignments["99202"] == "K1" and "会議 2026-12-03" in opt.notes
    assert open_working_copies(p) == []
    kinds = [e.kind for e in meeting_events(p, m.id)]
    assert kinds == ["started", "edit_started", "moved", "moved", "undone", "saved"]
    moved = meeting_events(p, m.id)[2]
    assert moved.detail["codes"] == ["99202"] and moved.detail["to_ken"] == "中央圏域"
    assert "中央圏域" in moved.text() and "西部圏域" in moved.text()
    # a second save on the same day gets its own name; a discarded copy disappears
    again = start_working_copy(p, m.id, a)
    assert save_working_copy(p, again) == f"{a}（会議 2026-12-03） 2"
    dropped = start_working_copy(p, m.id, a)
    discard_working_copy(p, dropped)
    assert dropped.name not in [o["name"] for o in list_options(p)]
    assert open_working_copies(p) == []


def test_headlines_agree_with_the_evaluation(proj):
    p, a, _b = proj
    params = resolve_coverage_params(p)
    h = ken_headlines(p, a, coverage_params=params)
    ev = evaluate_option(p, a, coverage_params=params).to_dict()
    assert [k.name for k in h.kens] == [k["name"] for k in ev["kens"] if k["n_municipalities"]]
    assert h.total.population == pytest.approx(ev["totals"]["population"]["pop_total"])
    assert h.total.zaishi == sum(k["zaishi_total"] for k in ev["kens"])
    by_name = {k["name"]: k for k in ev["kens"]}
    for k in h.kens:
        assert k.uncovered_75 == pytest.approx(by_name[k.name]["coverage"]["zaishi"]["pop_75_uncovered"])
    assert any(k.uncovered_75 for k in h.kens)  # the synthetic south is outside 30 minutes
    # no coverage computed: unknown, not zero
    bare = ken_headlines(p, a)
    assert all(k.uncovered_75 is None for k in bare.kens) and bare.total.uncovered_75 is None


def test_meeting_notes_pdf_has_the_map_the_notes_and_the_record(proj, tmp_path):
    from pypdf import PdfReader

    from zaitaku_map.export import ExportRequest
    from zaitaku_map.export.meeting_notes import export_meeting_notes_pdf

    p, a, _b = proj
    m = start_meeting(p, title="第2回 在宅医療協議の場")
    copy = start_working_copy(p, m.id, a)
    move_units(p, copy, ["99202"], "K1")
    add_note(p, copy.name, kind="pen", coords=[(34.25, 133.05), (34.15, 133.2)], meeting_id=m.id)
    add_note(p, copy.name, kind="text", coords=[(34.1, 133.15)], text="南部に訪問看護が必要", meeting_id=m.id)
    saved = save_working_copy(p, copy)
    end_meeting(p, m.id)
    out = export_meeting_notes_pdf(p, ExportRequest(saved), tmp_path / "会議メモ.pdf")
    assert out.details["notes"] == 2 and out.details["meetings"] == ["第2回 在宅医療協議の場"]
    reader = PdfReader(out.path)
    assert len(reader.pages) == out.pages >= 2
    first = reader.pages[0].extract_text()
    assert "会議メモ" in first and "南部に訪問看護が必要" in first  # the text note is on the map
    rest = "".join(pg.extract_text() for pg in reader.pages[1:]).replace("\n", "")
    for needle in ("南部に訪問看護が必要", "第2回 在宅医療協議の場", "西町", "中央圏域へ移動", "として保存"):
        assert needle.replace(" ", "") in rest.replace(" ", ""), needle
    # an option without notes still gets its (empty) list and no meeting
    empty = export_meeting_notes_pdf(p, ExportRequest(_b), tmp_path / "none.pdf")
    assert empty.details["notes"] == 0 and empty.details["meetings"] == []
