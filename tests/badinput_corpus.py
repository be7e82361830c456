"""A corpus of bad inputs, generated (nothing large is committed): one builder per class of issue 23.

Each builder writes one file (or folder) into a directory and returns its path.  The tests in
``tests/test_bad_inputs.py`` feed them to the command line and assert the outcome of each class —
a clean refusal, rows rejected with their reasons, or the input accepted exactly.  To look at the
files by hand::

    python tests/badinput_corpus.py OUT_DIR

The base project of the tests is the fictional prefecture 99 of ``geodata_fixtures`` (9 grid
municipalities + an island) with an area layer 二次医療圏 9901 中央 / 9902 西部 / 9903 南部.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

AREAS = {
    "99101": ("9901", "中央"),
    "99102": ("9901", "中央"),
    "99201": ("9901", "中央"),
    "99202": ("9902", "西部"),
    "99203": ("9902", "西部"),
    "99204": ("9902", "西部"),
    "99205": ("9903", "南部"),
    "99206": ("9903", "南部"),
    "99207": ("9903", "南部"),
}
MUNIS = sorted(AREAS)
HOSTILE_NUMBERS = ("inf", "nan", "-5", "1e308", "-inf", "NaN")


def _csv(rows: list[list[object]], *, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


# -- base files -------------------------------------------------------------------------------
def area_table(d: Path) -> Path:
    """The good municipality → 二次医療圏 table of the base project."""
    p = d / "二次医療圏.csv"
    p.write_bytes(
        _csv([["市町村コード", "市町村名", "圏域コード", "圏域名"]] + [[c, "", *AREAS[c]] for c in MUNIS])
    )
    return p


# -- population and area values ---------------------------------------------------------------
def muni_population_hostile(d: Path) -> Path:
    """Municipal population with inf / nan / negative / 1e308 cells among good rows (rows 3–8)."""
    rows: list[list[object]] = [["市区町村コード", "市区町村名", "総数", "65歳以上", "75歳以上"]]
    for i, code in enumerate(MUNIS):
        bad = HOSTILE_NUMBERS[i] if i < len(HOSTILE_NUMBERS) else None
        rows.append([code, "", bad or 1000 + i, 300 if bad != "-5" else bad, 150])
    p = d / "市区町村別人口_hostile.csv"
    p.write_bytes(_csv(rows))
    return p


def area_population_hostile(d: Path) -> Path:
    """Area-keyed population with inf in one area and a negative 65+ in another."""
    rows = [
        ["圏域コード", "圏域名", "総数", "65歳以上", "75歳以上"],
        ["9901", "中央", "inf", "3000", "1500"],
        ["9902", "西部", "8000", "-2500", "1200"],
        ["9903", "南部", "6000", "2000", "1000"],
    ]
    p = d / "圏域別人口_hostile.csv"
    p.write_bytes(_csv(rows))
    return p


def area_population_code_clash(d: Path) -> Path:
    """Area-keyed population whose 65+ column holds values equal to area codes (9903, 9901, 9902):
    the code column must come from the header (圏域コード) and code shape, not from value hits."""
    rows = [
        ["総数", "65歳以上", "圏域コード", "圏域名"],
        ["229722", "9903", "9901", "中央"],
        ["61942", "9901", "9902", "西部"],
        ["30500", "9902", "9903", "南部"],
    ]
    p = d / "圏域別人口_codeclash.csv"
    p.write_bytes(_csv(rows))
    return p


def _mesh_lines(n: int = 12) -> tuple[list[str], list[str]]:
    """Header rows and ``n`` good 1 km cells (100 people, 30 aged 65+ each) over the grid."""
    from geodata_fixtures import mesh_code_1km

    head = [
        "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN,T001102001,T001102019",
        ",秘匿処理,秘匿先情報,合算地域,人口（総数）,６５歳以上人口　総数",
    ]
    codes: list[str] = []
    lat = 34.295
    while len(codes) < n:
        lon = 133.005
        while lon < 133.3 and len(codes) < n:
            c = mesh_code_1km(lon, lat)
            if c not in codes:
                codes.append(c)
            lon += 1 / 80
        lat -= 1 / 120
    return head, [f"{c},0,,,100,30" for c in codes]


def population_duplicates(d: Path) -> Path:
    """A municipality table giving 東市 twice with different counts and 西町 twice with the same."""
    rows = [
        ["市区町村コード", "市区町村名", "総数", "65歳以上"],
        ["99201", "東市", "1000", "300"],
        ["99201", "東市", "2000", "600"],
        ["99202", "西町", "500", "100"],
        ["99202", "西町", "500", "100"],
        ["99203", "南町", "700", "200"],
    ]
    p = d / "市区町村別人口_dup.csv"
    p.write_bytes(_csv(rows))
    return p


def area_population_duplicates(d: Path) -> Path:
    """An area table giving 中央 (9901) twice with different counts (was: 中央 dropped, not a word)."""
    rows = [["圏域コード", "圏域名", "総数", "65歳以上"], ["9901", "中央", "1000", "300"]]
    rows += [["9901", "中央", "5000", "600"], ["9902", "西部", "500", "100"], ["9903", "南部", "800", "90"]]
    p = d / "圏域別人口_dup.csv"
    p.write_bytes(_csv(rows))
    return p


def mesh_empty_codes(d: Path) -> Path:
    """A mesh file with two rows whose KEY_CODE is empty (250 people): rejected and counted."""
    head, body = _mesh_lines()
    body.insert(3, ",0,,,120,40")
    body.insert(7, " ,0,,,130,50")
    p = d / "tblT001102Q5233_emptycode.txt"
    p.write_bytes(("\r\n".join(head + body) + "\r\n").encode("cp932"))
    return p


def mesh_truncated(d: Path) -> Path:
    """A mesh file cut in its last row (``…,156`` with the 65+ field missing)."""
    head, body = _mesh_lines()
    body[-1] = body[-1].rsplit(",", 2)[0] + ",156"
    p = d / "tblT001102Q5233_truncated.txt"
    p.write_bytes(("\r\n".join(head + body)).encode("cp932"))  # no final newline: the download stopped
    return p


def mesh_hostile_values(d: Path) -> Path:
    """A mesh file with inf / nan / negative / 1e308 cells."""
    head, body = _mesh_lines()
    for i, v in enumerate(("inf", "nan", "-100", "1e308")):
        code = body[i].split(",")[0]
        body[i] = f"{code},0,,,{v},30"
    p = d / "tblT001102Q5233_hostile.txt"
    p.write_bytes(("\r\n".join(head + body) + "\r\n").encode("cp932"))
    return p


def mesh_other_version(d: Path) -> Path:
    """The cells of :func:`mesh_empty_codes`'s grid again, with other values (another census year):
    imported together with it, a cell would be counted twice or one version silently dropped."""
    head, body = _mesh_lines()
    body = [line.replace(",100,30", ",90,35") for line in body]
    sub = d / "2015"
    sub.mkdir(exist_ok=True)
    p = sub / "tblT000876Q5233.txt"
    p.write_bytes(("\r\n".join(head + body) + "\r\n").encode("cp932"))
    return p


def area_table_surplus_field(d: Path) -> Path:
    """An area table with an unquoted comma inside an area name (デモ中央,北部)."""
    text = "市町村コード,圏域コード,圏域名\r\n" + "".join(
        f"{c},{a},{n if c != '99202' else 'デモ中央,北部'}\r\n" for c, (a, n) in sorted(AREAS.items())
    )
    p = d / "圏域_surplus.csv"
    p.write_bytes(text.encode("utf-8"))
    return p


# -- boundaries --------------------------------------------------------------------------------
def _n03_features() -> dict[str, object]:
    from geodata_fixtures import n03_frame

    return json.loads(n03_frame().to_json())


def _write_json(p: Path, data: object) -> Path:
    p.write_text(json.dumps(data, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    return p


def _map_coords(geom: dict[str, object], fn: Callable[[list[float]], list[float]]) -> dict[str, object]:
    def walk(c: object) -> object:
        if isinstance(c, list) and c and isinstance(c[0], int | float):
            return fn(c)
        return [walk(x) for x in c] if isinstance(c, list) else c

    return {**geom, "coordinates": walk(geom["coordinates"])}


def n03_swapped(d: Path) -> Path:
    """N03 GeoJSON with latitude and longitude swapped."""
    fc = _n03_features()
    for f in fc["features"]:  # type: ignore[index]
        f["geometry"] = _map_coords(f["geometry"], lambda c: [c[1], c[0]])
    return _write_json(d / "N03-20250101_99_swapped.geojson", fc)


def n03_projected(d: Path) -> Path:
    """N03 GeoJSON in projected metres (JGD2011 平面直角 V) without saying so."""
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:6673", always_xy=True)
    fc = _n03_features()
    for f in fc["features"]:  # type: ignore[index]
        f["geometry"] = _map_coords(f["geometry"], lambda c: list(t.transform(c[0], c[1])))
    return _write_json(d / "N03-20250101_99_metres.geojson", fc)


def n03_nan(d: Path) -> Path:
    """N03 GeoJSON where one municipality's ring holds NaN coordinates."""
    fc = _n03_features()
    f = fc["features"][0]  # type: ignore[index]
    f["geometry"] = _map_coords(f["geometry"], lambda c: [math.nan, c[1]] if c[0] > 133.05 else c)
    return _write_json(d / "N03-20250101_99_nan.geojson", fc)


