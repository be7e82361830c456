"""PDF exports: map (fonts embedded, paper sizes, true scale, labels), resource list (each facility
once per 圏域 and category), comparison and meeting pack."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from export_fixtures import add_options
from pypdf import PdfReader

from zaitaku_map.errors import ExportError
from zaitaku_map.export import (
    ExportRequest,
    export_comparison_pdf,
    export_list_pdf,
    export_map_pdf,
    export_pack,
)
from zaitaku_map.export.tables import resource_rows


@pytest.fixture
def proj(synthetic_project):
    a, b = add_options(synthetic_project)
    return synthetic_project, a, b


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Base font name -> embedded (has a FontFile2 program), over every page."""
    out: dict[str, bool] = {}
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            f = ref.get_object()
            desc = f.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in f:
                desc = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            name = str(f.get("/BaseFont"))
            out[name] = desc is not None and "/FontFile2" in desc.get_object()
    return out


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_map_pdf_landscape_a4(proj, tmp_path):
    p, a, _ = proj
    p.set_meta("is_demo", "1")
    p.conn.commit()
    out = export_map_pdf(p, ExportRequest(a), tmp_path / "map.pdf")
    assert out.pages == 1 and out.counts["kens"] == 3
    r = PdfReader(tmp_path / "map.pdf")
    w, h = float(r.pages[0].mediabox.width), float(r.pages[0].mediabox.height)
    assert w == pytest.approx(842, abs=2) and h == pytest.approx(595, abs=2)
    fonts = _fonts(r)
    assert any("IPAexGothic" in n and emb for n, emb in fonts.items()), fonts
    text = _text(r)
    for needle in (
        "在宅医療の圏域",
        a,
        "凡例",
        "中央圏域",
        "西部圏域",
        "南部圏域",
        "デモデータ",
        "2025-10-01",
        "在宅療養支援診療所（3）",
        "km",
        "zaitaku-map",
    ):
        assert needle in text, needle
    assert "到達圏の条件" not in text  # only printed when coverage is shown
    assert out.details["scale_bar_km"] in (1, 2, 5, 10, 20, 50)


def test_map_pdf_a3_portrait_with_coverage(proj, tmp_path):
    p, a, _ = proj
    req = ExportRequest(a, paper="A3", landscape=False, coverage_category="zaishi")
    out = export_map_pdf(p, req, tmp_path / "map.pdf")
    r = PdfReader(tmp_path / "map.pdf")
    w, h = float(r.pages[0].mediabox.width), float(r.pages[0].mediabox.height)
    assert w == pytest.approx(842, abs=2) and h == pytest.approx(1191, abs=2)
    text = _text(r)
    assert "到達圏の条件" in text and "30分" in text and "30分以内" in text
    assert out.details["coverage"]["bands"] == 3 and out.details["coverage"]["gap_points"] > 0
    assert "デモデータ" not in text


def test_map_is_true_scale(proj):
    """Distances on the drawn map (data units) equal great-circle distances: the scale bar is true."""
    from matplotlib.figure import Figure

    from zaitaku_map.export.data import load_export_data
    from zaitaku_map.export.fonts import setup_matplotlib
    from zaitaku_map.export.mapdraw import draw_option_map
    from zaitaku_map.geo import haversine_m

    p, a, _ = proj
    setup_matplotlib()
    fig = Figure(figsize=(8, 6))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.9))
    res = draw_option_map(ax, load_export_data(p, ExportRequest(a)))
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", res.crs, always_xy=True)
    x1, y1 = t.transform(133.0, 34.0)
    x2, y2 = t.transform(133.3, 34.3)
    assert ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 == pytest.approx(
        haversine_m(133.0, 34.0, 133.3, 34.3), rel=2e-3
    )
    # equal aspect: one data unit is the same length on paper horizontally and vertically
    bb = ax.get_window_extent()
    (xa, xb), (ya, yb) = ax.get_xlim(), ax.get_ylim()
    assert bb.width / (xb - xa) == pytest.approx(bb.height / (yb - ya), rel=1e-3)


