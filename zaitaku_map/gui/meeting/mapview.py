"""The meeting map: ``resources/ui/meeting/meeting.html`` in QtWebEngine, fully offline.

Python pushes the viewer document once (:meth:`MeetingMapView.load_document`) and then calls the
page's ``zmm`` API; the page reports through :class:`MeetingBridge` over QWebChannel.  Every slot
checks its arguments before emitting a Qt signal.  Requests other than local files are blocked
(:class:`~zaitaku_map.gui.webmap.LocalOnlyInterceptor`).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView

from zaitaku_map.assets import japanese_font_path, resource_path
from zaitaku_map.gui.webmap import LocalOnlyInterceptor, MapPage, install_page, to_js

log = logging.getLogger("zaitaku_map.gui.meeting")

MUNI_CODE_RE = re.compile(r"^\d{5}$")
MAX_STROKE_POINTS = 5000


def _finite(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values)


def _stroke(coords_json: Any) -> list[tuple[float, float]] | None:
    """The (lat, lon) points of a pen stroke sent by the page, or None when malformed."""
    if not isinstance(coords_json, str) or len(coords_json) > 400_000:
        return None
    try:
        pts = json.loads(coords_json)
    except ValueError:
        return None
    if not isinstance(pts, list) or not 2 <= len(pts) <= MAX_STROKE_POINTS:
        return None
    if not all(isinstance(p, list) and len(p) == 2 and _finite(*p) for p in pts):
        return None
    return [(float(p[0]), float(p[1])) for p in pts]


def _emit_position(signal: Any, slot: str, lat: Any, lon: Any) -> None:
    """Emit ``signal(lat, lon)`` for a real latitude/longitude; log and drop anything else."""
    if _finite(lat, lon) and -90 <= lat <= 90 and -180 <= lon <= 180:
        signal.emit(float(lat), float(lon))
    else:
        log.warning("rejected %s(%r, %r)", slot, lat, lon)


class MeetingBridge(QObject):
    """The only object the meeting page can call."""

    municipality_clicked = Signal(str, str)  # code, side ("a" or "b")
    text_placed = Signal(float, float)  # lat, lon
    place_clicked = Signal(float, float)  # lat, lon: where a hypothetical facility goes
    stroke_drawn = Signal(list)  # [(lat, lon), …]
    note_clicked = Signal(int)
    paint_done = Signal(int)  # how many paints the page has finished
    page_ready = Signal()

    @Slot(str, str)
    def muniClicked(self, code: str, side: str) -> None:
        if isinstance(code, str) and MUNI_CODE_RE.match(code) and side in ("a", "b"):
            self.municipality_clicked.emit(code, side)
        else:
            log.warning("rejected muniClicked(%r, %r)", code, side)

    @Slot("QVariant", "QVariant")
    def textPlaced(self, lat: Any, lon: Any) -> None:
        _emit_position(self.text_placed, "textPlaced", lat, lon)

    @Slot("QVariant", "QVariant")
    def placeClicked(self, lat: Any, lon: Any) -> None:
        _emit_position(self.place_clicked, "placeClicked", lat, lon)

    @Slot(str)
    def noteDrawn(self, coords_json: str) -> None:
        pts = _stroke(coords_json)
        if pts is not None:
            self.stroke_drawn.emit(pts)
        else:
            log.warning("rejected noteDrawn (%s)", str(coords_json)[:80])

    @Slot("QVariant")
    def noteClicked(self, note_id: Any) -> None:
        if _finite(note_id) and float(note_id).is_integer() and 0 < note_id < 2**53:
            self.note_clicked.emit(int(note_id))
        else:
            log.warning("rejected noteClicked(%r)", note_id)

    @Slot("QVariant")
    def painted(self, n: Any) -> None:
        if _finite(n) and float(n).is_integer():
            self.paint_done.emit(int(n))

    @Slot()
    def pageReady(self) -> None:
        self.page_ready.emit()


_PROFILE: QWebEngineProfile | None = None


def profile() -> QWebEngineProfile:
    """One off-the-record profile for meeting pages, with the local-only interceptor installed."""
    global _PROFILE
    if _PROFILE is None:
        _PROFILE = QWebEngineProfile()  # off the record: no disk cache, no cookies
        _PROFILE.setUrlRequestInterceptor(LocalOnlyInterceptor(_PROFILE))
        _PROFILE.setHttpCacheType(QWebEngineProfile.HttpCacheType.NoCache)
    return _PROFILE


class MeetingMapView(QWebEngineView):
    """The meeting page; ``ready`` once the channel is up, ``loaded`` once a document is drawn."""

    ready = Signal()
    loaded = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._page = MapPage(profile(), self)
        self.bridge = MeetingBridge(self)
        self.channel = install_page(self, self._page, self.bridge)
        self.is_ready = False
        self.paints = 0
        self._queue: list[str] = []
        self._pending_doc: str | None = None
        self.bridge.page_ready.connect(self._on_ready)
        self.bridge.paint_done.connect(self._on_paint)
        self.setContextMenuPolicy(self.contextMenuPolicy().NoContextMenu)
        self.load(QUrl.fromLocalFile(str(resource_path("ui", "meeting", "meeting.html"))))

    def _on_ready(self) -> None:
        if self.is_ready:
            return
        self.is_ready = True
        font = QUrl.fromLocalFile(str(japanese_font_path())).toString()
        # the same @font-face as the main map: Japanese without any system font
        self._page.runJavaScript(
            "(function(u){var s=document.createElement('style');s.textContent="
            '"@font-face{font-family:\'ZMJapanese\';src:url("+JSON.stringify(u)+");}";'
            f"document.head.appendChild(s);}})({to_js(font)})"
        )
        if self._pending_doc is not None:
            self._run_document()
        queued, self._queue = self._queue, []
        for code in queued:
            self._page.runJavaScript(code)
        self.ready.emit()

    def _on_paint(self, n: int) -> None:
        self.paints = max(self.paints, n)

    def call(self, fn: str, *args: Any, callback: Callable[[Any], None] | None = None) -> None:
        """Run ``zmm.<fn>(*args)`` (queued until the page is ready)."""
        if not re.match(r"^[A-Za-z]+$", fn):
            raise ValueError(fn)
        code = f"zmm.{fn}({','.join(to_js(a) for a in args)})"
        if not self.is_ready:
            if callback is not None:
                raise RuntimeError("meeting page not ready")
            self._queue.append(code)
            return
        if callback is None:
            self._page.runJavaScript(code)
        else:
            self._page.runJavaScript(code, 0, callback)

    def load_document(self, doc_json: str, *, label_px: int, scale: float) -> None:
        """Draw a viewer document (``ViewerDocument.to_json()``, a JS literal); ``loaded`` fires when done."""
        self._pending_doc = f"zmm.load({doc_json}, {to_js({'labelPx': label_px, 'scale': scale})})"
        if self.is_ready:
            self._run_document()

    def _run_document(self) -> None:
        code, self._pending_doc = self._pending_doc, None
        if code is not None:
            self._page.runJavaScript(code, 0, lambda _r: self.loaded.emit())

    def eval_js(self, code: str, callback: Callable[[Any], None]) -> None:
        self._page.runJavaScript(code, 0, callback)

    def teardown(self) -> None:
        """Delete the page before the view (avoids the QtWebEngine exit crash)."""
        self._page.deleteLater()
