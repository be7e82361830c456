/* zaitaku-map map shell.
 *
 * Python pushes data with runJavaScript("zm.<fn>(<json>)") and receives clicks through QWebChannel
 * (window.bridge).  Every user-supplied string is put into the DOM with textContent only — never
 * innerHTML — so facility names such as "<img src=x onerror=...>" are shown as text.
 */
"use strict";

(function () {
  const zm = {};
  window.zm = zm;
  window.__zmReady = false;
  window.__zmPainted = 0;

  let map = null;
  let renderer = null;
  let bridge = null;
  const layers = {};        // id -> L.Layer
  const opacity = {};       // id -> 0..1
  const visible = {};       // id -> bool
  let muniLayer = null;
  const muniByCode = {};    // code -> L.Path
  const muniProps = {};     // code -> props
  let option = null;        // {name, kens: {key: {name, color}}, assignments: {code: key}}
  let editKen = null;
  let dragMode = false;
  const facMarkers = {};    // id -> marker
  let facStyles = {};       // cat -> {color, marker, label}
  let facRows = [];         // the rows of the last setFacilities (for the stack counts)
  let stackCount = 0;       // points where two or more visible facilities sit on the same spot
  let approxShown = false;  // some facility sits at an approximate position (drawn hollow)
  let highlight = null;
  let legend = null;
  let banner = null;
  let legendInfo = {note: ""};
  let legendCollapsed = false;
  let noteOpen = false;
  let dragging = null;      // {marker, start, moved}: a facility (drag mode) or a point of a draggable layer
  const dragLayers = {};    // id -> L.GeoJSON whose points the user may drag (MapLayer.draggable)
  let placing = null;       // facility id waiting for a click on the map (manual placement)

  // ---------------------------------------------------------------- DOM helpers (textContent only)
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function tipNode(title, lines) {
    const box = el("div", "zm-tip");
    box.appendChild(el("div", "zm-tip-title", title));
    for (const line of lines) {
      if (line) box.appendChild(el("div", "zm-tip-sub", line));
    }
    return box;
  }

  // ---------------------------------------------------------------- symbols drawn on canvas
  function drawSymbol(ctx, shape, x, y, r) {
    ctx.beginPath();
    const poly = (pts) => { ctx.moveTo(x + pts[0][0], y + pts[0][1]); for (const p of pts.slice(1)) ctx.lineTo(x + p[0], y + p[1]); ctx.closePath(); };
    switch (shape) {
      case "s": poly([[-r, -r], [r, -r], [r, r], [-r, r]]); break;
      case "^": poly([[0, -r * 1.2], [r * 1.1, r * 0.8], [-r * 1.1, r * 0.8]]); break;
      case "v": poly([[0, r * 1.2], [r * 1.1, -r * 0.8], [-r * 1.1, -r * 0.8]]); break;
      case "D": poly([[0, -r * 1.3], [r * 1.05, 0], [0, r * 1.3], [-r * 1.05, 0]]); break;
      case "*": {
        const pts = [];
        for (let i = 0; i < 10; i++) {
          const a = -Math.PI / 2 + i * Math.PI / 5, rr = i % 2 ? r * 0.55 : r * 1.35;
          pts.push([Math.cos(a) * rr, Math.sin(a) * rr]);
        }
        poly(pts); break;
      }
      case "h": {
        const pts = [];
        for (let i = 0; i < 6; i++) { const a = Math.PI / 6 + i * Math.PI / 3; pts.push([Math.cos(a) * r * 1.1, Math.sin(a) * r * 1.1]); }
        poly(pts); break;
      }
      case "P": case "+": {
        const t = r * 0.42;
        poly([[-t, -r], [t, -r], [t, -t], [r, -t], [r, t], [t, t], [t, r], [-t, r], [-t, t], [-r, t], [-r, -t], [-t, -t]]); break;
      }
      case "x": {
        const t = r * 0.35;
        poly([[-r, -r + t], [-r + t, -r], [0, -t], [r - t, -r], [r, -r + t], [t, 0], [r, r - t], [r - t, r], [0, t], [-r + t, r], [-r, r - t], [-t, 0]]); break;
      }
      case ".": ctx.arc(x, y, r * 0.6, 0, Math.PI * 2); break;
      default: ctx.arc(x, y, r, 0, Math.PI * 2);
    }
  }

  const SymbolMarker = L.CircleMarker.extend({
    _updatePath: function () {
      const rdr = this._renderer;
      if (!rdr._ctx || !this._point || this._empty()) return;
      const ctx = rdr._ctx;
      const o = this.options;
      if (ctx.setLineDash) ctx.setLineDash([]);  // never inherit the dashes of the last outline drawn
      drawSymbol(ctx, o.shape || "o", this._point.x, this._point.y, this._radius);
      ctx.globalAlpha = o.fillOpacity;
      ctx.fillStyle = o.fillColor;
      ctx.fill("evenodd");
      ctx.globalAlpha = o.opacity;
      ctx.lineWidth = o.weight;
      ctx.strokeStyle = o.color;
      ctx.stroke();
      ctx.globalAlpha = 1;
    },
  });

  function symbolCanvas(shape, color, size, hollow) {
    const c = document.createElement("canvas");
    c.width = size; c.height = size;
    const ctx = c.getContext("2d");
    drawSymbol(ctx, shape, size / 2, size / 2, size * 0.32);
    if (hollow) { ctx.lineWidth = 1.8; ctx.strokeStyle = color; ctx.stroke(); return c; }
    ctx.fillStyle = color; ctx.fill("evenodd");
    ctx.lineWidth = 1.5; ctx.strokeStyle = "#111"; ctx.stroke();
    return c;
  }

  // ---------------------------------------------------------------- paint tracking
  function markPainted() {
    requestAnimationFrame(() => requestAnimationFrame(() => { window.__zmPainted += 1; }));
  }

  function addLayer(id, layer, show) {
    if (layers[id]) map.removeLayer(layers[id]);
    layers[id] = layer;
    if (visible[id] === undefined) visible[id] = show !== false;
    if (visible[id]) layer.addTo(map);
    applyOpacity(id);
  }

  function applyOpacity(id) {
    const layer = layers[id];
    if (!layer || opacity[id] === undefined) return;
    const a = opacity[id];
    if (layer.setStyle) {
      if (layer.__zmStyle) layer.setStyle(layer.__zmStyle);
      layer.eachLayer && layer.eachLayer((l) => {
        if (l.setStyle) {
          const base = l.__zmBase || {};
          l.setStyle({
            opacity: (base.opacity !== undefined ? base.opacity : 1) * a,
            fillOpacity: (base.fillOpacity !== undefined ? base.fillOpacity : 0.5) * a,
          });
        }
      });
    }
  }

  // ---------------------------------------------------------------- municipalities
  function muniStyle(code) {
    let fill = "#f7f5ef", fo = 1.0;
    if (option && visible["option"] !== false) {
      const key = option.assignments[code];
      const oa = opacity["option"] === undefined ? 1 : opacity["option"];
      if (key && option.kens[key]) { fill = option.kens[key].color || "#cccccc"; fo = 0.72 * oa; }
      else if (option.kens && Object.keys(option.kens).length) { fill = "#ffffff"; fo = 1.0; }
    }
    const a = opacity["munis"] === undefined ? 1 : opacity["munis"];
    return {color: "#5b5b5b", weight: 0.8, opacity: a, fillColor: fill, fillOpacity: fo * a};
  }

  zm.setMunicipalities = function (fc) {
    for (const k of Object.keys(muniByCode)) delete muniByCode[k];
    muniLayer = L.geoJSON(fc, {
      renderer: renderer,
      style: (f) => muniStyle(f.properties.code),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        muniByCode[p.code] = layer;
        muniProps[p.code] = p;
        layer.bindTooltip(() => {
          const lines = [p.code];
          if (option && option.assignments[p.code] && option.kens[option.assignments[p.code]]) {
            lines.push("圏域: " + option.kens[option.assignments[p.code]].name);
          }
          if (p.area) lines.push(p.area);
          return tipNode(p.full_name || p.name, lines);
        }, {sticky: true});
        layer.on("click", (e) => {
          if (placing !== null || clickMode) return;  // the map's own click handler takes it
          if (bridge) bridge.muniClicked(String(p.code));
        });
      },
    });
    addLayer("munis", muniLayer, true);
    muniLayer.bringToBack();
    const b = muniLayer.getBounds();
    if (b.isValid()) map.fitBounds(b, Object.assign({animate: false}, fitPadding(b)));
    markPainted();
    return Object.keys(muniByCode).length;
  };

  zm.muniStyleOf = function (code) { return JSON.stringify(muniStyle(code)); };

  zm.restyleMunicipalities = function () {
    if (!muniLayer) return;
    muniLayer.eachLayer((l) => l.setStyle(muniStyle(l.feature.properties.code)));
    markPainted();
  };

  // ---------------------------------------------------------------- area layers (outlines)
  zm.setArea = function (id, fc, color, show) {
    const layer = L.geoJSON(fc, {
      renderer: renderer, interactive: false,
      style: () => ({color: color || "#222", weight: 3, opacity: 0.9, fill: false, dashArray: "8 5"}),
    });
    layer.eachLayer((l) => { l.__zmBase = {opacity: 0.9, fillOpacity: 0}; });
    addLayer(id, layer, show);
    markPainted();
  };

  // ---------------------------------------------------------------- 圏域 option
  zm.setOption = function (data) {
    option = data;  // {name, kens, assignments, polygons (fc or null), labels: [[lat, lon, text]]}
    zm.restyleMunicipalities();
    const group = L.layerGroup();
    if (data && data.polygons) {
      L.geoJSON(data.polygons, {
        renderer: renderer, interactive: false,
        style: () => ({color: "#111", weight: 3.2, opacity: 1, fill: false}),
      }).addTo(group);
    }
    if (data && data.labels) {
      for (const [lat, lon, text] of data.labels) {
        L.tooltip({permanent: true, direction: "center", className: "zm-label", interactive: false})
          .setLatLng([lat, lon]).setContent(el("span", null, text)).addTo(group);
      }
    }
    addLayer("option", group, true);
    updateLegend();
    markPainted();
  };

  zm.setEditKen = function (key, label) {
    editKen = key;
    if (!banner) return;
    banner.getContainer().textContent = key ? "クリックで割り当て: " + label : "";
    banner.getContainer().classList.toggle("zm-hidden", !key);
  };

  // ---------------------------------------------------------------- facilities
  zm.setFacilities = function (styles, rows) {
    // rows: [id, cat, lat, lon, short name, subtype, address, level_label, official name, approximate]
    facStyles = styles;
    approxShown = false;
    for (const k of Object.keys(facMarkers)) delete facMarkers[k];
    const groups = {};
    for (const cat of Object.keys(styles)) groups[cat] = L.featureGroup();
    for (const r of rows) {
      const [id, cat, lat, lon, name, subtype, address, level, official, approx] = r;
      const st = styles[cat] || {color: "#777", marker: "o", label: cat};
      // an approximate position (町字・市区町村代表点) is hollow: it is not where the building is
      const m = new SymbolMarker([lat, lon], approx ? {
        renderer: renderer, radius: st.radius || 7, shape: st.marker, color: st.color, weight: 2.4,
        fillColor: "#ffffff", fillOpacity: 0.9, opacity: 1, bubblingMouseEvents: false,
      } : {
        renderer: renderer, radius: st.radius || 7, shape: st.marker, color: "#111", weight: 1.3,
        fillColor: st.color, fillOpacity: 0.95, opacity: 1, bubblingMouseEvents: false,
      });
      if (approx) approxShown = true;
      m.__zmBase = {opacity: 1, fillOpacity: approx ? 0.9 : 0.95};
      m.__zmId = id;
      const lines = [st.label + (subtype ? "（" + subtype + "）" : "")];
      if (official && official !== name) lines.push(official);
      lines.push(address, "位置: " + level + (approx ? "（おおよその位置）" : ""));
      m.bindTooltip(() => tipNode(name, lines), {sticky: false, direction: "top", offset: [0, -6]});
      m.on("click", (e) => {
        if (placing !== null || clickMode) { onMapClick(e.latlng); return; }  // markers do not bubble
        if (bridge && !(dragging && dragging.moved)) bridge.facilityClicked(id);
      });
      facMarkers[id] = m;
      (groups[cat] || (groups[cat] = L.featureGroup())).addLayer(m);
    }
    for (const cat of Object.keys(groups)) addLayer("fac:" + cat, groups[cat], true);
    facRows = rows;
    renderStacks();
    updateLegend();
    markPainted();
    return rows.length;
  };

  // Facilities on exactly the same spot (typically a municipality's representative point when the
  // address could not be placed more precisely) would look like one symbol: number them.
  function renderStacks() {
    const counts = {};
    for (const r of facRows) {
      if (!visible["fac:" + r[1]] || !layers["fac:" + r[1]]) continue;
      const key = r[2].toFixed(5) + "," + r[3].toFixed(5);
      (counts[key] = counts[key] || {lat: r[2], lon: r[3], n: 0}).n += 1;
    }
    const group = L.layerGroup();
    stackCount = 0;
    for (const key of Object.keys(counts)) {
      const c = counts[key];
      if (c.n < 2) continue;
      stackCount += 1;
      const icon = L.divIcon({className: "zm-stack", html: "", iconSize: null, iconAnchor: [-6, 20]});
      const m = L.marker([c.lat, c.lon], {icon: icon, interactive: false, keyboard: false});
      m.on("add", () => { const e = m.getElement(); if (e) e.textContent = String(c.n); });
      group.addLayer(m);
    }
    if (layers["facstacks"]) map.removeLayer(layers["facstacks"]);
    layers["facstacks"] = group;
    visible["facstacks"] = true;
    group.addTo(map);
  }
  zm.stackCount = function () { return stackCount; };

  zm.isDragMode = function () { return dragMode; };

  function placeAt(latlng) {
    const id = placing;
    placing = null;
    map.getContainer().style.cursor = dragMode ? "move" : "";
    zm.setEditKen(null, "");
    if (bridge && id !== null) bridge.facilityMoved(id, latlng.lat, latlng.lng);
  }

  zm.startPlacing = function (id, label) {
    placing = id;
    map.getContainer().style.cursor = "crosshair";
    if (banner) {
      banner.getContainer().textContent = "クリックした地点に配置: " + label;
      banner.getContainer().classList.remove("zm-hidden");
    }
    return true;
  };

  zm.cancelPlacing = function () { placing = null; map.getContainer().style.cursor = dragMode ? "move" : ""; };

  zm.setDragMode = function (on) {
    dragMode = !!on;
    // a press soon after a click is a double click: it must not zoom while placing facilities
    if (dragMode) map.doubleClickZoom.disable(); else map.doubleClickZoom.enable();
    map.getContainer().style.cursor = on ? "move" : "";
  };

  // Dragging uses DOM events on the container: the marker follows the cursor, so Leaflet's own
  // layer events would be swallowed by the marker itself (bubblingMouseEvents: false).
  function onDomDown(ev) {
    if (ev.button !== 0 || placing !== null) return;
    const pt = map.mouseEventToContainerPoint(ev);
    let best = null, bestD = Infinity;
    const consider = (m) => {
      if (!map.hasLayer(m) || !m.getLatLng) return;
      const d = map.latLngToContainerPoint(m.getLatLng()).distanceTo(pt);
      if (d < bestD) { bestD = d; best = m; }
    };
    for (const id of Object.keys(dragLayers)) {  // points of a draggable layer: always (they sit on top)
      if (layers[id] === dragLayers[id] && map.hasLayer(dragLayers[id])) dragLayers[id].eachLayer(consider);
    }
    if (!best && dragMode) for (const id of Object.keys(facMarkers)) consider(facMarkers[id]);
    if (!best || bestD > (best.options.radius || 7) + 4) return;
    dragging = {marker: best, start: pt, moved: false};
    map.dragging.disable();
    ev.stopPropagation();
    ev.preventDefault();
  }

  function onDomMove(ev) {
    if (!dragging) return;
    const pt = map.mouseEventToContainerPoint(ev);
    if (pt.distanceTo(dragging.start) > 3) dragging.moved = true;
    dragging.marker.setLatLng(map.containerPointToLatLng(pt));
  }

  function onDomUp(ev) {
    if (!dragging) return;
    const d = dragging;
    onDomMove(ev);
    map.dragging.enable();
    if (d.moved && bridge) {
      const ll = d.marker.getLatLng();
      if (d.marker.__zmLayerId !== undefined) bridge.featureMoved(d.marker.__zmLayerId, d.marker.__zmFid, ll.lat, ll.lng);
      else bridge.facilityMoved(d.marker.__zmId, ll.lat, ll.lng);
    }
    setTimeout(() => { dragging = null; }, 0);
  }

  zm.highlightFacility = function (id, zoom) {
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    const m = facMarkers[id];
    if (!m) return false;
    highlight = L.circleMarker(m.getLatLng(), {renderer: renderer, radius: 16, color: "#ff00ff", weight: 4, fill: false, interactive: false}).addTo(map);
    if (zoom) map.setView(m.getLatLng(), Math.max(map.getZoom(), 13));
    markPainted();
    return true;
  };

  // ---------------------------------------------------------------- coverage
  const covLabels = {};

  function fitPadding(bounds) {
    const box = legend ? legend.getContainer() : null;
    const shown = box && !box.classList.contains("zm-hidden");
    const lw = shown ? box.offsetWidth : 0;
    const lh = shown ? box.offsetHeight : 0;
    const size = map.getSize();
    if (!lw) return {padding: [20, 20]};
    // keep the data clear of the legend: beside it or below it, whichever leaves the data larger
    let r = 1;
    if (bounds && bounds.isValid()) {
      const a = map.latLngToContainerPoint(bounds.getNorthWest()), b = map.latLngToContainerPoint(bounds.getSouthEast());
      const w = Math.abs(b.x - a.x), h = Math.abs(b.y - a.y);
      if (w > 0 && h > 0) r = w / h;
    }
    const sideW = size.x - lw - 50, sideH = size.y - 40;
    const topW = size.x - 40, topH = size.y - lh - 40;
    const side = sideW > 120 ? Math.min(sideW / r, sideH) : 0;   // resulting data height
    const top = topH > 120 ? Math.min(topW / r, topH) : 0;
    if (side <= 0 && top <= 0) return {padding: [20, 20]};
    if (side >= top) return {paddingTopLeft: [20, 20], paddingBottomRight: [lw + 30, 20]};
    return {paddingTopLeft: [20, lh + 20], paddingBottomRight: [20, 20]};
  }

  const covGapStyle = {};   // cat -> {gap: colour, shape}

  zm.setCoverage = function (cat, bands, gaps, color, label, gapStyle) {
    covLabels[cat] = label || cat;
    const gs = Object.assign({gap: "#000000", shape: "x", hollow: false}, gapStyle || {});
    covGapStyle[cat] = gs;
    // bands: FeatureCollection with band_min (largest first); gaps: [[lat, lon, pop]]
    const bl = L.geoJSON(bands, {
      renderer: renderer, interactive: false,
      style: (f) => {
        const idx = f.properties.rank || 0;
        const fo = [0.22, 0.12, 0.06, 0.04][idx] || 0.04;
        return {color: color, weight: idx ? 0.6 : 1.4, opacity: 0.6, fillColor: color, fillOpacity: fo};
      },
    });
    bl.eachLayer((l) => { l.__zmBase = {opacity: 0.6, fillOpacity: l.options.fillOpacity}; });
    bl.__zmColor = color;
    addLayer("band:" + cat, bl, true);
    const gl = L.featureGroup();
    for (const [lat, lon, pop] of gaps) {
      // small and a little transparent: dense gap points (a mesh) read as a texture, not a black blot
      const m = new SymbolMarker([lat, lon], gs.hollow ? {
        renderer: renderer, radius: 2.7, shape: gs.shape, color: gs.gap, weight: 1.1,
        fillColor: gs.gap, fillOpacity: 0, opacity: 0.7, interactive: true,
      } : {
        renderer: renderer, radius: 2.7, shape: gs.shape, color: "#ffffff", weight: 0.3,
        fillColor: gs.gap, fillOpacity: 0.7, opacity: 0.5, interactive: true,
      });
      m.__zmBase = gs.hollow ? {opacity: 0.7, fillOpacity: 0} : {opacity: 0.5, fillOpacity: 0.7};
      m.bindTooltip(() => tipNode("カバー外: " + covLabels[cat], ["人口 " + Math.round(pop) + " 人"]));
      gl.addLayer(m);
    }
    addLayer("gap:" + cat, gl, true);
    updateLegend();
    markPainted();
    return gaps.length;
  };

  zm.clearLayer = function (id) {
    if (layers[id]) { map.removeLayer(layers[id]); delete layers[id]; }
    delete dragLayers[id];
    delete extraLegend[id];
    updateLegend();
    markPainted();
  };

  // ---------------------------------------------------------------- generic layers (gui/maplayers.py)
  const extraLegend = {};   // id -> {title, rows: [{label, color, shape, opacity}]}

  function tipLines(p) {
    const t = p && p._tip;
    if (!Array.isArray(t) || !t.length) return null;
    return tipNode(String(t[0]), t.slice(1).map(String));
  }

  zm.setGeoJson = function (id, fc, style, opts) {
    opts = opts || {};
    const base = Object.assign({}, style || {});
    const interactive = !!opts.interactive;
    const layer = L.geoJSON(fc, {
      renderer: renderer, interactive: true,
      style: (f) => Object.assign({}, base, (f.properties && f.properties._style) || {}),
      pointToLayer: (f, ll) => {
        const lab = f.properties && f.properties._label;
        if (lab !== undefined && lab !== null) {  // a text label on the map (maplayers.py: _label)
          const m = L.circleMarker(ll, {renderer: renderer, radius: 0, stroke: false, fill: false, interactive: false});
          m.bindTooltip(el("span", null, String(lab)), {permanent: true, direction: "center",
            className: "zm-label zm-value-label", interactive: false, offset: [0, 17]});
          return m;
        }
        return new SymbolMarker(ll, Object.assign(
          {renderer: renderer, radius: base.radius || 5, shape: base.shape || "o", bubblingMouseEvents: false},
          base, {fill: true}, (f.properties && f.properties._style) || {}));
      },
      onEachFeature: (f, l) => {
        const st = Object.assign({}, base, (f.properties && f.properties._style) || {});
        l.__zmBase = {opacity: st.opacity !== undefined ? st.opacity : 1,
                      fillOpacity: st.fillOpacity !== undefined ? st.fillOpacity : 0.5};
        if (tipLines(f.properties)) l.bindTooltip(() => tipLines(f.properties), {sticky: true});
        const fid0 = f.properties && f.properties._id;
        if (opts.draggable && l.setLatLng && fid0 !== undefined && fid0 !== null) {
          l.__zmLayerId = String(id); l.__zmFid = String(fid0);
        }
        l.on("click", (e) => {
          if (dragging && dragging.moved) { L.DomEvent.stopPropagation(e); return; }
          if (placing !== null || clickMode) { L.DomEvent.stopPropagation(e); onMapClick(e.latlng); return; }
          const fid = f.properties && f.properties._id;
          if (interactive && bridge && fid !== undefined && fid !== null) {
            L.DomEvent.stopPropagation(e);
            bridge.featureClicked(String(id), String(fid));
          }
        });
      },
    });
    if (opts.legend && opts.legend.length) extraLegend[id] = {title: opts.legendTitle || "", rows: opts.legend};
    else delete extraLegend[id];
    addLayer(id, layer, opts.visible !== false);
    if (opts.draggable) dragLayers[id] = layer; else delete dragLayers[id];
    if (map.hasLayer(layer)) placeLayer(layer, opts.placement);
    layer.__zmPlacement = opts.placement || "overlay";
    updateLegend();
    markPainted();
    let n = 0; layer.eachLayer(() => { n += 1; });
    return n;
  };

  function placeLayer(layer, placement) {
    if (placement === "base") {
      if (layer.bringToBack) layer.bringToBack();
      if (muniLayer && map.hasLayer(muniLayer)) muniLayer.bringToBack();
    } else if (placement === "top") {
      if (layer.bringToFront) layer.bringToFront();
    }
  }

  function legendSymbol(row) {
    if (row.shape === "swatch") {
      const sw = el("span", "zm-swatch"); sw.style.background = row.color; sw.style.opacity = String(row.opacity);
      return sw;
    }
    if (row.shape === "line") {
      const ln = el("span", "zm-line"); ln.style.borderTopColor = row.color; ln.style.opacity = String(row.opacity);
      return ln;
    }
    return symbolCanvas(row.shape, row.color, 16);
  }

  // ---------------------------------------------------------------- click mode (a feature takes the map clicks)
  let clickMode = null;

  function onMapClick(latlng) {
    if (dragging && dragging.moved) return;  // the click that ends a drag
    if (placing !== null) { placeAt(latlng); return; }
    if (clickMode && bridge) bridge.mapClicked(latlng.lat, latlng.lng);
  }

  zm.setClickMode = function (label) {
    clickMode = label ? String(label) : null;
    map.getContainer().style.cursor = clickMode ? "crosshair" : (dragMode ? "move" : "");
    if (banner) {
      banner.getContainer().textContent = clickMode || "";
      banner.getContainer().classList.toggle("zm-hidden", !clickMode);
    }
    return true;
  };

  // ---------------------------------------------------------------- visibility / opacity / zoom
  zm.setVisible = function (id, on) {
    visible[id] = !!on;
    if (id === "option") { zm.restyleMunicipalities(); }
    const layer = layers[id];
    if (layer) {
      if (on && !map.hasLayer(layer)) layer.addTo(map);
      if (!on && map.hasLayer(layer)) map.removeLayer(layer);
      if (on && id === "munis") layer.bringToBack();
    }
    if (id.startsWith("fac:")) renderStacks();
    updateLegend();
    markPainted();
  };

  zm.setOpacity = function (id, a) {
    opacity[id] = Math.max(0, Math.min(1, Number(a)));
    if (id === "munis" || id === "option") zm.restyleMunicipalities(); else applyOpacity(id);
    markPainted();
  };

  zm.zoomToBounds = function (s, w, n, e) {
    map.fitBounds([[s, w], [n, e]], {padding: [20, 20]});
    markPainted();
  };

  zm.zoomToMunis = function (codes) {
    map.invalidateSize(false);
    let b = null;
    for (const c of codes) {
      const l = muniByCode[c];
      if (!l) continue;
      b = b ? b.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
    }
    if (b) { map.fitBounds(b, fitPadding(b)); markPainted(); return true; }
    return false;
  };

  zm.zoomAll = function () {
    map.invalidateSize(false);  // the Qt view may have been resized since Leaflet cached its size
    if (muniLayer) { const b = muniLayer.getBounds(); if (b.isValid()) map.fitBounds(b, Object.assign({animate: false}, fitPadding(b))); }
    markPainted();
  };

  // ---------------------------------------------------------------- legend
  zm.setLegendNote = function (note) { legendInfo.note = note || ""; updateLegend(); };
  zm.setLegendCollapsed = function (on) { legendCollapsed = !!on; updateLegend(); return legendCollapsed; };

  function updateLegend() {
    if (!legend) return;
    const box = legend.getContainer();
    box.textContent = "";
    const head = el("h4", "zm-legend-head", legendCollapsed ? "凡例 ▸" : "凡例 ▾");
    head.title = "クリックで凡例をたたむ・開く";
    head.addEventListener("click", (ev) => {
      ev.stopPropagation();
      legendCollapsed = !legendCollapsed;
      updateLegend();
    });
    box.appendChild(head);
    if (option && visible["option"] !== false && option.kens) {
      box.appendChild(el("div", "zm-tip-title", option.name));
      for (const key of Object.keys(option.kens)) {
        const row = el("div", "zm-row");
        const sw = el("span", "zm-swatch"); sw.style.background = option.kens[key].color || "#ccc";
        row.appendChild(sw); row.appendChild(el("span", null, option.kens[key].name));
        box.appendChild(row);
      }
    }
    for (const cat of Object.keys(facStyles)) {
      const id = "fac:" + cat;
      if (!layers[id] || !visible[id]) continue;
      const st = facStyles[cat];
      const row = el("div", "zm-row");
      row.appendChild(symbolCanvas(st.marker, st.color, 18));
      row.appendChild(el("span", null, st.label + (st.count !== undefined ? "（" + st.count + "）" : "")));
      box.appendChild(row);
    }
    const covCats = [];
    for (const id of Object.keys(layers)) {
      const cat = id.startsWith("band:") ? id.slice(5) : id.startsWith("gap:") ? id.slice(4) : null;
      if (cat !== null && visible[id] && !covCats.includes(cat)) covCats.push(cat);
    }
    for (const cat of covCats) {  // one row per category: its band colour and its gap symbol
      const band = layers["band:" + cat] && visible["band:" + cat];
      const gap = layers["gap:" + cat] && visible["gap:" + cat];
      const row = el("div", "zm-row");
      if (band) {
        const sw = el("span", "zm-swatch"); sw.style.opacity = "0.45";
        sw.style.background = layers["band:" + cat].__zmColor || (facStyles[cat] || {}).color || "#555";
        row.appendChild(sw);
      }
      if (gap) {
        const gs = covGapStyle[cat] || {gap: "#000000", shape: "x"};
        row.appendChild(symbolCanvas(gs.shape, gs.gap, 14, gs.hollow));
      }
      const what = band && gap ? "到達圏・カバー外の人口" : band ? "到達圏" : "カバー外の人口";
      row.appendChild(el("span", null, what + ": " + (covLabels[cat] || cat)));
      box.appendChild(row);
    }
    if (approxShown && Object.keys(facStyles).some((c) => visible["fac:" + c])) {
      const row = el("div", "zm-row");
      row.appendChild(symbolCanvas("o", "#555555", 16, true));
      row.appendChild(el("span", null, "中抜き: おおよその位置"));
      box.appendChild(row);
    }
    if (stackCount > 0) {
      const row = el("div", "zm-row");
      row.appendChild(el("span", "zm-stack zm-stack-legend", "3"));
      row.appendChild(el("span", null, "同じ位置に重なる施設の数"));
      box.appendChild(row);
    }
    for (const id of Object.keys(extraLegend)) {
      if (!layers[id] || !visible[id]) continue;
      const spec = extraLegend[id];
      if (spec.title) box.appendChild(el("div", "zm-tip-title", spec.title));
      for (const r of spec.rows) {
        const row = el("div", "zm-row");
        row.appendChild(legendSymbol(r));
        row.appendChild(el("span", null, r.label));
        box.appendChild(row);
      }
    }
    const empty = box.childElementCount <= 1;  // only the heading: no legend at all (empty project)
    if (legendInfo.note) {  // the coverage conditions: one line, opened on demand (the status bar has them too)
      const det = document.createElement("details");
      det.className = "zm-note";
      det.open = noteOpen;
      det.addEventListener("toggle", () => { noteOpen = det.open; });
      det.appendChild(el("summary", null, "到達圏の条件"));
      det.appendChild(el("div", null, legendInfo.note));
      box.appendChild(det);
    }
    box.classList.toggle("zm-hidden", empty);
    box.classList.toggle("zm-collapsed", legendCollapsed);
  }

  // ---------------------------------------------------------------- font + stats
  zm.setFont = function (url) {
    const style = document.createElement("style");
    // url comes from Python (the bundled TTF); quote it safely
    style.textContent = "@font-face { font-family: 'ZMJapanese'; src: url(" + JSON.stringify(String(url)) + "); }";
    document.head.appendChild(style);
    return true;
  };

  zm.stats = function () {
    const counts = {};
    for (const id of Object.keys(layers)) {
      let n = 0;
      if (layers[id].eachLayer) layers[id].eachLayer(() => { n += 1; });
      counts[id] = {n: n, shown: map.hasLayer(layers[id])};
    }
    let drawn = 0;
    if (muniLayer && map.hasLayer(muniLayer)) muniLayer.eachLayer((l) => { if (l._parts && l._parts.length) drawn += 1; });
    return JSON.stringify({ready: window.__zmReady, painted: window.__zmPainted, munis: Object.keys(muniByCode).length,
                           munisDrawn: drawn, facilities: Object.keys(facMarkers).length, layers: counts,
                           zoom: map.getZoom()});
  };

  // the drawn symbol of one facility (tests and screenshots read it: hollow = approximate position)
  zm.facilityStyleOf = function (id) {
    const m = facMarkers[id];
    if (!m) return "";
    const o = m.options;
    return JSON.stringify({shape: o.shape, color: o.color, fillColor: o.fillColor, fillOpacity: o.fillOpacity,
                           weight: o.weight});
  };

  zm.openFacilityTooltip = function (id) {
    const m = facMarkers[id];
    if (!m) return "";
    m.openTooltip();
    const t = m.getTooltip();
    const node = t && t.getElement();
    return node ? node.textContent : "";
  };

  zm.pixelOf = function (lat, lon) {
    const p = map.latLngToContainerPoint([lat, lon]);
    return JSON.stringify([p.x, p.y]);
  };

  // ---------------------------------------------------------------- start
  function init() {
    map = L.map("map", {preferCanvas: true, zoomControl: true, attributionControl: true, zoomSnap: 0.1, zoomDelta: 1,
                        minZoom: 4, maxZoom: 18});
    renderer = L.canvas({padding: 0.3, tolerance: 3});
    map.setView([35.5, 137.5], 6);
    map.attributionControl.setPrefix("Leaflet");
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(map);
    legend = L.control({position: "topright"});
    legend.onAdd = () => {
      const box = el("div", "zm-legend");
      L.DomEvent.disableClickPropagation(box);  // opening the legend never assigns a municipality
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legend.addTo(map);
    banner = L.control({position: "topleft"});
    banner.onAdd = () => el("div", "zm-banner zm-hidden");
    banner.addTo(map);
    map.on("click", (e) => onMapClick(e.latlng));  // clicks outside polygons
    map.getContainer().addEventListener("mousedown", onDomDown, true);
    map.getContainer().addEventListener("mousemove", onDomMove, true);
    document.addEventListener("mouseup", onDomUp, true);
    updateLegend();
    if (typeof QWebChannel !== "undefined" && window.qt && qt.webChannelTransport) {
      new QWebChannel(qt.webChannelTransport, (channel) => {
        bridge = channel.objects.bridge || null;
        window.__zmReady = true;
        if (bridge) bridge.pageReady();
      });
    } else {
      window.__zmReady = true;
    }
  }

  zm.setAttribution = function (text) {
    map.attributionControl.setPrefix(false);
    for (const k of Object.keys(map.attributionControl._attributions || {})) map.attributionControl.removeAttribution(k);
    // addAttribution would treat the text as HTML: escape it first
    const div = el("div", null, text);
    map.attributionControl.addAttribution(div.innerHTML);
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
