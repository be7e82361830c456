/* zaitaku-map 会議モード: the map page of the meeting window.
 *
 * Python (gui/meeting/mapview.py) pushes the document of export/viewer.py once with zmm.load(doc) and
 * then drives the page with small calls (setOption, compare, setVisible, setNotes …).  The page
 * reports clicks, drawn pen strokes and paints through QWebChannel (window.bridge).  One or two
 * ZMOptionMap instances: two when two options are compared, their pan and zoom synchronised.
 * Data reaches the DOM through textContent only.
 */
"use strict";

(function () {
  const el = ZMOptionMap.el;
  const zmm = {};
  window.zmm = zmm;
  window.__zmmReady = false;
  window.__zmmPainted = 0;
  let bridge = null;
  let doc = null;
  let a = null;           // the main map
  let b = null;           // the second map (comparison) or null
  let mode = null;        // null | "pen" | "text" | "erase" | "move"
  let stroke = null;      // {map, points, line}
  let notes = [];
  let painted = 0;
  let pending = 0;        // paints asked for and not yet reported

  function $(id) { return document.getElementById(id); }

  function reportPaint() {
    // two animation frames: the canvas has been drawn and composited
    pending += 1;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      pending -= 1;
      if (pending === 0) {
        painted += 1;
        window.__zmmPainted = painted;  // polled by the benchmark (as the workbench's __zmPainted)
        if (window.__zmmSwitchT0 !== undefined) window.__zmmRepaintMs = performance.now() - window.__zmmSwitchT0;
        if (bridge) bridge.painted(painted);
      }
    }));
  }

  function titleOf(m, side) {
    $("zm-title-" + side).textContent = doc.options[m.option].name;
  }

  // ------------------------------------------------------------------ maps
  function makeMap(div, side) {
    // a small canvas margin: a switch repaints the view, not a frame 3× its area (big screens, no GPU)
    const m = new ZMOptionMap(div, doc, {scale: zmm.scale || 1.6, interactivePopups: false, zoomControl: false,
                                         canvasPadding: 0.1});
    m.on("painted", reportPaint);
    // a click anywhere on a municipality — its fill, a facility or a point drawn over it — is a
    // click on that municipality (text mode: the place of a note)
    const clickAt = (latlng, ev) => {
      if (!ev || ev.__zmHandled) return;
      ev.__zmHandled = true;
      if (mode === "pen" || mode === "erase") return;
      if (mode === "text") { if (bridge) bridge.textPlaced(latlng.lat, latlng.lng); return; }
      if (mode === "whatif") { if (bridge) bridge.placeClicked(latlng.lat, latlng.lng); return; }
      const i = m.muniAt(latlng);
      const f = i >= 0 ? m.muniFeature[i] : null;
      if (bridge && f) bridge.muniClicked(String(f.properties.c), side);
    };
    m.on("municlick", (i, latlng, e) => clickAt(latlng, e && e.originalEvent));
    m.on("facilityclick", (gi, ri, e) => clickAt(e.latlng, e.originalEvent));
    m.map.on("click", (e) => clickAt(e.latlng, e.originalEvent));
    const c = m.map.getContainer();
    c.addEventListener("mousedown", (ev) => onDown(m, ev), true);
    c.addEventListener("mousemove", (ev) => onMove(m, ev), true);
    return m;
  }

  zmm.load = function (d, opts) {
    doc = d;
    zmm.scale = (opts && opts.scale) || 1.6;
    if (opts && opts.labelPx) zmm.setLabelPx(opts.labelPx);
    a = makeMap($("zm-map-a"), "a");
    titleOf(a, "a");
    document.addEventListener("mouseup", onUp, true);
    reportPaint();
    return doc.options.length;
  };

  zmm.setLabelPx = function (px) {
    document.documentElement.style.setProperty("--zm-label-px", Math.round(px) + "px");
    reportPaint();
    return px;
  };

  zmm.setOption = function (i) {
    window.__zmmSwitchT0 = performance.now();  // the page's own repaint time (bench_meeting.py)
    a.setOption(i);
    titleOf(a, "a");
    if (b) zmm.setHighlight(zmm.changed || []);
    return a.option;
  };

  zmm.compare = function (j, changedCodes) {
    if (j === null || j < 0) {
      if (b) { b.map.remove(); b = null; }
      $("zm-pane-b").hidden = true;
      a.setHighlight([]);
      zmm.changed = [];
      a.map.invalidateSize(false);
        reportPaint();
      return false;
    }
    $("zm-pane-b").hidden = false;
    a.map.invalidateSize(false);
    if (!b) {
      b = makeMap($("zm-map-b"), "b");
      b.syncWith(a);  // b follows a now, then each follows the other
    }
    b.setOption(j);
    for (const id of Object.keys(a.visible)) if (b.visible[id] !== a.visible[id]) b.setVisible(id, a.visible[id]);
    b.setNotes([]);
    titleOf(b, "b");
    zmm.setHighlight(changedCodes || []);
    a.fitAll(false);
    return true;
  };

  zmm.setHighlight = function (codes) {
    zmm.changed = codes;
    const idx = codes.map((c) => a.codeIndex[c]).filter((i) => i !== undefined);
    a.setHighlight(idx);
    if (b) b.setHighlight(idx);
    return idx.length;
  };

  zmm.setVisible = function (id, on) {
    a.setVisible(id, on);
    if (b) b.setVisible(id, on);
    return on;
  };

  zmm.replaceOption = function (i, data) {
    a.replaceOption(i, data);
    if (b) b.replaceOption(i, data);
    if (a.option === i) titleOf(a, "a");
    if (b && b.option === i) titleOf(b, "b");
    return i;
  };

  zmm.addOption = function (data) {
    // one document shared by both maps: push once, then let the maps see the new index
    doc.options.push(data);
    return doc.options.length - 1;
  };

  zmm.setKenValues = function (side, rows) {
    const m = side === "b" ? b : a;
    return m ? m.setKenValues(rows) : 0;
  };

  zmm.replaceCoverage = function (part) {
    const ok = a.replaceCoverage(part);
    if (b) b.replaceCoverage(part);
    return ok;
  };

  zmm.setWhatIf = function (sites) {
    const n = a.setWhatIf(sites);
    if (b) b.setWhatIf(sites);
    return n;
  };

  zmm.setNotes = function (list) {
    notes = list || [];
    return a.setNotes(notes);
  };

  // ------------------------------------------------------------------ drawing (pen, text, eraser)
  zmm.setMode = function (m, banner) {
    mode = m || null;
    document.body.classList.toggle("zm-drawing", mode === "pen" || mode === "text" || mode === "erase" || mode === "whatif");
    $("zm-banner").textContent = banner || "";
    $("zm-banner").hidden = !banner;
    for (const mm of [a, b]) {
      if (!mm) continue;
      if (mode === "pen") mm.map.dragging.disable(); else mm.map.dragging.enable();
    }
    return mode;
  };

  function onDown(m, ev) {
    if (ev.button !== 0) return;
    if (mode === "erase") {
      const id = nearestNote(m, m.map.mouseEventToContainerPoint(ev));
      if (id !== null && bridge) bridge.noteClicked(id);
      ev.stopPropagation();
      return;
    }
    if (mode !== "pen") return;
    const ll = m.map.mouseEventToLatLng(ev);
    stroke = {map: m, points: [ll], line: L.polyline([ll], {color: "#d81b60", weight: 4 * m.opts.scale, interactive: false}).addTo(m.map)};
    ev.stopPropagation();
    ev.preventDefault();
  }

  function onMove(m, ev) {
    if (!stroke || stroke.map !== m) return;
    const ll = m.map.mouseEventToLatLng(ev);
    const last = stroke.points[stroke.points.length - 1];
    if (m.map.latLngToContainerPoint(last).distanceTo(m.map.latLngToContainerPoint(ll)) < 3) return;
    stroke.points.push(ll);
    stroke.line.addLatLng(ll);
  }

  function onUp() {
    if (!stroke) return;
    const s = stroke;
    stroke = null;
    s.map.map.removeLayer(s.line);
    if (s.points.length > 1 && bridge) {
      bridge.noteDrawn(JSON.stringify(s.points.map((p) => [Math.round(p.lat * 1e6) / 1e6, Math.round(p.lng * 1e6) / 1e6])));
    }
  }

  function nearestNote(m, pt) {
    let best = null, bestD = 24;
    for (const n of notes) {
      for (const c of n.coords) {
        const d = m.map.latLngToContainerPoint(c).distanceTo(pt);
        if (d < bestD) { bestD = d; best = n.id; }
      }
    }
    return best;
  }

  // ------------------------------------------------------------------ test and host helpers
  zmm.state = function () {
    const s = a.state();
    s.compare = b ? b.state() : null;
    s.painted = painted;
    s.mode = mode;
    const lab = document.querySelector(".zm-ken-label span");
    s.labelPx = lab ? parseFloat(getComputedStyle(lab).fontSize) : 0;
    return JSON.stringify(s);
  };

  zmm.pixelOf = function (lat, lon, side) {
    const m = side === "b" ? b : a;
    const p = m.map.latLngToContainerPoint([lat, lon]);
    const r = m.map.getContainer().getBoundingClientRect();
    return JSON.stringify([p.x + r.left, p.y + r.top]);
  };

  zmm.muniCenter = function (code, side) {
    const m = side === "b" ? b : a;
    const f = m.muniFeature[m.codeIndex[code]];
    if (!f || !f.properties.p) return "null";
    return zmm.pixelOf(f.properties.p[0], f.properties.p[1], side);
  };

  zmm.panBy = function (dx, dy, side) {
    const m = side === "b" ? b : a;
    m.map.panBy([dx, dy], {animate: false});
    return JSON.stringify(m.map.getCenter());
  };

  zmm.zoomBy = function (delta, side) {
    const m = side === "b" ? b : a;
    m.map.setZoom(m.map.getZoom() + delta, {animate: false});
    return m.map.getZoom();
  };

  zmm.zoomAll = function () { a.fitAll(false); return true; };

  function init() {
    if (typeof QWebChannel !== "undefined" && window.qt && qt.webChannelTransport) {
      new QWebChannel(qt.webChannelTransport, (channel) => {
        bridge = channel.objects.bridge || null;
        window.__zmmReady = true;
        if (bridge) bridge.pageReady();
      });
    } else {
      window.__zmmReady = true;
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
