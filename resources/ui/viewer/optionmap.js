/* zaitaku-map option map: one Leaflet map that shows every 圏域 option of a project and switches
 * between them without reloading anything.
 *
 * Shared by the offline viewer for committee members (export --viewer, inlined into one HTML file)
 * and the meeting mode of the desktop application (loaded from resources/ui/meeting/meeting.html).
 *
 * The document `doc` is built by zaitaku_map/export/viewer.py (see the schema there).  Every text
 * that comes from data (names, addresses, notes) reaches the DOM through textContent only — never
 * innerHTML — so a facility whose name is an HTML tag with an onerror handler is shown as those characters.
 */
"use strict";

(function (global) {
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fmtInt(v) {
    return (v === null || v === undefined || !isFinite(v)) ? "－" : Math.round(v).toLocaleString("ja-JP");
  }

  /** Popup/tooltip node: a bold title and rows of [heading, value]. */
  function infoNode(title, rows, extraClass) {
    const box = el("div", "zm-pop" + (extraClass ? " " + extraClass : ""));
    box.appendChild(el("div", "zm-pop-title", title));
    const table = el("table");
    for (const [head, value] of rows) {
      if (value === "" || value === null || value === undefined) continue;
      const tr = el("tr");
      tr.appendChild(el("th", null, head));
      tr.appendChild(el("td", null, value));
      table.appendChild(tr);
    }
    if (table.childNodes.length) box.appendChild(table);
    return box;
  }

  /** A small cross on the canvas: the people outside coverage, as in the printed maps (never a facility's circle). */
  const CrossMarker = L.CircleMarker.extend({
    _updatePath: function () {
      const r = this._renderer;
      if (!r._ctx || !this._point || this._empty()) return;
      const ctx = r._ctx, p = this._point, h = this._radius, o = this.options;
      ctx.globalAlpha = o.fillOpacity;
      ctx.strokeStyle = o.fillColor;
      ctx.lineWidth = Math.max(0.8, h * 0.45);
      ctx.beginPath();
      ctx.moveTo(p.x - h, p.y - h); ctx.lineTo(p.x + h, p.y + h);
      ctx.moveTo(p.x - h, p.y + h); ctx.lineTo(p.x + h, p.y - h);
      ctx.stroke();
      ctx.globalAlpha = 1;
    },
  });

  const DEFAULT_VISIBLE = {kens: true, munis: true, labels: true, muni_labels: false, notes: true};

  class OptionMap {
    /**
     * @param {HTMLElement|string} div  container of the map
     * @param {object} doc  the document of export/viewer.py
     * @param {object} opts  {scale: symbol/line factor, zoomControl, onMuniClick(i, latlng),
     *                        onKenClick(kenIndex, latlng), interactivePopups (default true)}
     */
    constructor(div, doc, opts) {
      this.doc = doc;
      this.opts = Object.assign({scale: 1, zoomControl: true, interactivePopups: true}, opts || {});
      this.strings = doc.strings || [];
      this.map = L.map(div, {preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 4, maxZoom: 17,
                             attributionControl: false, zoomControl: this.opts.zoomControl});
      // the canvas margin beyond the view (Leaflet's default 0.1): every redraw paints it too
      this.renderer = L.canvas({padding: this.opts.canvasPadding === undefined ? 0.4 : this.opts.canvasPadding, tolerance: 4});
      this.visible = Object.assign({}, DEFAULT_VISIBLE);
      for (const c of doc.coverage || []) {
        this.visible["band:" + c.key] = !!c.show_bands;
        this.visible["gap:" + c.key] = !!c.show_gaps;
      }
      for (const f of doc.facilities || []) this.visible["fac:" + f.cat] = !!f.show;
      this.option = 0;
      this.highlighted = new Set();
      this.paints = 0;
      this.listeners = {};
      this.outlines = {};      // option index -> L.Layer
      this.labels = {};        // option index -> L.LayerGroup
      this.layers = {};        // id -> L.Layer (bands, gaps, facilities, muni labels, highlight, notes)
      this.codeIndex = {};
      this.facMarkers = [];    // flat, in doc order: [catIndex, rowIndex, marker]
      this.overrides = null;   // {muniIndex: kenIndex} of live edits shown over the option
      this._buildMunis();
      this._buildCoverage();
      this._buildFacilities();
      this._buildMuniLabels();
      this.setOption(0);
      this.fitAll(false);
      this._loaded = true;
      // the container may still change size (page layout, full screen, a window resize): keep the map
      // filling it, and keep the whole region in view until the user has moved the map
      this.userMoved = false;
      this.map.on("dragstart zoomstart", (e) => { if (!this._fitting) this.userMoved = true; });
      this.map.on("zoomend", () => this._declutter());  // names that collide at this zoom give way
      if (typeof ResizeObserver !== "undefined") {
        new ResizeObserver(() => {
          this.map.invalidateSize(false);
          if (!this.userMoved) this.fitAll(false);
        }).observe(this.map.getContainer());
      }
    }

    // ------------------------------------------------------------------ events
    on(name, fn) { (this.listeners[name] = this.listeners[name] || []).push(fn); return this; }
    _emit(name, ...args) { for (const fn of this.listeners[name] || []) fn(...args); }

    _painted() {
      this._declutter();
      // two frames: the canvas has been drawn and composited
      requestAnimationFrame(() => requestAnimationFrame(() => { this.paints += 1; this._emit("painted", this.paints); }));
    }

    str(i) { return (typeof i === "number") ? (this.strings[i] || "") : (i || ""); }

    // ------------------------------------------------------------------ municipalities
    _kenOf(muniIndex, optIndex) {
      const o = optIndex === undefined ? this.option : optIndex;
      if (o === this.option && this.overrides && this.overrides[muniIndex] !== undefined) return this.overrides[muniIndex];
      const opt = this.doc.options[o];
      return opt ? opt.assign[muniIndex] : -1;
    }

    _muniStyle(i) {
      const st = this.doc.style;
      const k = this._kenOf(i);
      const ken = k >= 0 ? this.doc.options[this.option].kens[k] : null;
      const anyCov = (this.doc.coverage || []).some((c) => this.visible["band:" + c.key]);
      const show = this.visible.kens;
      return {
        color: st.muni_edge, weight: this.visible.munis ? 1 * this.opts.scale : 0, opacity: this.visible.munis ? 0.9 : 0,
        fillColor: ken && show ? ken.color : st.outside_fill,
        fillOpacity: ken && show ? (anyCov ? 0.42 : 0.6) : 1,
      };
    }

    _buildMunis() {
      const self = this;
      // properties.i is the municipality's index in every option's `assign` (features without a
      // geometry are left out of the collection, so the index is not the position in it)
      this.muniFeature = {};
      for (const f of this.doc.munis.features) { self.codeIndex[f.properties.c] = f.properties.i; self.muniFeature[f.properties.i] = f; }
      this.muniLayers = [];
      this.munis = L.geoJSON(this.doc.munis, {
        renderer: this.renderer,
        style: (f) => self._muniStyle(f.properties.i),
        onEachFeature: (f, layer) => {
          const i = f.properties.i;
          self.muniLayers[i] = layer;
          layer.bindTooltip(() => {
            const k = self._kenOf(i);
            const opt = self.doc.options[self.option];
            return infoNode(f.properties.n, [[self.doc.text.ken, k >= 0 ? opt.kens[k].name : self.doc.text.unassigned]]);
          }, {sticky: true, className: "zm-tip"});
          layer.on("click", (e) => {
            self._emit("municlick", i, e.latlng, e);
            if (self.opts.interactivePopups) self.openMuniPopup(i, e.latlng);
          });
        },
      }).addTo(this.map);
    }

    /** Index of the municipality containing ``latlng`` (ray casting on the drawn geometry), or -1. */
    muniAt(latlng) {
      const x = latlng.lng, y = latlng.lat;
      const inRing = (ring) => {
        let inside = false;
        for (let j = 0, k = ring.length - 1; j < ring.length; k = j++) {
          const xi = ring[j][0], yi = ring[j][1], xk = ring[k][0], yk = ring[k][1];
          if ((yi > y) !== (yk > y) && x < ((xk - xi) * (y - yi)) / (yk - yi) + xi) inside = !inside;
        }
        return inside;
      };
      const inPolygon = (rings) => inRing(rings[0]) && !rings.slice(1).some(inRing);
      for (const f of this.doc.munis.features) {
        const g = f.geometry;
        if (!g) continue;
        const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
        if (polys.some(inPolygon)) return f.properties.i;
      }
      return -1;
    }

    openMuniPopup(i, latlng) {
      const f = this.muniFeature[i];
      const t = this.doc.text;
      const k = this._kenOf(i);
      const opt = this.doc.options[this.option];
      const rows = [[t.ken, k >= 0 ? opt.kens[k].name : t.unassigned]];
      // the same municipality in the other options
      this.doc.options.forEach((o, j) => {
        if (j === this.option) return;
        const kk = o.assign[i];
        rows.push([o.name, kk >= 0 ? o.kens[kk].name : t.unassigned]);
      });
      const node = infoNode(f.properties.n, rows);
      if (k >= 0) {
        const row = opt.table && opt.table.rows[k];
        if (row) node.appendChild(this.kenSummaryNode(k));
      }
      L.popup({maxWidth: 420}).setLatLng(latlng).setContent(node).openOn(this.map);
    }

    /** Compact table of one 圏域 of the current option (population, counts, coverage). */
    kenSummaryNode(k) {
      const opt = this.doc.options[this.option];
      const tab = opt.table;
      const rows = [];
      if (tab && tab.rows[k]) {
        tab.cols.forEach((c, j) => { if (c[2]) rows.push([c[1], tab.rows[k][j]]); });
      }
      return infoNode(opt.kens[k].name + "（" + opt.name + "）", rows, "zm-pop-sub");
    }

    restyle() {
      for (const layer of this.muniLayers) if (layer) layer.setStyle(this._muniStyle(layer.feature.properties.i));
      this._painted();
    }

    // ------------------------------------------------------------------ options
    _outline(o) {
      if (!this.outlines[o]) {
        const st = this.doc.style;
        const w = 3 * this.opts.scale;
        this.outlines[o] = L.geoJSON(this.doc.options[o].outline, {
          renderer: this.renderer, interactive: false,
          style: () => ({color: st.ken_edge, weight: w, opacity: 0.95, fill: false}),
        });
      }
      return this.outlines[o];
    }

    _labels(o) {
      if (!this.labels[o]) {
        // where names collide the larger 圏域 keeps its name (extent of its outline)
        const size = {};
        this._outline(o).eachLayer((l) => {
          const b = l.getBounds();
          size[l.feature.properties.k] = b.isValid()
            ? (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest()) : 0;
        });
        const g = L.layerGroup();
        this.doc.options[o].kens.forEach((ken, k) => {
          if (!ken.label) return;
          const m = this._labelMarker(ken.label, ken.name, "zm-ken-label");
          m.options.zmKen = k;
          m.options.zmPriority = size[k] || 0;
          g.addLayer(m);
        });
        this.labels[o] = g;
      }
      return this.labels[o];
    }

    /** Hide the 圏域 names (and their figures) that would overlap a larger 圏域's name at this zoom. */
    _declutter() {
      const g = this.labels[this.option];
      this.labelsHidden = 0;
      if (!g || !this.map.hasLayer(g)) return;
      const items = g.getLayers().map((m) => ({m: m, node: m.getElement() && m.getElement().firstChild}))
        .filter((it) => it.node)
        .sort((x, y) => (y.m.options.zmPriority - x.m.options.zmPriority) || (x.m.options.zmKen - y.m.options.zmKen));
      for (const it of items) it.node.style.visibility = "";
      const kept = [];
      const hidden = new Set();
      for (const it of items) {
        const r = it.node.getBoundingClientRect();
        const pad = 2;
        const clash = kept.some((q) => r.left < q.right + pad && r.right + pad > q.left &&
                                       r.top < q.bottom + pad && r.bottom + pad > q.top);
        if (clash) { it.node.style.visibility = "hidden"; hidden.add(it.m.options.zmKen); }
        else kept.push(r);
      }
      if (this.layers.kenvalues) {
        this.layers.kenvalues.eachLayer((m) => {
          const node = m.getElement() && m.getElement().firstChild;
          if (node) node.style.visibility = hidden.has(m.options.zmKen) ? "hidden" : "";
        });
      }
      this.labelsHidden = hidden.size;
    }

    /** Pairs of 圏域 names drawn over each other (for tests: 0 after decluttering). */
    labelOverlaps() {
      const g = this.labels[this.option];
      if (!g || !this.map.hasLayer(g)) return 0;
      const rects = g.getLayers().map((m) => m.getElement() && m.getElement().firstChild)
        .filter((n) => n && n.style.visibility !== "hidden").map((n) => n.getBoundingClientRect());
      let n = 0;
      for (let i = 0; i < rects.length; i++) {
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i], b = rects[j];
          if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) n++;
        }
      }
      return n;
    }

    _labelMarker(latlon, text, cls) {
      const span = el("span", null, text);
      const icon = L.divIcon({className: "zm-label " + cls, html: span, iconSize: [0, 0]});
      return L.marker(latlon, {icon: icon, interactive: false, keyboard: false});
    }

    setOption(o) {
      o = Math.max(0, Math.min(this.doc.options.length - 1, o | 0));
      const prev = this.option;
      if (this.outlines[prev]) this.map.removeLayer(this.outlines[prev]);
      if (this.labels[prev]) this.map.removeLayer(this.labels[prev]);
      this.option = o;
      this.overrides = null;
      if (this.visible.kens) this._outline(o).addTo(this.map);
      if (this.visible.labels) this._labels(o).addTo(this.map);
      this.setKenValues([]);  // figures belong to one option: the host sends the new ones
      this.restyle();
      this._raise();
      this._emit("option", o);
      return o;
    }

    /** Replace one option's data (meeting mode: after a live edit or a save). */
    replaceOption(o, data) {
      const showing = o === this.option;
      if (this.outlines[o]) { this.map.removeLayer(this.outlines[o]); delete this.outlines[o]; }
      if (this.labels[o]) { this.map.removeLayer(this.labels[o]); delete this.labels[o]; }
      this.doc.options[o] = data;
      if (showing) this.setOption(o);
    }

    addOption(data) {
      this.doc.options.push(data);
      return this.doc.options.length - 1;
    }

    /** A second line under each 圏域 name (e.g. 「2040年度 7,156件/月」): ``rows`` [[ken index, text]]. */
    setKenValues(rows) {
      if (this.layers.kenvalues) this.map.removeLayer(this.layers.kenvalues);
      const g = L.layerGroup();
      const kens = this.doc.options[this.option].kens;
      for (const [k, text] of rows || []) {
        const ken = kens[k];
        if (!ken || !ken.label) continue;
        const m = this._labelMarker(ken.label, text, "zm-ken-value");
        m.options.zmKen = k;
        g.addLayer(m);
      }
      this.layers.kenvalues = g.addTo(this.map);
      this._painted();
      return g.getLayers().length;
    }

    // ------------------------------------------------------------------ coverage
    _buildCoverage() {
      this._fits = {};
      for (const c of this.doc.coverage || []) this._coverageLayers(c);
    }

    /** The bands and the points outside of one coverage category (built again by replaceCoverage). */
    _coverageLayers(c) {
      const st = this.doc.style;
      const n = c.bands.features.length;
      const bands = L.geoJSON(c.bands, {
        renderer: this.renderer, interactive: false,
        style: (f) => {
          const rank = f.properties.r;  // 0 = the nearest band
          const color = st.band_colors[Math.min(rank, st.band_colors.length - 1)];
          // the bands nest (the 45-minute one holds the 30 and the 15): near places get every layer
          return {stroke: false, fillColor: color, fillOpacity: n > 1 ? 0.2 : 0.3};
        },
      });
      this.layers["band:" + c.key] = bands;
      const gaps = L.featureGroup();
      const r = Math.max(1.3, Math.min(3, Math.sqrt(400 / Math.max(c.gaps.length, 1)) * 2.5)) * this.opts.scale;
      for (const g of c.gaps) {
        const m = new CrossMarker([g[0], g[1]], {renderer: this.renderer, radius: r, stroke: false,
                                                  fillColor: st.gap_color, fillOpacity: 0.7});
        m.bindTooltip(() => infoNode(c.gap_label, [[this.doc.text.population, g[2] === null ? "" : fmtInt(g[2]) + "人"],
                                                   [this.doc.text.nearest, g[3] === null ? c.beyond : g[3] + "分"]]),
                      {className: "zm-tip"});
        gaps.addLayer(m);
      }
      this.layers["gap:" + c.key] = gaps;
      // zoomed out, a cross never covers more than a third of the space between two points
      const fit = () => {
        if (!c.spacing_m) return;
        const lat = this.map.getCenter().lat;
        const mpp = 40075016.7 * Math.cos(lat * Math.PI / 180) / (256 * Math.pow(2, this.map.getZoom()));
        const half = Math.max(0.6, Math.min(r, (c.spacing_m / mpp) / 6));
        gaps.eachLayer((m) => { if (m.options.radius !== half) m.setRadius(half); });
      };
      if (this._fits[c.key]) this.map.off("zoomend", this._fits[c.key]);
      this._fits[c.key] = fit;
      this.map.on("zoomend", fit);
      if (this.visible["band:" + c.key]) bands.addTo(this.map);
      if (this.visible["gap:" + c.key]) gaps.addTo(this.map);
      if (this.map.getZoom() !== undefined && this._loaded) fit();
    }

    /** New bands and points outside for a coverage category (meeting mode: after a what-if edit). */
    replaceCoverage(part) {
      const i = this.doc.coverage.findIndex((c) => c.key === part.key);
      if (i < 0) return false;
      for (const id of ["band:" + part.key, "gap:" + part.key]) {
        if (this.layers[id] && this.map.hasLayer(this.layers[id])) this.map.removeLayer(this.layers[id]);
      }
      const c = Object.assign({}, this.doc.coverage[i], {bands: part.bands || this.doc.coverage[i].bands, gaps: part.gaps});
      this.doc.coverage[i] = c;
      this._coverageLayers(c);
      this._raise();
      this._painted();
      return true;
    }

    /** Hypothetical facilities of a what-if: [[lat, lon, label]] drawn as 「仮」 markers. */
    setWhatIf(sites) {
      if (this.layers.whatif) this.map.removeLayer(this.layers.whatif);
      const g = L.layerGroup();
      for (const [lat, lon, label] of sites || []) {
        const node = el("span", null, "仮");
        node.title = label;
        const icon = L.divIcon({className: "zm-whatif", html: node, iconSize: [0, 0]});
        g.addLayer(L.marker([lat, lon], {icon: icon, interactive: false, keyboard: false}));
      }
      this.layers.whatif = g.addTo(this.map);
      this._painted();
      return g.getLayers().length;
    }

    // ------------------------------------------------------------------ facilities
    _facilityPopup(group, row, idx) {
      const t = this.doc.text;
      const k = this._facilityKen(idx);
      const opt = this.doc.options[this.option];
      return infoNode(row[2], [
        [t.category, group.label], [t.subtype, this.str(row[3])], [t.address, row[4]],
        [t.muni, this.str(row[5])], [t.ken + "（" + opt.name + "）", k >= 0 ? opt.kens[k].name : t.outside],
        [t.roles, row[8]], [t.functions, row[9]], [t.precision, this.str(row[6])], [t.source, this.str(row[7])],
      ]);
    }

    _facilityKen(flatIndex) {
      const opt = this.doc.options[this.option];
      return opt.fac_ken ? opt.fac_ken[flatIndex] : -1;
    }

    _buildFacilities() {
      let flat = 0;
      (this.doc.facilities || []).forEach((group, gi) => {
        const fg = L.featureGroup();
        const radius = group.radius * this.opts.scale;
        group.rows.forEach((row, ri) => {
          const idx = flat++;
          if (row[0] === null) return;
          const role = !!row[8];
          const m = L.circleMarker([row[0], row[1]], {
            renderer: this.renderer, radius: radius + (role ? 1 : 0), color: "#111",
            weight: (role ? 2.6 : group.core ? 1.2 : 0.7) * Math.min(this.opts.scale, 1.6),
            fillColor: group.color, fillOpacity: 0.92, bubblingMouseEvents: false,
          });
          m.__zm = [gi, ri, idx];
          m.bindTooltip(() => infoNode(row[2], [[group.label, this.str(row[5])]]), {className: "zm-tip", direction: "top"});
          if (this.opts.interactivePopups) m.bindPopup(() => this._facilityPopup(group, row, idx), {maxWidth: 380});
          m.on("click", (e) => this._emit("facilityclick", gi, ri, e));
          fg.addLayer(m);
          this.facMarkers.push(m);
        });
        this.layers["fac:" + group.cat] = fg;
        if (this.visible["fac:" + group.cat]) fg.addTo(this.map);
      });
    }

    facilityMarker(gi, ri) {
      const g = this.layers["fac:" + this.doc.facilities[gi].cat];
      let hit = null;
      g.eachLayer((m) => { if (m.__zm[1] === ri) hit = m; });
      return hit;
    }

    // ------------------------------------------------------------------ municipality names
    _buildMuniLabels() {
      const g = L.layerGroup();
      for (const f of this.doc.munis.features) {
        if (f.properties.p) g.addLayer(this._labelMarker(f.properties.p, f.properties.n, "zm-muni-label"));
      }
      this.layers.muni_labels = g;
      if (this.visible.muni_labels) g.addTo(this.map);
    }

    // ------------------------------------------------------------------ visibility
    setVisible(id, on) {
      on = !!on;
      this.visible[id] = on;
      if (id === "kens") {
        const ol = this.outlines[this.option];
        if (on) this._outline(this.option).addTo(this.map); else if (ol) this.map.removeLayer(ol);
        this.restyle();
      } else if (id === "labels") {
        const lb = this.labels[this.option];
        if (on) this._labels(this.option).addTo(this.map); else if (lb) this.map.removeLayer(lb);
      } else if (id === "munis") {
        this.restyle();
      } else if (this.layers[id]) {
        if (on && !this.map.hasLayer(this.layers[id])) this.layers[id].addTo(this.map);
        if (!on && this.map.hasLayer(this.layers[id])) this.map.removeLayer(this.layers[id]);
        if (id.startsWith("band:")) this.restyle();
      }
      this._raise();
      this._painted();
      this._emit("visible", id, on);
      return on;
    }

    /** Keep the drawing order: fills < bands < outlines < highlight < gaps < facilities (canvas order). */
    _raise() {
      const order = [];
      for (const c of this.doc.coverage || []) order.push(this.layers["band:" + c.key]);
      order.push(this.outlines[this.option], this.layers.highlight, this.layers.notes);
      for (const c of this.doc.coverage || []) order.push(this.layers["gap:" + c.key]);
      for (const f of this.doc.facilities || []) order.push(this.layers["fac:" + f.cat]);
      for (const l of order) if (l && this.map.hasLayer(l) && l.bringToFront) l.bringToFront();
    }

    // ------------------------------------------------------------------ highlight (municipalities that change 圏域)
    setHighlight(indexes) {
      if (this.layers.highlight) this.map.removeLayer(this.layers.highlight);
      this.highlighted = new Set(indexes);
      const feats = [...this.highlighted].map((i) => this.muniFeature[i]).filter(Boolean);
      const st = this.doc.style;
      this.layers.highlight = L.geoJSON({type: "FeatureCollection", features: feats}, {
        renderer: this.renderer, interactive: false,
        // an outline only: a tint would change the 圏域 colour away from its legend swatch
        style: () => ({color: st.changed_edge, weight: 4 * this.opts.scale, opacity: 1, fill: false,
                       dashArray: "10 6"}),
      }).addTo(this.map);
      this._raise();
      this._painted();
      return feats.length;
    }

    // ------------------------------------------------------------------ live edits shown over the option
    setOverrides(map) {
      this.overrides = map && Object.keys(map).length ? map : null;
      this.restyle();
    }

    // ------------------------------------------------------------------ notes (annotations)
    setNotes(notes) {
      if (this.layers.notes) this.map.removeLayer(this.layers.notes);
      const g = L.featureGroup();
      for (const n of notes || []) {
        if (n.kind === "pen" && n.coords && n.coords.length > 1) {
          const line = L.polyline(n.coords, {renderer: this.renderer, color: n.color || "#d81b60",
                                             weight: (n.width || 4) * this.opts.scale, opacity: 0.95,
                                             lineCap: "round", lineJoin: "round", interactive: false});
          line.__zmNote = n.id;
          g.addLayer(line);
        } else if (n.kind === "text" && n.coords && n.coords.length) {
          const m = this._labelMarker(n.coords[0], n.text || "", "zm-note-label");
          m.__zmNote = n.id;
          g.addLayer(m);
        }
      }
      this.layers.notes = g;
      if (this.visible.notes) g.addTo(this.map);
      this._raise();
      this._painted();
      return g.getLayers().length;
    }

    // ------------------------------------------------------------------ view
    fitAll(animate) {
      const b = this.munis.getBounds();
      this._fitting = true;
      if (b.isValid()) this.map.fitBounds(b, {padding: [16, 16], animate: !!animate});
      this._fitting = false;
      for (const f of Object.values(this._fits || {})) f();
      this._painted();
    }

    fitMunis(indexes) {
      let b = null;
      for (const i of indexes) {
        const l = this.muniLayers[i];
        if (!l) continue;
        b = b ? b.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
      }
      if (b) this.map.fitBounds(b, {padding: [40, 40], maxZoom: 12});
      return !!b;
    }

    /** Pan and zoom of this map follow `other` and vice versa (side-by-side comparison). */
    syncWith(other) {
      let busy = false;
      const follow = (src, dst) => () => {
        if (busy) return;
        busy = true;
        dst.map.setView(src.map.getCenter(), src.map.getZoom(), {animate: false});
        busy = false;
      };
      this.map.on("move zoomend", follow(this, other));
      other.map.on("move zoomend", follow(other, this));
      other.map.setView(this.map.getCenter(), this.map.getZoom(), {animate: false});
    }

    // ------------------------------------------------------------------ state for tests and the host
    state() {
      const b = this.map.getBounds();
      const fills = {};
      for (const layer of this.muniLayers) {
        if (layer) fills[layer.feature.properties.c] = layer.options.fillColor;
      }
      const on = {};
      for (const id of Object.keys(this.layers)) on[id] = this.map.hasLayer(this.layers[id]);
      const outline = this.outlines[this.option];
      return {
        option: this.option, optionName: this.doc.options[this.option].name,
        kensDrawn: outline && this.map.hasLayer(outline) ? outline.getLayers().length : 0,
        labelsHidden: this.labelsHidden || 0,
        labelOverlaps: this.labelOverlaps(),
        labelsDrawn: this.labels[this.option] && this.map.hasLayer(this.labels[this.option]) ? this.labels[this.option].getLayers().length : 0,
        fills: fills, layers: on, visible: Object.assign({}, this.visible), paints: this.paints,
        bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()], zoom: this.map.getZoom(),
        center: [this.map.getCenter().lat, this.map.getCenter().lng],
        highlighted: this.highlighted.size,
        notes: this.layers.notes ? this.layers.notes.getLayers().length : 0,
        kenValues: this.layers.kenvalues ? this.layers.kenvalues.getLayers().length : 0,
        whatIf: this.layers.whatif ? this.layers.whatif.getLayers().length : 0,
        gaps: Object.fromEntries((this.doc.coverage || []).map((c) => [c.key, c.gaps.length])),
      };
    }
  }

  global.ZMOptionMap = OptionMap;
  global.ZMOptionMap.el = el;
  global.ZMOptionMap.infoNode = infoNode;
  global.ZMOptionMap.fmtInt = fmtInt;
})(window);
