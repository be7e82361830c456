/* zaitaku-map 委員配布用ビューア: the page around the option map (tabs, layer toggles, legend,
 * search, evaluation table, sources).  Reads its data from the JSON script element
 * #zm-data and never makes a request.  Text from data goes through textContent only.
 */
"use strict";

(function () {
  const el = ZMOptionMap.el;
  const doc = JSON.parse(document.getElementById("zm-data").textContent);
  const T = doc.text;
  let om = null;
  let searchIndex = null;

  function $(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ header
  function buildHeader() {
    $("zm-title").textContent = doc.meta.title;
    $("zm-sub").textContent = doc.meta.subtitle;
    if (doc.meta.is_demo) {
      $("zm-demo").textContent = doc.meta.demo_banner;
      $("zm-demo").hidden = false;
      const w = el("div", "zm-watermark", doc.meta.demo_watermark);
      $("zm-map").appendChild(w);
    }
    const tabs = $("zm-tabs");
    doc.options.forEach((o, i) => {
      const b = el("button", "zm-tab", o.name);
      b.type = "button";
      b.setAttribute("role", "tab");
      b.dataset.option = String(i);
      b.title = o.notes || o.name;
      b.addEventListener("click", () => selectOption(i));
      tabs.appendChild(b);
    });
  }

  function selectOption(i) {
    om.setOption(i);
    for (const b of document.querySelectorAll(".zm-tab")) {
      const on = Number(b.dataset.option) === om.option;
      b.classList.toggle("zm-active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    }
    buildLegend();
    buildTable();
    if ($("zm-search").value) runSearch();
  }

  // ------------------------------------------------------------------ layer toggles
  function toggle(box, id, label, swatch) {
    const row = el("label", "zm-toggle");
    const cb = el("input");
    cb.type = "checkbox";
    cb.checked = !!om.visible[id];
    cb.dataset.layer = id;
    cb.addEventListener("change", () => { om.setVisible(id, cb.checked); buildLegend(); });
    row.appendChild(cb);
    if (swatch) row.appendChild(swatch);
    row.appendChild(el("span", null, label));
    box.appendChild(row);
  }

  function swatch(color, kind) {
    const s = el("span", "zm-sw" + (kind ? " zm-sw-" + kind : ""), kind === "cross" ? "×" : null);
    if (kind === "cross") s.style.color = color;
    else s.style.background = color;
    return s;
  }

  function buildToggles() {
    const box = $("zm-toggles");
    toggle(box, "kens", T.layer_kens);
    toggle(box, "labels", T.layer_labels);
    toggle(box, "munis", T.layer_munis);
    toggle(box, "muni_labels", T.layer_muni_labels);
    for (const c of doc.coverage) {
      toggle(box, "band:" + c.key, c.band_label, swatch(doc.style.band_colors[0], "band"));
      toggle(box, "gap:" + c.key, c.gap_label, swatch(doc.style.gap_color, "cross"));
    }
    for (const f of doc.facilities) {
      toggle(box, "fac:" + f.cat, f.label + "（" + f.count + "）", swatch(f.color, "dot"));
    }
  }

  // ------------------------------------------------------------------ legend
  function buildLegend() {
    const box = $("zm-legend-body");
    box.textContent = "";
    const opt = doc.options[om.option];
    if (om.visible.kens) {
      box.appendChild(el("div", "zm-legend-head", T.ken + "（" + opt.name + "）"));
      for (const k of opt.kens) {
        const row = el("div", "zm-row");
        row.appendChild(swatch(k.color));
        row.appendChild(el("span", null, k.name));
        box.appendChild(row);
      }
      if (opt.assign.some((k) => k < 0)) {
        const row = el("div", "zm-row");
        row.appendChild(swatch(doc.style.outside_fill));
        row.appendChild(el("span", null, T.unassigned));
        box.appendChild(row);
      }
    }
    for (const c of doc.coverage) {
      if (om.visible["band:" + c.key]) {
        c.bands.features.forEach((f) => {
          const row = el("div", "zm-row");
          row.appendChild(swatch(doc.style.band_colors[Math.min(f.properties.r, doc.style.band_colors.length - 1)], "band"));
          row.appendChild(el("span", null, c.label + " " + f.properties.m + "分"));
          box.appendChild(row);
        });
      }
      if (om.visible["gap:" + c.key]) {
        const row = el("div", "zm-row");
        row.appendChild(swatch(doc.style.gap_color, "cross"));
        row.appendChild(el("span", null, c.gap_label));
        box.appendChild(row);
      }
    }
    for (const f of doc.facilities) {
      if (!om.visible["fac:" + f.cat]) continue;
      const row = el("div", "zm-row");
      row.appendChild(swatch(f.color, "dot"));
      row.appendChild(el("span", null, f.label));
      box.appendChild(row);
    }
  }

  // ------------------------------------------------------------------ evaluation table
  function buildTable() {
    const opt = doc.options[om.option];
    $("zm-table-title").textContent = T.table_title + "（" + opt.name + "）";
    const wrap = $("zm-table-body");
    wrap.textContent = "";
    if (opt.notes) wrap.appendChild(el("p", "zm-opt-notes", opt.notes));
    const table = el("table", "zm-eval");
    const thead = el("thead");
    const hr = el("tr");
    for (const c of opt.table.cols) hr.appendChild(el("th", null, c[1]));
    thead.appendChild(hr);
    table.appendChild(thead);
    const tbody = el("tbody");
    opt.table.rows.forEach((r, k) => {
      const tr = el("tr");
      r.forEach((cell, j) => {
        const td = el(j === 0 ? "th" : "td", null, cell);
        if (j === 0) {
          const sw = swatch(opt.kens[k] ? opt.kens[k].color : "#ccc");
          td.insertBefore(sw, td.firstChild);
          td.classList.add("zm-ken-cell");
          td.addEventListener("click", () => {
            const idx = [];
            opt.assign.forEach((kk, i) => { if (kk === k) idx.push(i); });
            om.fitMunis(idx);
          });
        }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    if (opt.table.total) {
      const tr = el("tr", "zm-total");
      opt.table.total.forEach((cell, j) => tr.appendChild(el(j === 0 ? "th" : "td", null, cell)));
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    wrap.appendChild(table);
    if (opt.warnings.length) {
      wrap.appendChild(el("h3", null, T.warnings));
      const ul = el("ul", "zm-warnings");
      for (const [k, msg] of opt.warnings) {
        ul.appendChild(el("li", null, (k >= 0 ? opt.kens[k].name + ": " : "") + msg));
      }
      wrap.appendChild(ul);
    }
    if (opt.remarks.length) {
      const ul = el("ul", "zm-remarks");
      for (const line of opt.remarks) ul.appendChild(el("li", null, line));
      wrap.appendChild(ul);
    }
  }

  // ------------------------------------------------------------------ search
  function norm(s) {
    return String(s || "").normalize("NFKC").toLowerCase().replace(/\s+/g, "");
  }

  function buildSearchIndex() {
    const items = [];
    doc.munis.features.forEach((f) => items.push({kind: "muni", i: f.properties.i, label: f.properties.n, key: norm(f.properties.n)}));
    doc.facilities.forEach((g, gi) => {
      g.rows.forEach((r, ri) => {
        items.push({kind: "fac", gi: gi, ri: ri, label: r[2], sub: g.short + "・" + om.str(r[5]) + (r[0] === null ? "・" + T.unplaced : ""),
                    key: norm(r[2]) + "\u0000" + norm(r[4])});
      });
    });
    return items;
  }

  function runSearch() {
    const q = norm($("zm-search").value);
    const box = $("zm-results");
    const list = $("zm-results-list");
    list.textContent = "";
    if (!q) { box.hidden = true; return []; }
    searchIndex = searchIndex || buildSearchIndex();
    const opt = doc.options[om.option];
    const hits = [];
    opt.kens.forEach((k, ki) => { if (norm(k.name).includes(q)) hits.push({kind: "ken", k: ki, label: k.name, sub: T.ken + "（" + opt.name + "）"}); });
    for (const it of searchIndex) {
      if (it.key.includes(q)) hits.push(it);
      if (hits.length >= 200) break;
    }
    $("zm-results-count").textContent = hits.length >= 200 ? "200+" : String(hits.length);
    for (const h of hits.slice(0, 60)) {
      const li = el("li", "zm-hit");
      li.appendChild(el("span", "zm-hit-label", h.label));
      li.appendChild(el("span", "zm-hit-sub", h.kind === "muni" ? T.muni : h.sub));
      li.tabIndex = 0;
      li.addEventListener("click", () => showHit(h));
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") showHit(h); });
      list.appendChild(li);
    }
    box.hidden = false;
    return hits;
  }

  function showHit(h) {
    if (h.kind === "muni") {
      om.fitMunis([h.i]);
      const layer = om.muniLayers[h.i];
      if (layer) om.openMuniPopup(h.i, layer.getBounds().getCenter());
    } else if (h.kind === "ken") {
      const idx = [];
      doc.options[om.option].assign.forEach((kk, i) => { if (kk === h.k) idx.push(i); });
      om.fitMunis(idx);
    } else {
      const g = doc.facilities[h.gi];
      const row = g.rows[h.ri];
      if (row[0] === null) {
        L.popup().setLatLng(om.map.getCenter()).setContent(ZMOptionMap.infoNode(row[2], [[T.precision, T.unplaced], [T.address, row[4]]])).openOn(om.map);
        return;
      }
      if (!om.visible["fac:" + g.cat]) {
        om.setVisible("fac:" + g.cat, true);
        const cb = document.querySelector('input[data-layer="fac:' + g.cat + '"]');
        if (cb) cb.checked = true;
        buildLegend();
      }
      om.map.setView([row[0], row[1]], Math.max(om.map.getZoom(), 13), {animate: false});
      const m = om.facilityMarker(h.gi, h.ri);
      if (m) m.openPopup();
    }
  }

  // ------------------------------------------------------------------ sources
  function buildInfo() {
    const box = $("zm-info-body");
    for (const [head, lines] of doc.meta.info) {
      box.appendChild(el("h3", null, head));
      for (const line of lines) box.appendChild(el("p", null, line));
    }
    box.appendChild(el("p", "zm-footer", doc.meta.footer));
  }

  // ------------------------------------------------------------------ start
  function init() {
    buildHeader();
    om = new ZMOptionMap($("zm-map"), doc, {scale: 1});
    L.control.scale({imperial: false, position: "bottomleft"}).addTo(om.map);
    buildToggles();
    selectOption(0);
    buildInfo();
    let timer = null;
    $("zm-search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(runSearch, 120); });
    $("zm-search").addEventListener("keydown", (e) => {
      if (e.key === "Enter") { const hits = runSearch(); if (hits.length) showHit(hits[0]); }
    });
    $("zm-table-toggle").addEventListener("click", () => {
      const open = document.body.classList.toggle("zm-table-open");
      $("zm-table-toggle").setAttribute("aria-expanded", open ? "true" : "false");
      om.map.invalidateSize(false);
    });
    document.addEventListener("keydown", (e) => {
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA")) return;
      if (e.key === "ArrowRight") selectOption((om.option + 1) % doc.options.length);
      if (e.key === "ArrowLeft") selectOption((om.option - 1 + doc.options.length) % doc.options.length);
    });
    window.zmViewer = {map: om, select: selectOption, search: (q) => { $("zm-search").value = q; return runSearch().length; },
                       showHit: showHit, state: () => om.state()};
    document.body.classList.add("zm-ready");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