def n03_empty_points(d: Path) -> Path:
    """N03 GeoJSON where one row is an empty polygon and another a point."""
    fc = _n03_features()
    feats = fc["features"]  # type: ignore[index]
    feats[1]["geometry"] = {"type": "Polygon", "coordinates": []}
    feats[2]["geometry"] = {"type": "Point", "coordinates": [133.25, 34.25]}
    return _write_json(d / "N03-20250101_99_empty.geojson", fc)


# -- zips ---------------------------------------------------------------------------------------
def a38_nan_ring(d: Path) -> Path:
    """An A38 (医療圏) layer whose first ring starts and ends with NaN (not a closed ring for GEOS)."""
    nan = float("nan")
    ring = [[nan, 34.0], [133.3, 34.0], [133.3, 34.3], [133.0, 34.3], [nan, 34.0]]
    feats = [
        {
            "type": "Feature",
            "properties": {"A38c_001": "北ブロック", "A38c_002": "01"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    ]
    return _write_json(d / "A38c_nan.geojson", {"type": "FeatureCollection", "features": feats})


def zip_corrupt_member(d: Path) -> Path:
    """A zip with a 医療情報ネット member whose compressed data is damaged and an unrelated text file."""
    from import_fixtures import IRYOJOHO_HEADER, csv_bytes, iryojoho_row

    good = csv_bytes(
        IRYOJOHO_HEADER,
        [
            iryojoho_row(f"99{i:011d}", f"テスト病院{i}", "99", "201", "テスト県東市1-1", "34.25", "133.25")
            for i in range(40)
        ],
    )
    p = d / "01-1_hospital_facility_info_20250601.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("01-1_hospital_facility_info_20250601.csv", good)
        zf.writestr("readme.txt", "この zip には施設票が入っています。\n")
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as zf:
        info = zf.getinfo("01-1_hospital_facility_info_20250601.csv")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 40, start + 60):  # flip bytes inside the compressed data
        data[k] ^= 0x5A
    p.write_bytes(bytes(data))
    return p


def zip_bomb(d: Path, *, megabytes: int = 64) -> Path:
    """A small zip holding one CSV of ``megabytes`` MB that compresses a thousandfold (a 介護 header,
    then zeros): the tests set ``zip_member_mb`` below it."""
    p = d / "jigyosho_130_bomb.zip"
    header = "都道府県コード又は市町村コード,No,事業所名,事業所番号,住所\r\n".encode()
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("jigyosho_130.csv", "w") as fh:
        fh.write(header)
        block = b"0" * (1 << 20)
        for _ in range(megabytes):
            fh.write(block)
    return p


def n03_zip_bomb(d: Path, *, megabytes: int = 64) -> Path:
    """A boundary zip whose .dbf member is ``megabytes`` MB of zeros (refused before extraction)."""
    p = d / "N03-20250101_99_GML.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("N03-20250101_99.shp", b"\0" * 100)
        with zf.open("N03-20250101_99.dbf", "w") as fh:
            for _ in range(megabytes):
                fh.write(b"\0" * (1 << 20))
    return p


# -- roads ---------------------------------------------------------------------------------------
_GRAPHML_HEAD = """<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="d0" for="node" attr.name="y" attr.type="string"/>
<key id="d1" for="node" attr.name="x" attr.type="string"/>
<key id="d2" for="edge" attr.name="highway" attr.type="string"/>
<key id="d3" for="edge" attr.name="length" attr.type="string"/>
<graph edgedefault="directed">
"""


def _graphml(nodes: list[tuple[int, str, str]], edges: list[tuple[int, int, str]]) -> str:
    out = [_GRAPHML_HEAD]
    out += [
        f'<node id="{i}"><data key="d0">{y}</data><data key="d1">{x}</data></node>\n' for i, x, y in nodes
    ]
    for a, b, length in edges:
        for s, t in ((a, b), (b, a)):
            out.append(
                f'<edge source="{s}" target="{t}"><data key="d2">residential</data>'
                f'<data key="d3">{length}</data></edge>\n'
            )
    out.append("</graph>\n</graphml>\n")
    return "".join(out)


def _grid_graph(n: int = 12) -> tuple[list[tuple[int, str, str]], list[tuple[int, int, str]]]:
    nodes = [
        (i * n + j, f"{133.0 + 0.02 * j:.5f}", f"{34.0 + 0.02 * i:.5f}") for i in range(n) for j in range(n)
    ]
    edges = []
    for i in range(n):
        for j in range(n):
            if j + 1 < n:
                edges.append((i * n + j, i * n + j + 1, "1840.0"))
            if i + 1 < n:
                edges.append((i * n + j, (i + 1) * n + j, "2220.0"))
    return nodes, edges


def graphml_nan_coordinates(d: Path) -> Path:
    """An osmnx-style GraphML where every node has x = NaN."""
    nodes, edges = _grid_graph()
    nodes = [(i, "nan", y) for i, _x, y in nodes]
    p = d / "roads_nan.graphml"
    p.write_text(_graphml(nodes, edges), encoding="utf-8")
    return p


def graphml_bad_lengths(d: Path) -> Path:
    """A GraphML whose edge lengths include negative, 1e308, NaN and inf values."""
    nodes, edges = _grid_graph()
    bad = ["-500", "1e308", "nan", "inf"]
    edges = [(a, b, bad[k % 4] if k % 5 == 0 else length) for k, (a, b, length) in enumerate(edges)]
    p = d / "roads_badlength.graphml"
    p.write_text(_graphml(nodes, edges), encoding="utf-8")
    return p


# -- facility tables ------------------------------------------------------------------------------
def osm_bad_coordinates(d: Path) -> Path:
    """An OSM XML road whose nodes have lat "nan" and lon "inf" (the parser cannot read them)."""
    p = d / "roads_bad.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="nan" lon="133"/>'
        '<node id="2" lat="34" lon="inf"/><way id="3"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="primary"/></way></osm>',
        encoding="utf-8",
    )
    return p


