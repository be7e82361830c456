"""Interactive HTML map export (folium): one self-contained, offline file per option."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import add_options

from zaitaku_map.cli import main
from zaitaku_map.coverage import resolve_coverage_params
from zaitaku_map.errors import ExportError
from zaitaku_map.export import ExportRequest
from zaitaku_map.export.htmlmap import export_html_map

XSS = '<img src=x onerror="window.__xss=1">'
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I
)


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _facility_rows(text: str) -> list[list[Any]]:
    """Every facility row written into the page (one ``zm.facilities`` call per category layer)."""
    rows: list[list[Any]] = []
    for m in re.finditer(r"zm\.facilities\(\w+, (\{.*?\})\);", text):
        rows += json.loads(m.group(1))["rows"]
    return rows


def _placed(project: Any, categories: tuple[str, ...] | None = None) -> int:
    q = "SELECT COUNT(*) FROM facilities WHERE status='open' AND lon IS NOT NULL"
    if categories:
        q += f" AND category IN ({','.join('?' * len(categories))})"
    return int(project.conn.execute(q, categories or ()).fetchone()[0])


def test_html_map_is_one_offline_file(proj, tmp_path):
    p, a, _ = proj
    p.set_meta("is_demo", "1")
    p.conn.execute("UPDATE facilities SET name=? WHERE id=2", (XSS,))
    p.conn.commit()
    out = export_html_map(p, ExportRequest(a), tmp_path / "map.html")
    path = tmp_path / "map.html"
    text = path.read_text(encoding="utf-8")
    assert out.path == str(path) and out.details["bytes"] == path.stat().st_size
    assert not list(tmp_path.glob("*.part"))
    json.dumps(out.to_dict())  # JSON-ready
    # option, 圏域, demo marking, sources and attribution
    for needle in (
        a,
        "在宅医療の圏域",
        "中央圏域",
        "西部圏域",
        "南部圏域",
        "デモデータ",
        "凡例",
        "2025-10-01",
        "出典表記",
        "在宅療養支援診療所（3）",
        "位置の精度",
    ):
        assert needle in text, needle
    # every placed facility is a marker, once
    rows = _facility_rows(text)
    assert len(rows) == out.counts["markers"] == _placed(p) == 11
    assert sum(out.counts["facilities"].values()) == 11 and out.counts["kens"] == 3
    # Leaflet inlined; nothing loaded from the network (links in text are fine)
    assert "Leaflet 1.9.4" in text and "L.map(" in text
    assert "<script src" not in text and not EXTERNAL.search(text)
    assert not re.search(r"""<link\b[^>]*href\s*=\s*["']?https?:""", text)
    assert "cdn.jsdelivr" not in text and "jquery" not in text.lower() and "bootstrap" not in text.lower()
    assert "Content-Security-Policy" in text and "connect-src 'none'" in text
    # coordinates rounded to 5 decimals
    assert rows[0][0] == round(rows[0][0], 5)
    assert not re.search(r"\d+\.\d{6,}", text.split("L.map(", 1)[1])
    # imported names never become markup
    assert XSS not in text and "<img src=x" not in text
    assert any(r[2] == XSS for r in rows)


def test_html_map_write_is_atomic(proj, tmp_path, monkeypatch):
    p, a, _ = proj
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")

    def boom(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ExportError):
        export_html_map(p, ExportRequest(a), target)
    assert target.read_text(encoding="utf-8") == "old"
    assert not list(tmp_path.glob("*.part"))


def test_html_map_coverage_and_categories(proj, tmp_path):
    p, a, _ = proj
    out = export_html_map(
        p,
        ExportRequest(
            a,
            categories=("zaishi",),
            coverage_category="zaishi",
            coverage_params=resolve_coverage_params(p, minutes=20.0),
        ),
        tmp_path / "c.html",
    )
    text = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert (
        out.details["coverage"]["category"] == "zaishi" and out.details["coverage"]["params"]["minutes"] == 20
    )
    assert out.details["coverage"]["bands"] == 3 and out.details["coverage"]["gap_points"] > 0
    assert "20分圏外の人口（地点）" in text and "到達圏の条件" in text and "15分以内" in text
    n = _placed(p, ("zaishi_clinic", "zaishi_hospital"))
    assert len(_facility_rows(text)) == out.counts["markers"] == n > 0
    assert "デモデータ（架空" not in text
    with pytest.raises(ExportError):
        export_html_map(p, ExportRequest(a, categories=("nope",)), tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_cli_export_html(proj, tmp_path, capsys):
    p, a, _ = proj
    path = str(p.path)
    p.close()
    rc = main(["export", path, "--option", a, "--html", str(tmp_path / "m.html"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["html"]["counts"]["markers"] == 11
    assert (tmp_path / "m.html").stat().st_size == out["html"]["details"]["bytes"]


@pytest.mark.gui
def test_html_map_renders_offline_in_webengine(proj, tmp_path, qtbot):
    """The page draws with no network: Leaflet is there and the layers are on the map."""
    pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
    from PySide6.QtCore import QCoreApplication, QEvent, QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView

    p, a, _ = proj
    out = export_html_map(p, ExportRequest(a, coverage_category="zaishi"), tmp_path / "map.html")
    view = QWebEngineView()
    view.resize(1000, 700)
    view.show()
    try:
        view.load(QUrl.fromLocalFile(str(Path(out.path))))
        box: dict[str, Any] = {}
        probe = """JSON.stringify({
            L: typeof L,
            layers: window.zmMap ? (function () { var n = 0; zmMap.eachLayer(function () { n++; }); return n; })() : 0,
            markers: window.zmMap ? (function () { var n = 0; zmMap.eachLayer(function (l) {
                if (l instanceof L.CircleMarker && l.options.stroke !== false) { n++; } }); return n; })() : 0,
            overlays: document.querySelectorAll('.leaflet-control-layers-overlays label').length,
            title: (document.querySelector('.zm-title') || {}).textContent || ''
        })"""

        def poll() -> bool:
            view.page().runJavaScript(probe, 0, lambda v: box.update(json.loads(v) if v else {}))
            return box.get("layers", 0) > 0

        qtbot.waitUntil(poll, timeout=20000)
        assert box["L"] == "object"
        # every facility is a marker, but the categories a printed map leaves out (薬局, 包括 …) start
        # switched off in the layer list: on the map are 在支診・在支病・訪問看護・病院
        on = ("zaishi_clinic", "zaishi_hospital", "home_nursing", "hospital")
        assert out.counts["markers"] == 11
        assert box["markers"] == sum(n for c, n in out.counts["facilities"].items() if c in on) == 7
        assert box["overlays"] >= 5 and a in box["title"]
    finally:
        view.close()
        view.page().deleteLater()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
