"""Maps a committee can read: requested categories only, 圏域 colours that differ between
neighbours and match their legend swatch with coverage on, hollow approximate positions, class
maps of municipal indicators, atlas pages, and resource lists in municipality / 五十音 order."""

from __future__ import annotations

import csv
import itertools
from collections import Counter

import numpy as np
import pytest
from export_fixtures import add_options
from pypdf import PdfReader

from zaitaku_map.export import ExportRequest, export_csv, export_list_pdf, export_map_pdf
from zaitaku_map.export.colors import (
    KEN_PALETTE,
    MIN_NEIGHBOUR_DISTANCE,
    assign_colors,
    color_distance,
    neighbour_distances,
)
from zaitaku_map.export.data import load_export_data


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _text(path) -> str:
    return "\n".join(pg.extract_text() or "" for pg in PdfReader(path).pages)


def test_colour_distance_sees_colour_blindness():
    assert color_distance("#ff0000", "#ff0000") == 0
    # red and green differ strongly for normal vision, little for deuteranopes: the distance is the small one
    assert color_distance("#d62728", "#2ca02c") < 45
    assert color_distance("#000000", "#ffffff") > 90


def test_adjacency_colouring_keeps_neighbours_apart():
    # a 4 x 4 grid with diagonals (every inner node has 8 neighbours, K4 subgraphs everywhere)
    keys = [(r, c) for r in range(4) for c in range(4)]
    nbrs = {
        k: {
            (k[0] + dr, k[1] + dc) for dr, dc in itertools.product((-1, 0, 1), repeat=2) if (dr, dc) != (0, 0)
        }
        for k in keys
    }
    colors = assign_colors(keys, nbrs)
    assert set(colors.values()) <= set(KEN_PALETTE)
    dists = neighbour_distances(colors, nbrs)
    assert len(dists) == 42 and min(dists.values()) >= MIN_NEIGHBOUR_DISTANCE
    assert assign_colors(keys, nbrs) == colors  # deterministic
    # few 圏域: each its own colour (non-neighbours too), neighbours still far apart
    path = ["a", "b", "c", "d", "e"]
    chain = {k: {path[i - 1]} if i else set() for i, k in enumerate(path)}
    for i, k in enumerate(path[:-1]):
        chain[k].add(path[i + 1])
    own = assign_colors(path, chain)
    assert (
        len(set(own.values())) == 5
        and min(neighbour_distances(own, chain).values()) >= MIN_NEIGHBOUR_DISTANCE
    )
    # a working copy keeps the colours that still separate its neighbours
    moved = {**chain, "a": {"b", "c"}, "c": chain["c"] | {"a"}}
    again = assign_colors(path, moved, previous=own)
    assert sum(again[k] == own[k] for k in path) >= 4
    assert min(neighbour_distances(again, moved).values()) >= MIN_NEIGHBOUR_DISTANCE


def test_neighbouring_ken_colours_differ_on_every_option(proj):
    from options_fixtures import create_demo_options

    p, _a, _b = proj
    create_demo_options(p)
    names = [r[0] for r in p.conn.execute("SELECT name FROM options ORDER BY id")]
    assert len(names) >= 4
    for name in names:
        data = load_export_data(p, ExportRequest(name))
        dists = neighbour_distances(
            dict(zip(data.kens["ken_key"], data.kens["color"], strict=True)), data.ken_neighbours
        )
        if len(data.kens) > 1:
            assert dists, name
        for pair, d in dists.items():
            assert d >= MIN_NEIGHBOUR_DISTANCE, (name, pair, d)


def _render(fig, dpi=60):
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3]


