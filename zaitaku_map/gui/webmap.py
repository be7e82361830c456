"""The map widget: a Leaflet shell page in QtWebEngine, fully offline.

Python pushes data into ``resources/ui/map.html`` with ``runJavaScript("zm.fn(json)")``; the page
reports clicks through a :class:`Bridge` exposed over QWebChannel.  The bridge validates every
argument (codes by regex, ids as ints, coordinates by range) before emitting Qt signals.  A
:class:`LocalOnlyInterceptor` blocks every request that is not a local application asset.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView

from zaitaku_map.assets import japanese_font_path, resource_path

log = logging.getLogger("zaitaku_map.gui.map")

MUNI_CODE_RE = re.compile(r"^\d{5}$")
LAYER_ID_RE = re.compile(r"^[^\x00-\x1f<>\"']{1,80}$")
ALLOWED_SCHEMES = frozenset({"file", "qrc", "data", "blob"})


def to_js(value: Any) -> str:
    """JSON literal safe to splice into a ``runJavaScript`` call (ASCII only, no U+2028)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


class LocalOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Block every request whose scheme is not a local one (no tiles, no CDNs, no telemetry)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme().lower() not in ALLOWED_SCHEMES:
            self.blocked.append(url.toString())
            log.warning("blocked non-local request: %s", url.toString()[:200])
            info.block(True)


class Bridge(QObject):
    """The only object the page can call.  Each slot checks its arguments and emits a signal.

    Slot names are the JS names (``bridge.muniClicked(code)`` …); anything malformed is logged and
    dropped, so a page compromised by bad data still cannot make Python do more than these few
    things with valid values.
    """

    municipality_clicked = Signal(str)
    facility_clicked = Signal(int)
    facility_moved = Signal(int, float, float)  # id, lon, lat
    map_clicked = Signal(float, float)  # lon, lat — only while a feature holds the click mode
    feature_clicked = Signal(str, str)  # layer id, feature ``_id`` of an interactive MapLayer
    feature_moved = Signal(str, str, float, float)  # layer id, feature ``_id``, lon, lat (draggable layer)
    page_ready = Signal()

    @Slot(str)
    def muniClicked(self, code: str) -> None:
        if isinstance(code, str) and MUNI_CODE_RE.match(code):
            self.municipality_clicked.emit(code)
        else:
            log.warning("rejected muniClicked(%r)", code)

    @Slot("QVariant")
    def facilityClicked(self, fid: Any) -> None:
        if _valid_id(fid):
            self.facility_clicked.emit(int(fid))
        else:
            log.warning("rejected facilityClicked(%r)", fid)

    @Slot("QVariant", "QVariant", "QVariant")
    def facilityMoved(self, fid: Any, lat: Any, lon: Any) -> None:
        if _valid_id(fid) and _valid_lat_lon(lat, lon):
            self.facility_moved.emit(int(fid), float(lon), float(lat))
        else:
            log.warning("rejected facilityMoved(%r, %r, %r)", fid, lat, lon)

    @Slot("QVariant", "QVariant")
    def mapClicked(self, lat: Any, lon: Any) -> None:
        if _valid_lat_lon(lat, lon):
            self.map_clicked.emit(float(lon), float(lat))
        else:
            log.warning("rejected mapClicked(%r, %r)", lat, lon)

    @Slot(str, str)
    def featureClicked(self, layer_id: str, feature_id: str) -> None:
        if _valid_feature(layer_id, feature_id):
            self.feature_clicked.emit(layer_id, feature_id)
        else:
            log.warning("rejected featureClicked(%r, %r)", layer_id, feature_id)

    @Slot(str, str, "QVariant", "QVariant")
    def featureMoved(self, layer_id: str, feature_id: str, lat: Any, lon: Any) -> None:
        if _valid_feature(layer_id, feature_id) and _valid_lat_lon(lat, lon):
            self.feature_moved.emit(layer_id, feature_id, float(lon), float(lat))
        else:
            log.warning("rejected featureMoved(%r, %r, %r, %r)", layer_id, feature_id, lat, lon)

    @Slot()
    def pageReady(self) -> None:
        self.page_ready.emit()


def _valid_lat_lon(lat: Any, lon: Any) -> bool:
    """Finite numbers inside Japan's bounding box (the page cannot send anything else)."""
    return (
        all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (lat, lon))
        and 20.0 <= float(lat) <= 46.5
        and 122.0 <= float(lon) <= 154.5
    )


