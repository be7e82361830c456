"""The meeting pack as one PDF: cover, one table of contents whose page numbers are right (read
from the PDF's text), one page numbering, bookmarks, and sections others register."""

from __future__ import annotations

import itertools
import re

import pytest
from export_fixtures import add_options
from pypdf import PdfReader

from zaitaku_map.errors import ExportError
from zaitaku_map.export import ExportRequest, MeetingInfo, PackSection, export_pack
from zaitaku_map.export import sections as sections_mod
from zaitaku_map.export.sections import PackContext, SectionPart, register_section


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _pages(path) -> list[str]:
    return [pg.extract_text() or "" for pg in PdfReader(path).pages]


def _toc_lines(text: str) -> list[tuple[str, int]]:
    """(title, page) pairs of a table-of-contents page: each title line is followed by its page."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = []
    for title, page in itertools.pairwise(lines):
        if re.fullmatch(r"\d+", page) and not re.fullmatch(r"\d+", title):
            out.append((title, int(page)))
    return out


def test_one_pdf_with_cover_and_a_correct_table_of_contents(proj, tmp_path):
    p, a, b = proj
    meeting = MeetingInfo(
        name="第2回 在宅医療の圏域に関する協議の場", date="2026年1月20日", secretariat="テスト県 医療政策課"
    )
    req = ExportRequest(a, compare=(b,), coverage_category="zaishi", meeting=meeting)
    out = export_pack(p, req, tmp_path / "pack.pdf")
    pages = _pages(tmp_path / "pack.pdf")
    assert out.pages == len(pages)
    cover = pages[0]
    for needle in (meeting.name, meeting.date, meeting.secretariat, a, b):
        assert needle in cover, needle
    assert "目次" in pages[1]
    toc = _toc_lines(pages[1])
    titles = [t for t, _ in toc]
    assert titles[:2] == ["圏域図", a] and "圏域案の比較" in titles and f"資源リスト（{a}）" in titles
    assert [t for t in titles if t.startswith("1. ")] == ["1. 中央圏域"]
    # every entry's page (as printed at the foot of the page) shows the entry
    for title, page in toc:
        target = pages[page - 1]
        assert f"{page} / {len(pages)}" in target, title
        expected = {
            "圏域図": "凡例",
            "評価表": "圏域案の評価表",
            f"資源リスト（{a}）": "1. 中央圏域",
            "地図の比較": "圏域案の比較",
            f"市区町村の指標（{a}）": "凡例",
            f"圏域ごとの拡大図（{a}）": "圏域ごとの拡大図",
        }
        assert expected.get(title, title) in target, title
    # bookmarks: the same entries, pointing at the same pages
    r = PdfReader(tmp_path / "pack.pdf")
    marks: list[tuple[str, int]] = []

    def walk(items):
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                marks.append((it.title, r.get_destination_page_number(it) + 1))

    walk(r.outline)
    for title, page in toc:
        assert (title, page) in marks, title
    # the toc of the result says the same
    assert [(e["title"], e["page"]) for e in out.details["toc"]] == toc
    # the cover is remembered for the next pack
    assert out.details["cover"]["name"] == meeting.name
    # numbered pages stay compressed (stamping the numbers used to write them out raw: 3× the bytes)
    for page in r.pages[1:]:
        streams = page["/Contents"].get_object()
        for stream in streams if isinstance(streams, list) else [streams]:
            assert stream.get_object().get("/Filter") == "/FlateDecode"


def test_cover_from_project_setting_and_list_categories(proj, tmp_path):
    p, a, _ = proj
    p.set_setting("meeting", {"name": "圏域検討会", "date": "2026-02-01", "secretariat": "保健所"})
    out = export_pack(p, ExportRequest(a, sections=("lists",)), tmp_path / "p.pdf")
    pages = _pages(tmp_path / "p.pdf")
    assert "圏域検討会" in pages[0] and "保健所" in pages[0]
    assert out.details["sections"] == ["lists"]
    body = "\n".join(pages[2:])
    assert "薬局" not in body.replace("薬局・", "")  # pharmacy lists are off by default
    out = export_pack(
        p, ExportRequest(a, sections=("lists",), list_categories=("pharmacy",)), tmp_path / "q.pdf"
    )
    body = "\n".join(_pages(tmp_path / "q.pdf")[2:])
    assert "薬局（" in body and "在宅療養支援診療所（" not in body


def test_registered_section_joins_toc_numbering_and_bookmarks(proj, tmp_path, monkeypatch):
    p, a, _ = proj
    monkeypatch.setattr(sections_mod, "_REGISTRY", dict(sections_mod._REGISTRY))

    def render(ctx: PackContext) -> list[SectionPart]:
        story = [ctx.heading("需要の見通し"), ctx.heading("東部の伸び", level=2)]
        from reportlab.platypus import PageBreak

        story += [PageBreak(), ctx.heading("二つ目の見出し")]
        return [ctx.story_part(story, title="将来の需要")]

    register_section(PackSection("demand_test", "将来の需要", render, order=40))
    with pytest.raises(ValueError):
        register_section(PackSection("demand_test", "二重", render))
    out = export_pack(p, ExportRequest(a), tmp_path / "pack.pdf")
    assert out.details["sections"] == [
        "maps",
        "evaluation",
        "indicators",
        "demand_test",
        "partners",
        "atlas",
        "lists",
    ]
    pages = _pages(tmp_path / "pack.pdf")
    toc = dict(_toc_lines(pages[1]))
    assert pages[toc["需要の見通し"] - 1].count("需要の見通し") == 1
    assert "二つ目の見出し" in pages[toc["二つ目の見出し"] - 1]
    assert toc["二つ目の見出し"] == toc["需要の見通し"] + 1
    only = export_pack(p, ExportRequest(a, sections=("demand_test",)), tmp_path / "only.pdf")
    assert only.pages == 2 + 2
    with pytest.raises(ExportError):
        export_pack(p, ExportRequest(a, sections=("nonsense",)), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_failing_section_leaves_nothing(proj, tmp_path, monkeypatch):
    p, a, _ = proj
    monkeypatch.setattr(sections_mod, "_REGISTRY", dict(sections_mod._REGISTRY))

    def boom(ctx: PackContext) -> list[SectionPart]:
        raise ExportError("section failed")

    register_section(PackSection("boom", "壊れた部分", boom, order=90))
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old")
    with pytest.raises(ExportError):
        export_pack(p, ExportRequest(a), target, folder=tmp_path / "dir")
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob("*.part*"))


def test_indicators_without_municipal_values_print_a_note_not_empty_maps(proj, tmp_path):
    """Without municipal population (鳥取's real samples have population per 二次医療圏 only) every
    indicator map would be 「データなし」 everywhere: the section says what to import instead."""
    p, a, _b = proj
    with p.transaction():
        p.conn.execute("DELETE FROM demand_points")
        p.conn.execute("DELETE FROM population_sources")
    out = export_pack(p, ExportRequest(a, sections=("maps", "indicators")), tmp_path / "pack.pdf")
    pages = _pages(tmp_path / "pack.pdf")
    indicator_pages = [t for t in pages if "市区町村ごとの値がないため" in t]
    assert len(indicator_pages) == 1
    assert "「75歳以上人口の割合」" in indicator_pages[0] and "市区町村別の人口" in indicator_pages[0]
    assert not any("データなし" in t for t in pages)
    assert out.details["sections"] == ["maps", "indicators"]