def test_ken_colour_matches_its_swatch_with_coverage_on(proj):
    """Inside coverage, away from lines and symbols, the map shows exactly the legend swatch colour."""
    import shapely

    from zaitaku_map.export.mapdoc import load_coverage, render_map_figure

    p, a, _ = proj
    req = ExportRequest(a, coverage_category="zaishi", layers=frozenset({"kens", "coverage"}))
    data = load_export_data(p, req)
    cov = load_coverage(p, req)
    fig, _facts = render_map_figure(data, coverage=cov)
    ax = fig.axes[0]
    img = _render(fig)
    h = img.shape[0]
    crs = _facts["crs"]
    reach = cov.bands[np.isclose(cov.bands["band_min"], cov.minutes)].to_crs(crs).geometry.iloc[0]
    for key, color, geom in zip(
        data.kens["ken_key"], data.kens["color"], data.kens.to_crs(crs).geometry, strict=True
    ):
        inner = shapely.intersection(geom, reach).buffer(-800)
        if inner.is_empty:
            continue
        pts = shapely.points(
            np.array(
                np.meshgrid(
                    *[
                        np.linspace(lo, hi, 25)
                        for lo, hi in zip(inner.bounds[:2], inner.bounds[2:], strict=True)
                    ]
                )
            )
            .reshape(2, -1)
            .T
        )
        pts = pts[shapely.contains(inner, pts)]
        px = ax.transData.transform(shapely.get_coordinates(pts)) * 60 / fig.dpi
        seen = Counter(tuple(img[h - 1 - int(y), int(x)]) for x, y in px)
        want = tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
        top, _n = seen.most_common(1)[0]
        assert max(abs(int(u) - v) for u, v in zip(top, want, strict=True)) <= 2, (key, top, want)


def test_map_shows_only_the_requested_categories(proj, tmp_path):
    p, a, _ = proj
    out = export_map_pdf(p, ExportRequest(a, categories=("zaishi",)), tmp_path / "m.pdf")
    assert set(out.counts["facilities"]) == {"zaishi_clinic", "zaishi_hospital"}
    text = _text(tmp_path / "m.pdf")
    assert "在宅療養支援診療所（3）" in text and "在宅療養支援病院（" in text
    for other in ("訪問看護ステーション（", "薬局（", "地域包括支援センター（", "介護施設（"):
        assert other not in text, other
    # the layer choice: no facilities at all
    out = export_map_pdf(
        p, ExportRequest(a, layers=frozenset({"kens", "municipalities"})), tmp_path / "n.pdf"
    )
    assert "在宅療養支援診療所（" not in _text(tmp_path / "n.pdf")


def test_approximate_positions_are_hollow_and_marked(proj, tmp_path):
    p, a, _ = proj
    with p.transaction():
        p.conn.execute("UPDATE facilities SET geocode_level='municipality' WHERE id IN (1, 2)")
        p.conn.execute("UPDATE facilities SET geocode_level='town' WHERE id = 3")
    out = export_map_pdf(p, ExportRequest(a), tmp_path / "m.pdf")
    assert out.counts["facilities_approximate"] == 3 and out.details["approximate_drawn"] == 3
    assert "概略位置（町字・市区町村の代表点）（3）" in _text(tmp_path / "m.pdf")
    export_list_pdf(p, ExportRequest(a), tmp_path / "l.pdf")
    text = _text(tmp_path / "l.pdf")
    assert "※中央在宅クリニック" in text and "地図では中抜きの記号" in text


