"""The demo generator writes the documented official formats (columns, encodings, header rows)."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely

from zaitaku_map.demo import generate_files
from zaitaku_map.demo.facility_files import HOSPITAL_HEADER, KAIGO_HEADER, KOUSEI_HEADER
from zaitaku_map.demo.geography import check_digit, tiles
from zaitaku_map.demo.population import mesh_codes
from zaitaku_map.demo.towns import ISJ_HEADER


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo_files")
    return generate_files(out, seed=0)


def _csv_rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


# --- boundaries -----------------------------------------------------------------------------------
def test_n03_geojson_layout(demo: dict) -> None:
    gdf = gpd.read_file(demo["geojson"])
    assert {"N03_001", "N03_002", "N03_003", "N03_004", "N03_007"} <= set(gdf.columns)
    assert set(gdf["N03_001"]) == {"デモ県"}
    unassigned = gdf[gdf["N03_007"].isna()]
    assert list(unassigned["N03_004"]) == ["所属未定地"]
    codes = gdf["N03_007"].dropna()
    assert codes.nunique() == 22
    assert all(re.fullmatch(r"99\d{3}", c) for c in codes)
    assert {"99101", "99102", "99103", "99104", "99105"} <= set(codes)
    assert "99100" not in set(codes)  # the 政令市 itself is derived by dissolving its wards
    assert (gdf.loc[gdf["N03_007"].str.startswith("991", na=False), "N03_003"] == "デモ市").all()
    assert codes.value_counts().max() > 1  # multi-part municipalities: one row per polygon
    assert set(gdf.geom_type) == {"Polygon"}
    minx, miny, maxx, maxy = gdf.total_bounds
    assert minx >= 135.6 and maxx <= 136.9 and miny >= 31.6 and maxy <= 32.6


def test_neighbours_share_borders(demo: dict) -> None:
    gdf = gpd.read_file(demo["geojson"]).dropna(subset=["N03_007"]).dissolve("N03_007")
    geoms = dict(zip(gdf.index, gdf.geometry, strict=True))
    # wards tile the city: pairwise overlaps are negligible, shared borders are long
    overlap = sum(geoms[a].intersection(geoms[b]).area for a in geoms for b in geoms if a < b)
    assert overlap < 1e-8
    shared = geoms["99101"].boundary.intersection(geoms["99104"].boundary).length
    assert shared > 0.01  # degrees (~1 km)
    # the island municipality touches nobody
    assert not any(
        geoms["99421"].distance(g) < 0.05 for c, g in geoms.items() if c != "99421"
    )  # >~5 km of sea


def test_shapefile_zip_cp932(demo: dict) -> None:
    path = Path(demo["shapefile"])
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        dbf = zf.read(next(n for n in names if n.endswith(".dbf")))
    assert not any(n.endswith(".cpg") for n in names)
    assert {Path(n).suffix for n in names} == {".shp", ".shx", ".dbf", ".prj"}
    assert "デモ県".encode("cp932") in dbf
    with pytest.raises(UnicodeDecodeError):
        dbf.decode("utf-8")
    shp = next(n for n in names if n.endswith(".shp"))
    gdf = gpd.read_file(f"zip://{path}!{shp}", encoding="cp932")
    assert {f"N03_00{i}" for i in range(1, 8)} <= set(gdf.columns)
    assert "デモ市" in set(gdf["N03_003"].dropna())
    assert len(gdf) == len(gpd.read_file(demo["geojson"]))


# --- area tables ----------------------------------------------------------------------------------
def test_iryoken_csv_six_digit_codes(demo: dict) -> None:
    data = Path(demo["iryoken_csv"]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(data, "utf-8-sig")
    assert rows[0][:5] == ["団体コード", "都道府県名", "市区町村名", "二次医療圏コード", "二次医療圏名"]
    body = rows[1:]
    assert len(body) == 22
    for r in body:
        assert re.fullmatch(r"\d{6}", r[0]) and check_digit(r[0][:5]) == r[0][5]
    assert len({r[3] for r in body}) == 4


def test_check_digit_known_values() -> None:
    # published 団体コード: 北海道 010006, 札幌市 011002, 鳥取市 312011, 東京都千代田区 131016
    for code in ("010006", "011002", "312011", "131016"):
        assert check_digit(code[:5]) == code[5]


def test_hokenjo_xlsx_numbers_like_excel(demo: dict) -> None:
    wb = openpyxl.load_workbook(demo["hokenjo_xlsx"])
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[2][:4] == ("市町村コード", "市町村名", "圏域番号", "保健所圏域")
    body = [r for r in rows[3:] if isinstance(r[0], int)]
    assert len(body) == 22
    assert all(isinstance(r[2], int) for r in body)  # "01" became 1
    assert {r[2] for r in body} == {1, 2, 3, 4, 5}
    # differs from the 二次医療圏 somewhere: 仮置市 is 中央 in one, 西部 in the other
    iryo = {r[0][:5]: r[3] for r in _csv_rows(Path(demo["iryoken_csv"]).read_bytes(), "utf-8-sig")[1:]}
    hoken = {str(r[0]): r[2] for r in body}
    pairs = {(iryo[c], hoken[c]) for c in iryo}
    assert len(pairs) > len(set(iryo.values()))


# --- population -----------------------------------------------------------------------------------
def test_mesh_files(demo: dict) -> None:
    total = 0
    secret = 0
    for p in map(Path, demo["mesh_files"]):
        assert re.fullmatch(r"tblT001102Q\d{4}\.txt", p.name)
        raw = p.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        lines = raw.decode("cp932").split("\r\n")
        codes, labels = lines[0].split(","), lines[1].split(",")
        assert codes[:4] == ["KEY_CODE", "HTKSYORI", "HTKSAKI", "GASSAN"]
        assert labels[:4] == ["", "", "", ""] and labels[4] == "人口（総数）"
        assert "６５歳以上人口　総数" in labels and "７５歳以上人口　総数" in labels
        rows = [ln.split(",") for ln in lines[2:] if ln]
        keys = {r[0] for r in rows}
        i65, i75 = labels.index("６５歳以上人口　総数"), labels.index("７５歳以上人口　総数")
        for r in rows:
            assert re.fullmatch(r"\d{9}", r[0]) and r[0].startswith(p.stem[-4:])
            if r[4] == "*":
                secret += 1
                assert r[1] == "1" and r[2] in keys | {r[2]}
                continue
            vals = [int(v) for v in r[4:]]
            assert vals[0] == vals[1] + vals[2] == sum(vals[3:23])
            assert vals[i65 - 4] == sum(vals[16:23]) and vals[i75 - 4] <= vals[i65 - 4]
            total += vals[0]
    assert secret > 0
    assert 800_000 < total < 1_100_000


def test_mesh_codes_match_jismesh() -> None:
    jm = pytest.importorskip("jismesh.utils")
    tl = tiles(3)
    ii = np.array([0, 5, 100, 207, 31])
    jj = np.array([0, 7, 200, 239, 150])
    for t in tl:
        lat = t.lat0 + (jj + 0.5) / 240
        lon = t.lon0 + (ii + 0.5) / 160
        assert list(mesh_codes(t, ii, jj)) == [int(c) for c in jm.to_meshcode(lat, lon, 4)]


# --- facilities -----------------------------------------------------------------------------------
def _zip_csv(path: str) -> tuple[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        (name,) = zf.namelist()
        return name, zf.read(name)


def test_iryojoho_files(demo: dict) -> None:
    names = sorted(Path(p).name for p in demo["iryojoho"])
    assert names == [
        "01-1_hospital_facility_info_20250601.zip",
        "02-1_clinic_facility_info_20250601.zip",
        "05_pharmacy_facility_info_20250601.zip",
    ]
    for path in demo["iryojoho"]:
        name, data = _zip_csv(path)
        assert name == Path(path).stem + ".csv"
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        first = text.split("\r\n")[1]
        assert first.startswith('"') and first.endswith('"')
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], [r for r in rows[1:] if r]
        assert header[:13] == HOSPITAL_HEADER[:13]
        assert all(len(r) == len(header) for r in body)
        assert all(re.fullmatch(r"\d{13}", r[0]) and re.fullmatch(r"\d{3}", r[8]) for r in body)
        coords = Counter((r[10], r[11]) for r in body)
        assert coords[("0.0", "0.0")] >= 2
        assert max(n for c, n in coords.items() if c != ("0.0", "0.0")) >= 2  # shared office point
        assert any(r[9] == "" for r in body)  # a bad row without address
    _, data = _zip_csv(next(p for p in demo["iryojoho"] if "hospital" in p))
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == HOSPITAL_HEADER


@pytest.mark.realdata
def test_hospital_header_is_the_real_one(realdata: Path) -> None:
    with zipfile.ZipFile(realdata / "iryojoho" / "01-1_hospital_facility_info_20250601.zip") as zf:
        line = zf.read(zf.namelist()[0])[:20000].decode("utf-8-sig", errors="ignore").split("\n")[0]
    assert next(csv.reader([line])) == HOSPITAL_HEADER


def test_kaigo_files(demo: dict) -> None:
    by_code = {Path(p).stem.split("_")[1]: Path(p) for p in demo["kaigo"]}
    assert {"130", "320", "510", "520"} <= set(by_code)
    for code, p in by_code.items():
        raw = p.read_bytes()
        if code == "320":
            assert not raw.startswith(b"\xef\xbb\xbf")
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            rows = _csv_rows(raw, "cp932")
        else:
            assert raw.startswith(b"\xef\xbb\xbf")
            rows = _csv_rows(raw, "utf-8-sig")
        assert rows[0] == KAIGO_HEADER
        body = [r for r in rows[1:] if r]
        assert body and all(re.fullmatch(r"\d{10}", r[15]) for r in body)
        assert all(re.fullmatch(r"\d{6}", r[0]) for r in body)
    rows = _csv_rows(by_code["130"].read_bytes(), "utf-8-sig")[1:]
    assert any(r[9] and not (20 <= float(r[9]) <= 46) for r in rows if r)  # impossible coordinate row
    assert any(r[7] == "" for r in rows if r)  # missing address row


def test_kouseikyoku_layout(demo: dict) -> None:
    (path,) = demo["kouseikyoku"]
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert str(ws["A2"].value).startswith("[令和７年１０月１日 現在 ]")
    header = [c.value for c in ws[4]]
    assert header == KOUSEI_HEADER
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    assert all(isinstance(v, str) for r in rows for v in r)  # text cells, empty ones as ""
    kigo = Counter(r[14] for r in rows)
    for k in ("支援診１", "支援診２", "支援診３", "支援病１", "支援病２", "支援病３"):
        assert kigo[k] > 0
    zaishi = [r for r in rows if r[14].startswith("支援")]
    assert len(rows) > 10 * len(zaishi) / 2  # many non-在支 rows
    per_inst = Counter(r[4] for r in zaishi)
    assert max(per_inst.values()) == 2  # one institution with two 在支 届出
    assert all(not r[9].startswith("デモ県") for r in rows)  # addresses without prefecture
    assert all(re.fullmatch(r"(令和|平成)[ \d]{2}年[ \d]{2}月[ \d]{2}日", r[16]) for r in rows)
    assert all(re.fullmatch(r"\d{7}", r[4]) for r in rows)


@pytest.mark.realdata
def test_kouseikyoku_header_is_the_real_one(realdata: Path) -> None:
    path = next((realdata / "kouseikyoku").glob("*.xlsx"))
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    real = next(ws.iter_rows(min_row=4, max_row=4, values_only=True))
    assert list(real) == KOUSEI_HEADER


def test_houkatsu_and_town_points(demo: dict) -> None:
    (hpath,) = demo["houkatsu"]
    ws = openpyxl.load_workbook(hpath).worksheets[0]
    header = [c.value for c in ws[2]]
    assert "センター名" in header and "所在地" in header
    addrs = [r[2] for r in ws.iter_rows(min_row=3, values_only=True) if r[2]]
    assert len(addrs) >= 22
    raw = Path(demo["isj"]).read_bytes()
    rows = _csv_rows(raw, "cp932")
    assert rows[0] == ISJ_HEADER
    towns = {(r[3], r[5]) for r in rows[1:] if r}
    # every 包括 address names a municipality + town of the reference
    for a in addrs:
        a = a.replace("大字", "")
        assert any(a.startswith(m + t) or a.startswith(m.split("郡")[-1] + t) for m, t in towns), a


# --- roads ----------------------------------------------------------------------------------------
def test_osm_pbf(demo: dict) -> None:
    import osmium

    highways: Counter[str] = Counter()
    maxspeeds: set[str] = set()
    oneway = 0
    edges: list[tuple[int, int]] = []
    node_xy: dict[int, tuple[float, float]] = {}
    for o in osmium.FileProcessor(demo["pbf"]):
        if o.is_node():
            node_xy[o.id] = (o.location.lon, o.location.lat)
        elif o.is_way():
            highways[o.tags.get("highway")] += 1
            if "maxspeed" in o.tags:
                maxspeeds.add(o.tags["maxspeed"])
            if o.tags.get("oneway") in ("yes", "-1") and o.tags.get("highway") == "residential":
                oneway += 1
            ids = [n.ref for n in o.nodes]
            edges += list(itertools.pairwise(ids))
    for hw in ("motorway", "motorway_link", "trunk", "primary", "secondary", "tertiary", "residential"):
        assert highways[hw] > 0, hw
    assert "JP:urban" in maxspeeds and any(m.isdigit() for m in maxspeeds)
    assert any(not m.isdigit() and not m.startswith("JP:") for m in maxspeeds)  # junk values
    assert oneway > 0
    assert len(node_xy) > 20_000
    # the island has roads but no link to the mainland (connected components)
    parent = {n: n for n in node_xy}

    def find(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in edges:
        parent[find(a)] = find(b)
    gdf = gpd.read_file(demo["geojson"])
    island = shapely.union_all(gdf[gdf["N03_007"] == "99421"].geometry.values).buffer(0.01)
    isl_nodes = [n for n, (x, y) in node_xy.items() if island.contains(shapely.Point(x, y))]
    assert len(isl_nodes) > 50
    isl_roots = {find(n) for n in isl_nodes}
    main_roots = {find(n) for n, (x, y) in node_xy.items() if x < 136.3}
    assert not (isl_roots & main_roots)


def test_every_populated_mesh_has_a_road_near() -> None:
    """Nobody lives off the road network: a node of the connected ordinary roads of the mesh's own
    landmass within 500 m of every populated mesh centre (the engine gives up at 1,500 m)."""
    from zaitaku_map.demo.roads import demand_on_roads_check

    assert demand_on_roads_check(0) == 1.0
    assert demand_on_roads_check(0, within_km=0.2) < 0.95  # not a road on every mesh centre


def test_scale_tiles_are_disjoint_and_fictional() -> None:
    tl = tiles(45)
    assert [t.pref_code for t in tl[:3]] == ["99", "98", "97"]
    assert all(int(t.pref_code) > 47 for t in tl)
    boxes = [shapely.box(t.lon0, t.lat0, t.lon0 + 1.3, t.lat0 + 1.0) for t in tl]
    assert all(a.intersection(b).area < 1e-9 for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    # all in the open Pacific inside Japan's bounding box
    assert all(t.lon0 > 132.9 and t.lon0 + 1.3 < 140.9 and 23.0 < t.lat0 < 32.0 for t in tl)
    with pytest.raises(ValueError):
        tiles(46)


# --- determinism ----------------------------------------------------------------------------------
def test_same_seed_gives_identical_bytes(demo: dict, tmp_path: Path) -> None:
    again = generate_files(tmp_path / "again", seed=0)
    assert again["sha256"] == demo["sha256"]
    # another seed gives another coastline
    from zaitaku_map.demo.geography import build_region

    assert not build_region(1).mainland.equals(build_region(0).mainland)


def test_scale_two_replicates_with_new_codes(tmp_path: Path) -> None:
    import osmium

    from zaitaku_map.demo.facility_files import iryojoho_rows, kaigo_rows
    from zaitaku_map.demo.geography import build_region
    from zaitaku_map.demo.n03 import n03_rows
    from zaitaku_map.demo.roads import build_template, write_pbf

    tl = tiles(2)
    codes = {a["N03_007"] for a, _ in n03_rows(build_region(0), tl) if a["N03_007"]}
    assert len(codes) == 44 and {c[:2] for c in codes} == {"99", "98"}
    for kind in ("hospital", "clinic", "pharmacy"):
        body = iryojoho_rows(kind, tl)[1:]
        assert len({r[0] for r in body}) == len(body)
        assert {r[7] for r in body} == {"99", "98"}
    body = kaigo_rows("home_nursing", tl)[1:]
    assert len({r[15] for r in body}) == len(body)
    counts = write_pbf(tmp_path / "x2.osm.pbf", tl)
    tpl = build_template(0)
    assert counts == {"nodes": 2 * len(tpl.x), "ways": 2 * len(tpl.ways)}
    lons = [o.location.lon for o in osmium.FileProcessor(str(tmp_path / "x2.osm.pbf"), osmium.osm.NODE)]
    assert len(lons) == counts["nodes"] and min(lons) >= 135.6 and max(lons) <= 136.9 + 1.3


def test_facility_addresses_use_reference_towns(demo: dict) -> None:
    """Addresses in the kaigo files name a town of the 位置参照情報 file (so geocoding can work)."""
    isj = _csv_rows(Path(demo["isj"]).read_bytes(), "cp932")[1:]
    heads = {"デモ県" + r[3] + r[5] for r in isj if r} | {
        "デモ県" + r[3].split("郡")[-1] + r[5] for r in isj if r
    }
    for p in demo["kaigo"]:
        enc = "cp932" if Path(p).name.startswith("jigyosho_320") else "utf-8-sig"
        for r in _csv_rows(Path(p).read_bytes(), enc)[1:]:
            if r and r[7]:
                addr = r[7].replace("大字", "")
                assert any(addr.startswith(h) for h in heads), addr


def test_progress_and_cancel(demo: dict, tmp_path: Path) -> None:
    from zaitaku_map.errors import Cancelled
    from zaitaku_map.progress import CancelToken

    seen: list[tuple[float, float]] = []
    generate_files(tmp_path / "p", progress=lambda done, total, msg: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        generate_files(tmp_path / "c", cancel=token)


# --- 協力医療機関 agreements (partners) ------------------------------------------------------------
def test_agreements_table_layout(demo: dict) -> None:
    from zaitaku_map.demo.agreements import HEADER

    wb = openpyxl.load_workbook(demo["agreements"], read_only=True)
    rows = [[("" if v is None else str(v)) for v in r] for r in wb.active.iter_rows(values_only=True)]
    assert "協力医療機関" in rows[0][0] and "現在" in rows[1][0] and rows[3] == HEADER
    body = [r for r in rows[4:] if r[0].isdigit()]
    assert len(body) > 100
    codes = [r[7] for r in body if r[7]]
    assert all(re.fullmatch(r"99\d{8}|\d{7}", c) for c in codes) and any(len(c) == 7 for c in codes)
    assert sum(1 for r in body if r[12] == "協議中") >= 3  # facilities without a partner yet
    assert any(not r[3] and not r[4] for r in body)  # the row the import must reject
    assert any(r[6] and not r[7] for r in body)  # partners given by name only
    # the island's 特養 (placed there by design) reports partners on the mainland
    assert any("デモ島町" in r[5] and r[6] for r in body)
