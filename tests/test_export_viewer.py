"""委員配布用ビューア (export --viewer): every option in one self-contained, offline HTML file.

The core tests read the written file; the browser test opens it in QtWebEngine offscreen, clicks
through (option tabs, ← / →, a layer toggle, the search box) and intercepts every request the page
makes.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import OPTION_A, OPTION_B, add_options

from zaitaku_map.cli import main
from zaitaku_map.errors import ExportError
from zaitaku_map.export import ExportRequest
from zaitaku_map.export.colors import color_distance
from zaitaku_map.export.data import load_export_data
from zaitaku_map.export.mapdraw import GAP_COLOR
from zaitaku_map.export.viewer import ViewerSpec, export_viewer, viewer_document


def _printed_colors(project: Any, option: str) -> dict[str, str]:
    kens = load_export_data(project, ExportRequest(option)).kens
    return dict(zip(kens["ken_key"], kens["color"], strict=True))


XSS = '<img src=x onerror="window.__xss=1">'
SCRIPT_BREAK = "</script><script>window.__xss=2</script>"


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _data_block(text: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="zm-data">(.*?)</script>', text, re.S)
    assert m is not None
    return json.loads(m.group(1))


def _hostile_names(p: Any, a: str) -> None:
    """Names from imported files are data: put markup into a facility, a 圏域 and an option note."""
    p.conn.execute("UPDATE facilities SET name=? WHERE id=2", (XSS,))
    p.conn.execute("UPDATE facilities SET address=? WHERE id=3", (SCRIPT_BREAK,))
    p.conn.execute("UPDATE option_kens SET name=? WHERE ken_key='K3'", ("南部<b>圏域</b>",))
    p.conn.execute("UPDATE options SET notes=? WHERE name=?", (SCRIPT_BREAK, a))
    p.conn.commit()


def test_document_holds_every_option_and_its_table(proj):
    p, a, b = proj
    doc = viewer_document(p)
    d = doc.doc
    assert doc.options == [a, b] and [o["name"] for o in d["options"]] == [a, b]
    assert doc.municipalities == 9 and doc.facilities == 11
    codes = [f["properties"]["c"] for f in d["munis"]["features"]]
    for o, spec in zip(d["options"], (OPTION_A, OPTION_B), strict=True):
        names = [k["name"] for k in o["kens"]]
        assert names == [n for _k, n, _c in spec["kens"]]
        # the assignment of every municipality, as indexes into this option's 圏域
        keys = [k["key"] for k in o["kens"]]
        assert [keys[i] for i in o["assign"]] == [spec["assign"][c] for c in codes]
        assert len(o["outline"]["features"]) == len(spec["kens"])
        assert len(o["table"]["rows"]) == len(spec["kens"])
        assert o["table"]["rows"][0][0] == names[0]
        assert len(o["fac_ken"]) == 11 and all(-1 <= k < len(keys) for k in o["fac_ken"])
    # coverage of the two default categories (bands nest: ranks 0..n-1), people outside listed
    assert doc.coverage == ["zaishi", "home_nursing"]
    for c in d["coverage"]:
        ranks = sorted(f["properties"]["r"] for f in c["bands"]["features"])
        assert ranks == list(range(len(ranks))) and ranks
    assert d["coverage"][0]["show_gaps"] and not d["coverage"][1]["show_gaps"]
    # the people outside coverage look as in the printed maps, and like no facility
    assert d["style"]["gap_color"] == GAP_COLOR
    assert GAP_COLOR not in {g["color"] for g in d["facilities"]}
    assert all(color_distance(GAP_COLOR, g["color"]) > 20 for g in d["facilities"])
    # the evaluation's totals agree with the facilities of the document
    heads = [c[0] for c in d["options"][0]["table"]["cols"]]
    total = d["options"][0]["table"]["total"]
    n_fac = sum(g["count"] for g in d["facilities"] if g["cat"] == "zaishi_clinic")
    assert total[heads.index("n_zaishi_clinic")] == str(n_fac) == "3"


def test_no_coverage_and_explicit_coverage(proj):
    p, _a, _b = proj
    assert viewer_document(p, ViewerSpec(coverage_categories=())).coverage == []
    assert viewer_document(p, ViewerSpec(coverage_categories=["home_nursing"])).coverage == ["home_nursing"]
    with pytest.raises(ExportError):
        viewer_document(p, ViewerSpec(coverage_categories=["no_such_category"]))


def test_page_is_self_contained_escaped_and_carries_its_font(proj, tmp_path):
    from fontTools.ttLib import TTFont

    p, a, _b = proj
    p.set_meta("is_demo", "1")
    _hostile_names(p, a)
    rep = export_viewer(p, tmp_path / "viewer.html")
    path = tmp_path / "viewer.html"
    text = path.read_text(encoding="utf-8")
    assert rep.bytes == path.stat().st_size and rep.path == str(path)
    assert not list(tmp_path.glob("*.part*"))
    json.dumps(rep.as_dict())
    # the policy comes before anything that could load and forbids every request
    head = text[: text.index("<script")]
    assert '<meta http-equiv="Content-Security-Policy"' in head
    assert "default-src 'none'" in head and "connect-src 'none'" in head
    assert not re.search(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=", text, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", text, re.I)
    # markup in data stays data: nothing closes the JSON block early, the values come back intact
    assert text.count("</script>") == text.count("<script")
    assert XSS not in text and SCRIPT_BREAK not in text
    data = _data_block(text)
    names = [r[2] for g in data["facilities"] for r in g["rows"]]
    addresses = [r[4] for g in data["facilities"] for r in g["rows"]]
    assert XSS in names and SCRIPT_BREAK in addresses
    assert data["options"][0]["notes"] == SCRIPT_BREAK
    assert "南部<b>圏域</b>" in [k["name"] for k in data["options"][0]["kens"]]
    assert data["meta"]["is_demo"] is True
    # the embedded font: a WOFF subset of IPAexGothic with a glyph for every character of the data
    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", text)
    assert m is not None
    font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
    cmap = font.getBestCmap()
    shown = (
        "".join(names)
        + "".join(k["name"] for o in data["options"] for k in o["kens"])
        + data["meta"]["title"]
    )
    missing = {ch for ch in shown if ord(ch) not in cmap and not ch.isspace()}
    assert not missing
    assert rep.glyphs == len(font.getGlyphOrder()) < 2000 and rep.font_bytes < 300_000


def test_write_is_atomic(proj, tmp_path, monkeypatch):
    """A write that fails half way leaves the previous file as it was and no temporary file."""
    p, _a, _b = proj
    out = tmp_path / "out"
    out.mkdir()
    target = out / "viewer.html"
    target.write_text("previous", encoding="utf-8")
    real = Path.write_text

    def half_then_fail(self: Path, text: str, *args: Any, **kw: Any) -> int:
        real(self, text[: len(text) // 2], *args, **kw)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(ExportError) as err:
        export_viewer(p, target)
    monkeypatch.undo()
    assert err.value.file is not None
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(x.name for x in out.iterdir()) == ["viewer.html"]


def test_cli_export_viewer_needs_no_option(proj, tmp_path, capsys):
    p, a, b = proj
    path = str(p.path)
    p.close()
    out_file = tmp_path / "委員配布用.html"
    rc = main(["export", path, "--viewer", str(out_file), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["viewer"]["options"] == [a, b]
    assert out["viewer"]["bytes"] == out_file.stat().st_size
    rc = main(["export", path, "--pdf", str(tmp_path / "x.pdf")])
    assert rc == 3 and not (tmp_path / "x.pdf").exists()  # other outputs still need --option


# ---------------------------------------------------------------------------------------------- browser


@pytest.mark.gui
def test_viewer_in_webengine_switches_options_with_no_request(proj, tmp_path, qtbot):
    """Open the file in Chromium (QtWebEngine, offscreen) and click through it; every request the
    page makes is recorded by an interceptor: the only one is the file itself."""
    pytest.importorskip("PySide6.QtWebEngineWidgets", exc_type=ImportError)
    from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QUrl
    from PySide6.QtTest import QTest
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineUrlRequestInfo,
        QWebEngineUrlRequestInterceptor,
    )
    from PySide6.QtWebEngineWidgets import QWebEngineView

    class Recorder(QWebEngineUrlRequestInterceptor):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
            self.urls.append(info.requestUrl().toString())

    p, a, b = proj
    _hostile_names(p, a)
    rep = export_viewer(p, tmp_path / "viewer.html")
    recorder = Recorder()
    profile = QWebEngineProfile()
    profile.setUrlRequestInterceptor(recorder)
    page = QWebEnginePage(profile)
    view = QWebEngineView()
    view.setPage(page)
    view.resize(1200, 800)
    view.show()

    def js(code: str) -> Any:
        box: dict[str, Any] = {}
        page.runJavaScript(code, 0, lambda v: box.setdefault("v", v))
        qtbot.waitUntil(lambda: "v" in box, timeout=30000)
        return box["v"]

    def state() -> dict[str, Any]:
        return json.loads(js("JSON.stringify(zmViewer.state())"))

    try:
        url = QUrl.fromLocalFile(rep.path)
        with qtbot.waitSignal(
            view.loadFinished, timeout=120000
        ):  # Chromium may start slowly on a busy machine
            view.load(url)
        qtbot.waitUntil(
            lambda: js("document.body && document.body.classList.contains('zm-ready')") is True, timeout=20000
        )
        # Japanese comes from the embedded subset (the machine may have no Japanese font at all)
        qtbot.waitUntil(
            lambda: (
                js("[...document.fonts].some(f => f.family.includes('ZMJapanese') && f.status === 'loaded')")
                is True
            ),
            timeout=10000,
        )
        s = state()
        assert s["optionName"] == a and s["kensDrawn"] == 3 and s["labelsDrawn"] == 3
        color_a = _printed_colors(p, a)  # the colours every export uses (adjacency colouring)
        assert s["fills"]["99202"] == color_a["K2"]
        assert s["visible"]["gap:zaishi"] and s["layers"]["gap:zaishi"]

        # a real mouse click on the second tab: the drawn 圏域 change
        rect = json.loads(
            js("JSON.stringify(document.querySelector('[data-option=\"1\"]').getBoundingClientRect())")
        )
        pos = QPoint(int(rect["x"] + rect["width"] / 2), int(rect["y"] + rect["height"] / 2))
        QTest.mouseClick(view.focusProxy(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        qtbot.waitUntil(lambda: state()["option"] == 1, timeout=10000)
        s = state()
        color_b = _printed_colors(p, b)
        assert s["optionName"] == b and s["kensDrawn"] == 2 and s["labelsDrawn"] == 2
        assert s["fills"]["99202"] == color_b["N"] and s["fills"]["99203"] == color_b["S"]
        assert js("document.querySelector('.zm-tab.zm-active').textContent") == b
        assert js("document.getElementById('zm-table-title').textContent").endswith(f"（{b}）")
        assert js("document.querySelectorAll('table.zm-eval tbody tr').length") == 3  # 2 圏域 + 計

        # ← goes back to the first option
        js("document.activeElement && document.activeElement.blur()")
        QTest.keyClick(view.focusProxy(), Qt.Key.Key_Left)
        qtbot.waitUntil(lambda: state()["option"] == 0, timeout=10000)
        assert state()["fills"]["99202"] == color_a["K2"]
        assert state()["labelOverlaps"] == 0 and state()["labelsHidden"] == 0

        # zoomed far out the 圏域 names would fall on each other: the larger 圏域 keeps its name
        js("zmViewer.map.map.setZoom(5, {animate: false}) && 1")
        qtbot.waitUntil(lambda: state()["labelsHidden"] == 2, timeout=5000)
        assert state()["labelOverlaps"] == 0 and state()["labelsDrawn"] == 3
        js("zmViewer.map.fitAll(false) || 1")
        qtbot.waitUntil(lambda: state()["labelsHidden"] == 0, timeout=5000)

        # a layer toggle, clicked
        js("document.querySelector('input[data-layer=\"fac:zaishi_clinic\"]').click()")
        qtbot.waitUntil(lambda: state()["layers"]["fac:zaishi_clinic"] is False, timeout=5000)
        js("document.querySelector('input[data-layer=\"band:zaishi\"]').click()")
        qtbot.waitUntil(lambda: state()["layers"]["band:zaishi"] is True, timeout=5000)

        # the search box finds the hostile name and shows it as text; nothing it holds ran
        assert js("zmViewer.search('onerror')") >= 1
        hits = js("document.getElementById('zm-results-list').textContent")
        assert XSS in hits
        assert js("typeof window.__xss") == "undefined"
        assert js("document.querySelectorAll('img[src=\"x\"]').length") == 0
        js("document.querySelector('.zm-hit').click()")  # zooms to it and opens its popup
        qtbot.waitUntil(
            lambda: js("!!document.querySelector('.leaflet-popup-content')") is True, timeout=5000
        )
        assert XSS in js("document.querySelector('.leaflet-popup-content').textContent")
        assert "<b>" in js("zmViewer.search('南部'); document.getElementById('zm-results-list').textContent")
        assert js("typeof window.__xss") == "undefined"

        # no request but the file itself; the browser saw no resource either
        assert js("performance.getEntriesByType('resource').length") == 0
        others = [u for u in recorder.urls if u != url.toString()]
        assert recorder.urls and not others, others
    finally:
        view.close()
        page.deleteLater()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        profile.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