def test_list_is_sorted_by_municipality_then_kana(proj, tmp_path):
    p, a, _ = proj
    with p.transaction():
        # three 在支診 in 中央区 (99101) and 北区 (99102): kanji order ≠ reading order
        for fid, name, kana, muni in (
            (301, "医療法人社団 わかば会 和田クリニック", "ワダクリニック", "99102"),
            (302, "内科さくら", "ナイカサクラ", "99101"),
            (303, "あおば診療所", "アオバシンリョウジョ", "99101"),
            (304, "医療法人 かもめ内科", None, "99101"),
        ):
            p.conn.execute(
                "INSERT INTO facilities (id, category, name, name_kana, name_norm, muni_code, status, lon, lat, "
                "geocode_level) VALUES (?, 'zaishi_clinic', ?, ?, ?, ?, 'open', 133.05, 34.25, 'source')",
                (fid, name, kana, name, muni),
            )
    export_csv(p, ExportRequest(a, categories=("zaishi_clinic",)), tmp_path / "l.csv")
    with open(tmp_path / "l.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["圏域コード"] == "K1"]
    names = [r["名称"] for r in rows]
    munis = [r["市区町村"] for r in rows]
    assert munis == sorted(munis, key=["テスト市中央区", "テスト市北区", "東市"].index)
    chuo = [n for n, m in zip(names, munis, strict=True) if m == "テスト市中央区"]
    # readings first (あおば, ないか), then names without one (the 法人 prefix ignored)
    assert chuo.index("あおば診療所") < chuo.index("内科さくら") < chuo.index("医療法人 かもめ内科")
    out = export_list_pdf(p, ExportRequest(a, categories=("zaishi_clinic",)), tmp_path / "l.pdf")
    text = _text(tmp_path / "l.pdf")
    assert out.counts["rows"] == len((tmp_path / "l.csv").read_text(encoding="utf-8-sig").splitlines()) - 1
    for head in ("No.", "市区町村", "電話", "名称"):
        assert head in text, head
    assert text.index("あおば診療所") < text.index("内科さくら")


def test_choropleth_of_municipal_indicators(proj, tmp_path):
    from zaitaku_map.export.choropleth import class_breaks, municipal_indicator
    from zaitaku_map.geodata import municipality_population

    p, a, _ = proj
    ind = municipal_indicator(p, "pop75_share")
    pop = municipality_population(p).set_index("muni_code")
    for code, v in ind.values.items():
        if code in pop.index and pop.loc[code, "pop_total"] > 0:
            assert v == pytest.approx(pop.loc[code, "pop_75"] / pop.loc[code, "pop_total"])
    assert class_breaks(np.array([1.0, 1.0, 1.0]), step=0.1) == [1.0, 1.1]
    zaishi = municipal_indicator(p, "zaishi_per_100k")
    assert zaishi.values["99206"] == 0 and zaishi.values["99101"] > 0
    assert len(zaishi.colors) == len(zaishi.breaks) - 1 == len(zaishi.class_labels) >= 2
    finite = [v for v in zaishi.values.values() if np.isfinite(v)]
    assert all(zaishi.class_of(v) is not None for v in finite)
    assert zaishi.class_of(min(finite)) == 0 and zaishi.class_of(max(finite)) == len(zaishi.colors) - 1
    out = export_map_pdf(p, ExportRequest(a, choropleth="pop75_share"), tmp_path / "c.pdf")
    text = _text(tmp_path / "c.pdf")
    assert "75歳以上人口の割合" in text and ind.class_labels[0] in text
    assert out.pages == 1


def test_atlas_pages_number_and_list_every_facility(proj, tmp_path):
    from zaitaku_map.export.atlas import export_atlas_pdf

    p, a, _ = proj
    out = export_atlas_pdf(p, ExportRequest(a, coverage_category="zaishi"), tmp_path / "atlas.pdf")
    r = PdfReader(tmp_path / "atlas.pdf")
    assert out.pages == len(r.pages) == 3 and out.counts["kens"] == 3
    assert [o.title for o in r.outline] == ["中央圏域", "西部圏域", "南部圏域"]
    first = r.pages[0].extract_text()
    data = load_export_data(p, ExportRequest(a, coverage_category="zaishi"))
    shown = data.shown_facilities()
    names = shown.loc[shown["ken_key"] == "K1", "name"]
    assert out.counts["facilities"]["K1"] == len(names) > 0
    assert "圏域ごとの拡大図" in first and "施設一覧" in first
    for name in names:
        assert name in first, name
    assert f"{len(names)}件" in first
    # by default the atlas numbers what a plan is about: no 薬局 or 包括 in the list
    assert set(shown["category"]) <= {"zaishi_clinic", "zaishi_hospital", "home_nursing", "hospital"}
    assert "中央薬局" not in first and "テスト市地域包括支援センター" not in first
    # every category on request
    out = export_atlas_pdf(p, ExportRequest(a, categories=("all",)), tmp_path / "all.pdf")
    every = data.facilities.loc[data.facilities["ken_key"] == "K1", "name"]
    assert out.counts["facilities"]["K1"] == len(every) > len(names)
    first = PdfReader(tmp_path / "all.pdf").pages[0].extract_text()
    assert "中央薬局" in first and "テスト市地域包括支援センター" in first


def test_indicator_classes_keep_the_default_facility_symbols_visible():
    """Every class colour of the built-in municipal indicators stays far (CIE ΔE) from the colours of the
    categories a map draws by default, and neighbouring classes stay apart."""
    from zaitaku_map.export.choropleth import INDICATORS, SYMBOL_CONTRAST
    from zaitaku_map.export.colors import color_distance
    from zaitaku_map.export.request import DEFAULT_MAP_CATEGORIES
    from zaitaku_map.labels import CATEGORIES

    for spec in INDICATORS.values():
        if spec.compute is not None:
            continue
        for color in spec.palette:
            for cat in DEFAULT_MAP_CATEGORIES:
                assert color_distance(color, CATEGORIES[cat].color) >= SYMBOL_CONTRAST, (spec.key, color, cat)
        assert all(color_distance(a, b) >= 8 for a, b in itertools.pairwise(spec.palette)), spec.key


def test_list_columns_keep_source_and_kind_on_one_line_when_the_page_has_room():
    """「介護サービス公表 2025-10-01」 and 「認知症対応型共同生活介護」 fit their columns on A4 landscape (wrapped, every
    row took two lines: the demo's list ran to 84 pages instead of 53)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from zaitaku_map.export.fonts import setup_reportlab
    from zaitaku_map.export.listdoc import LIST_FONT_SIZE, list_widths

    font = setup_reportlab()
    fields = ["no", "name", "address", "muni_name", "phone", "subtype", "functions", "source"]
    header = ["No.", "名称", "所在地", "市区町村", "電話", "区分", "機能", "出典"]
    row = [
        "12",
        "グループホーム日吉の家",
        "デモ県デモ市東区日吉町二丁目6番22号",
        "デモ市東区",
        "0906-25-2796",
        "認知症対応型共同生活介護",
        "④",
        "介護サービス公表 2025-10-01",
    ]
    widths = list_widths(fields, header, [row], 770.0)  # A4 landscape text width
    assert sum(widths) <= 770.0 + 1e-6
    for f in ("source", "subtype"):
        j = fields.index(f)
        assert widths[j] >= stringWidth(row[j], font, LIST_FONT_SIZE) + 4, f


def test_evaluation_chart_leaves_out_people_outside_coverage_when_they_cannot_be_counted():
    """鳥取's samples (population per 二次医療圏 only): the table says 「－」, so the chart must not draw 0 people."""
    import pandas as pd

    from zaitaku_map.export.charts import evaluation_chart

    table = pd.DataFrame(
        {"ken_name": ["東部", "西部"], "ken_key": ["E", "W"], "zaishi_per_100k": [12.9, 21.3]}
    )

    def ev(share):
        cov = {"zaishi": {"uncovered": 0.0, "share": share}}
        return {"kens": [{"ken_key": "E", "coverage": cov}, {"ken_key": "W", "coverage": cov}]}

    unknown = evaluation_chart(table, ev(None), {}, coverage_category="zaishi", width_in=8)
    assert [ax.get_title(loc="left") for ax in unknown.axes] == ["在支診・在支病（人口10万人当たり）"]
    known = evaluation_chart(table, ev(1.0), {}, coverage_category="zaishi", width_in=8)
    assert [ax.get_title(loc="left") for ax in known.axes][1] == "到達圏外の人口（人）"