def kaigo_truncated_surplus(d: Path) -> Path:
    """A 介護 CSV with one row cut short and one with a surplus field (an unquoted comma)."""
    from import_fixtures import KAIGO_HEADER, kaigo_row

    rows = [
        kaigo_row(
            "992011",
            f"99600000{i:02d}",
            f"訪問看護ステーション{i}",
            "訪問看護",
            f"テスト県東市{i}-1",
            "34.25",
            "133.25",
        )
        for i in range(6)
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(KAIGO_HEADER)
    for i, r in enumerate(rows):
        line = io.StringIO()
        csv.writer(line, lineterminator="").writerow(r)
        text = line.getvalue()
        if i == 2:
            text = text.rsplit(",", 5)[0]  # truncated
        elif i == 4:
            text = text.replace(f"テスト県東市{i}-1", f"テスト県東市{i},1")  # unquoted comma
        buf.write(text + "\r\n")
    p = d / "jigyosho_130_shape.csv"
    p.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return p


def long_address_table(d: Path, *, chars: int = 100_000) -> Path:
    """A generic facility list where one address is ``chars`` characters long."""
    rows = [["名称", "住所", "種別"]]
    rows += [[f"テスト薬局{i}", f"テスト県東市{i}-1", "薬局"] for i in range(5)]
    rows.append(["長い住所の薬局", "テスト県東市" + "1丁目2番地" * (chars // 6), "薬局"])
    p = d / "薬局一覧_long.csv"
    p.write_bytes(_csv(rows))
    return p


def table_bad_coordinates(d: Path) -> Path:
    """A facility table whose 緯度/経度 hold NaN, inf, swapped, 1e308 and the southern hemisphere: only
    the one good row keeps its position; the others are left to geocoding."""
    rows = [["施設名", "住所", "緯度", "経度", "種別"]]
    for i, (lat, lon) in enumerate(
        [
            ("nan", "133.15"),
            ("inf", "133.15"),
            ("133.15", "34.25"),
            ("1e308", "133.1"),
            ("34.25", "133.15"),
            ("-34.25", "-133.15"),
        ]
    ):
        rows.append([f"訪問看護{i}", f"テスト県北区1-{i}", lat, lon, "訪問看護"])
    p = d / "訪問看護_coords.csv"
    p.write_bytes(_csv(rows))
    return p


def gis_points_bad(d: Path) -> Path:
    """A GeoJSON point layer with a NaN point, an empty point and a point at 1e308."""
    feats = []
    for i, coords in enumerate([[float("nan"), 34.2], [133.1, 34.2], [], [1e308, 34.0]]):
        feats.append(
            {
                "type": "Feature",
                "properties": {"名称": f"薬局{i}", "住所": "テスト県北区1", "種別": "薬局"},
                "geometry": {"type": "Point", "coordinates": coords},
            }
        )
    return _write_json(d / "薬局_points.geojson", {"type": "FeatureCollection", "features": feats})


def random_bytes(d: Path) -> Path:
    """Random bytes with a .csv name."""
    import random

    rnd = random.Random(23)
    p = d / "random.csv"
    p.write_bytes(bytes(rnd.randrange(256) for _ in range(4096)))
    return p


BUILDERS: dict[str, Callable[[Path], Path]] = {
    f.__name__: f
    for f in (
        area_table,
        muni_population_hostile,
        area_population_hostile,
        area_population_code_clash,
        population_duplicates,
        area_population_duplicates,
        mesh_empty_codes,
        mesh_truncated,
        mesh_hostile_values,
        mesh_other_version,
        area_table_surplus_field,
        n03_swapped,
        n03_projected,
        n03_nan,
        n03_empty_points,
        a38_nan_ring,
        zip_corrupt_member,
        zip_bomb,
        n03_zip_bomb,
        graphml_nan_coordinates,
        graphml_bad_lengths,
        osm_bad_coordinates,
        kaigo_truncated_surplus,
        long_address_table,
        table_bad_coordinates,
        gis_points_bad,
        random_bytes,
    )
}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("badinput")
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(Path(__file__).parent))
    for name, build in BUILDERS.items():
        print(f"{name}: {build(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