def test_label_placement_avoids_overlaps():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from shapely.geometry import box

    from zaitaku_map.export.fonts import setup_matplotlib
    from zaitaku_map.export.mapdraw import place_labels

    setup_matplotlib()
    fig = Figure(figsize=(4, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    # three tall thin polygons side by side whose centres would give overlapping long labels
    geoms = [box(10 + i * 8, 5, 17 + i * 8, 95) for i in range(3)]
    items = [(f"とても長い圏域名その{i}", g, {"fontsize": 9}) for i, g in enumerate(geoms)]
    n, moved, boxes = place_labels(ax, items)
    assert n == 3 and moved >= 1
    for i in range(3):
        for j in range(i + 1, 3):
            assert not boxes[i].overlaps(boxes[j])


def test_list_pdf_every_facility_once_per_ken_and_category(proj, tmp_path):
    from zaitaku_map.export.data import load_export_data

    p, a, _ = proj
    out = export_list_pdf(p, ExportRequest(a), tmp_path / "list.pdf")
    r = PdfReader(tmp_path / "list.pdf")
    assert out.pages == len(r.pages) >= 4
    assert any("IPAexGothic" in n and emb for n, emb in _fonts(r).items())
    assert all("Helvetica" not in n for n in _fonts(r))
    pages = [pg.extract_text() or "" for pg in r.pages]
    assert "目次" in pages[0] and "1. 中央圏域" in pages[0]
    assert re.search(r"\d+ / \d+", pages[-1])
    lists = "\n".join(
        line
        for t in pages
        if "目次" not in t and "圏域案の評価表" not in t
        for line in t.splitlines()
        if not line.startswith(("在宅医療において", "在宅医療に必要な"))
    )
    rows = resource_rows(load_export_data(p, ExportRequest(a)))
    expected = Counter(rows["name"])
    assert sum(expected.values()) == 11 and expected["東市民病院"] == 2  # a hospital that is also 在支病
    for name, n in expected.items():
        assert lists.count(name) == n, name
    per_ken = out.counts["per_ken"]
    assert per_ken["K1"]["zaishi_clinic"] == 2 and per_ken["K2"] == {
        "zaishi_clinic": 1,
        "home_nursing": 1,
        "care_facility": 1,
    }
    assert per_ken["K3"] == {}
    evaluation = next(t for t in pages if "圏域案の評価表" in t and "目次" not in t)
    assert "①退院支援" in evaluation and "積極的役割" in evaluation


def test_comparison_and_pack(proj, tmp_path):
    p, a, b = proj
    out = export_comparison_pdf(p, ExportRequest(a, compare=(b,)), tmp_path / "cmp.pdf")
    r = PdfReader(tmp_path / "cmp.pdf")
    assert out.pages == len(r.pages) >= 2
    text = _text(r)
    assert a in text and b in text and "圏域数" in text
    assert "＊相違" in text or "▲" in text or "▼" in text  # differences from the baseline are marked
    with pytest.raises(ExportError):  # one option is not a comparison
        export_comparison_pdf(p, ExportRequest(a), tmp_path / "x.pdf")
    pack = export_pack(p, ExportRequest(a, compare=(b,)), tmp_path / "pack.pdf")
    r = PdfReader(tmp_path / "pack.pdf")
    cover_and_toc = len(r.pages) - sum(part["pages"] for part in pack.details["parts"])
    assert pack.pages == len(r.pages) and cover_and_toc == 2
    top = [o.title for o in r.outline if not isinstance(o, list)]
    assert top == [
        "目次",
        "圏域図",
        "圏域案の比較",
        "評価表",
        f"市区町村の指標（{a}）",
        "協力医療機関の候補がない介護施設",
        f"圏域ごとの拡大図（{a}）",
        f"資源リスト（{a}）",
    ]
    folder = export_pack(p, ExportRequest(a), None, folder=tmp_path / "pack")
    assert folder.kind == "pack_dir"
    names = sorted(x.name for x in (tmp_path / "pack").iterdir())
    # map, evaluation, indicators, 協力医療機関, atlas, list, table
    assert names[0].startswith("01_地図") and names[-1].endswith(".xlsx") and len(names) == 7


def test_errors(proj, tmp_path):
    p, a, _ = proj
    with pytest.raises(ExportError):
        export_map_pdf(p, ExportRequest(a, paper="B5"), tmp_path / "m.pdf")
    with pytest.raises(ExportError):
        export_map_pdf(p, ExportRequest(a, coverage_category="nonsense"), tmp_path / "m.pdf")
    with pytest.raises(Exception) as err:
        export_map_pdf(p, ExportRequest("存在しない案"), tmp_path / "m.pdf")
    assert "存在しない案" in str(err.value)
    assert not (tmp_path / "m.pdf").exists() and not list(tmp_path.glob("*.part*"))


def test_progress_and_cancel(proj, tmp_path):
    from zaitaku_map.errors import Cancelled
    from zaitaku_map.progress import CancelToken

    p, a, b = proj
    seen: list[tuple[float, float]] = []
    export_map_pdf(p, ExportRequest(a), tmp_path / "m.pdf", progress=lambda d, t, m: seen.append((d, t)))
    assert seen and seen[-1][0] == pytest.approx(seen[-1][1])
    token = CancelToken()
    token.cancel()
    req = ExportRequest(a, compare=(b,))
    for fn in (export_map_pdf, export_list_pdf, export_pack, export_comparison_pdf):
        target = tmp_path / f"c_{fn.__name__}.pdf"
        with pytest.raises(Cancelled):
            fn(p, req, target, cancel=token)
        assert not target.exists()
    assert not list(tmp_path.glob("*.part*"))


def test_pack_pages_numbered_continuously(proj, tmp_path):
    p, a, b = proj
    out = export_pack(p, ExportRequest(a, compare=(b,)), tmp_path / "pack.pdf")
    r = PdfReader(tmp_path / "pack.pdf")
    n = len(r.pages)
    assert out.pages == n
    assert f"/ {n}" not in (r.pages[0].extract_text() or "")  # the cover carries no number
    for i in range(1, n):
        assert f"{i + 1} / {n}" in (r.pages[i].extract_text() or ""), i
    # one numbering: no page carries a second 「X / Y」 of its own part
    assert all(len(re.findall(r"\d+ / \d+", pg.extract_text() or "")) == 1 for pg in r.pages[1:])


def test_empty_option_is_a_clear_error(proj, tmp_path):
    from export_fixtures import add_option

    p, _, _ = proj
    add_option(p, {"name": "空の案", "kens": [], "assign": {}})
    with pytest.raises(ExportError) as err:
        export_map_pdf(p, ExportRequest("空の案"), tmp_path / "e.pdf")
    assert err.value.hint and not (tmp_path / "e.pdf").exists()


def test_comparison_sheet_legend_and_sources_never_overlap(proj):
    """The comparison sheet stacks, from the foot up: the sources block, the legend, the maps — also when
    the sources run to several lines."""
    from matplotlib.legend import Legend

    from zaitaku_map.export.compare import maps_figure
    from zaitaku_map.export.data import load_export_data

    p, a, b = proj
    with p.transaction():  # sources enough to wrap over several lines
        for i, fmt in enumerate(
            ("table", "gis", "kaigo", "isj_town", "isj_block", "population_table", "graphml")
        ):
            for month in range(1, 7):
                p.add_source(
                    kind="facilities",
                    format=fmt,
                    file_name=f"f{i}.xlsx",
                    reference_date=f"202{i}-{month:02d}-01",
                )
    datas = [load_export_data(p, ExportRequest(n)) for n in (a, b)]
    for landscape in (True, False):
        fig = maps_figure(datas, paper="A4", landscape=landscape, coverages=[None, None])
        renderer = fig.canvas.get_renderer()
        legend = next(c for c in fig.get_children() if isinstance(c, Legend))
        foot = max(fig.texts, key=lambda t: len(t.get_text()))
        assert "データの出典" in foot.get_text()
        leg_box = legend.get_window_extent(renderer)
        foot_box = foot.get_window_extent(renderer)
        assert leg_box.y0 > foot_box.y1, (landscape, leg_box, foot_box)
        maps_bottom = min(ax.get_position().y0 for ax in fig.axes) * fig.bbox.height
        assert maps_bottom > leg_box.y1, landscape