def _valid_feature(layer_id: Any, feature_id: Any) -> bool:
    return (
        isinstance(layer_id, str)
        and isinstance(feature_id, str)
        and bool(LAYER_ID_RE.match(layer_id))
        and 0 < len(feature_id) <= 200
    )


def _valid_id(fid: Any) -> bool:
    return (
        isinstance(fid, int | float)
        and not isinstance(fid, bool)
        and math.isfinite(fid)
        and float(fid).is_integer()
        and 0 < fid < 2**53
    )


class MapPage(QWebEnginePage):
    """Page that logs JS console messages (useful when something does not draw)."""

    console: list[str]

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.console = []

    def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
        text = f"{source}:{line}: {message}"
        self.console.append(text)
        log.info("js: %s", text)

    def acceptNavigationRequest(self, url: QUrl | str, nav_type: Any, is_main_frame: bool) -> bool:
        u = QUrl(url) if isinstance(url, str) else url
        return u.scheme() in ("file", "qrc", "data")


_PROFILE: QWebEngineProfile | None = None
_INTERCEPTOR: LocalOnlyInterceptor | None = None


def _profile() -> QWebEngineProfile:
    """One off-the-record profile for the app with the local-only interceptor installed."""
    global _PROFILE, _INTERCEPTOR
    if _PROFILE is None:
        _PROFILE = QWebEngineProfile()  # off the record: no disk cache, no cookies
        _INTERCEPTOR = LocalOnlyInterceptor(_PROFILE)
        _PROFILE.setUrlRequestInterceptor(_INTERCEPTOR)
        _PROFILE.setHttpCacheType(QWebEngineProfile.HttpCacheType.NoCache)
    return _PROFILE


def interceptor() -> LocalOnlyInterceptor | None:
    return _INTERCEPTOR


def install_page(view: QWebEngineView, page: QWebEnginePage, bridge: QObject) -> QWebChannel:
    """Give ``view`` its local-only ``page`` (no remote URLs, windows or plugins) with ``bridge`` on a web
    channel as ``bridge``; returns the channel."""
    view.setPage(page)
    s = page.settings()
    s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
    s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
    s.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
    s.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
    channel = QWebChannel(page)
    channel.registerObject("bridge", bridge)
    page.setWebChannel(channel)
    return channel


class MapView(QWebEngineView):
    """Leaflet map; call the ``zm`` API with :meth:`js`.  ``ready`` fires once the channel is up."""

    ready = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._page = MapPage(_profile(), self)
        self.bridge = Bridge(self)
        self.channel = install_page(self, self._page, self.bridge)
        self.is_ready = False
        self._queue: list[str] = []
        self.bridge.page_ready.connect(self._on_ready)
        self.setContextMenuPolicy(self.contextMenuPolicy().NoContextMenu)
        self.load(QUrl.fromLocalFile(str(resource_path("ui", "map.html"))))

    # -- JS plumbing ------------------------------------------------------------------------------
    def _on_ready(self) -> None:
        if self.is_ready:
            return
        self.is_ready = True
        font = QUrl.fromLocalFile(str(japanese_font_path())).toString()
        self._page.runJavaScript(f"zm.setFont({to_js(font)})")
        queued, self._queue = self._queue, []
        for code in queued:
            self._page.runJavaScript(code)
        self.ready.emit()

    def call(self, fn: str, *args: Any, callback: Callable[[Any], None] | None = None) -> None:
        """Run ``zm.<fn>(*args)`` (queued until the page is ready)."""
        if not re.match(r"^[A-Za-z]+$", fn):
            raise ValueError(fn)
        code = f"zm.{fn}({','.join(to_js(a) for a in args)})"
        if not self.is_ready:
            if callback is None:
                self._queue.append(code)
                return
            raise RuntimeError("map page not ready")
        if callback is None:
            self._page.runJavaScript(code)
        else:
            self._page.runJavaScript(code, 0, callback)

    def eval_js(self, code: str, callback: Callable[[Any], None]) -> None:
        self._page.runJavaScript(code, 0, callback)

    def teardown(self) -> None:
        """Delete the page before the view (avoids the QtWebEngine exit crash)."""
        self._page.deleteLater()
