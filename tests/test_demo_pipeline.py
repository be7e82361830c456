"""``zaitaku-map demo PROJECT --json`` builds a complete project through the real pipeline."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from zaitaku_map.cli import main
from zaitaku_map.labels import CORE_CATEGORIES
from zaitaku_map.store import open_project
from zaitaku_map.store.info import project_info

PROGRESS: list[tuple[float, float]] = []


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    base = tmp_path_factory.mktemp("demo_pipeline")
    project = base / "demo.gpkg"
    files = base / "files"
    import contextlib
    import io

    from zaitaku_map.cli.common import Context
    from zaitaku_map.progress import Progress

    PROGRESS.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            Context, "progress", lambda self: Progress(lambda d, t, m: PROGRESS.append((d, t)), self.cancel)
        )
        rc = main(["demo", str(project), "--json", "--files-dir", str(files)])
    assert rc == 0, out.getvalue()[-2000:]
    return json.loads(out.getvalue()), project


@pytest.mark.slow
def test_every_step_ran(built: tuple[dict, Path]) -> None:
    result, _ = built
    failed = {k: v for k, v in result["steps"].items() if v["status"] == "failed"}
    assert not failed, failed
    assert {v["status"] for v in result["steps"].values()} == {"ok"}
    assert list(result)[-1] == "info"  # `--json` ends with the info counts


@pytest.mark.slow
def test_info_counts_are_non_zero(built: tuple[dict, Path]) -> None:
    result, path = built
    with open_project(path) as project:
        info = project_info(project)
        assert project.is_demo
        assert project.study_prefectures == ["99"]
    assert info == result["info"]
    assert info["municipalities"] == 22
    assert info["area_layers"] == {"二次医療圏": 4, "保健所圏域": 5}
    assert 800_000 < info["population"]["total"] < 1_100_000
    assert info["population"]["age65"] > 0 and info["population"]["demand_points"] > 10_000
    assert info["road_network"]["nodes"] > 20_000 and info["road_network"]["edges"] > 20_000
    for cat in CORE_CATEGORIES:
        assert info["facilities"][cat] > 0, cat
    assert info["options"] == ["案A", "案B", "案C", "自動提案"]
    assert info["rejected_rows"] >= 1  # the deliberately bad rows are reported


@pytest.mark.slow
def test_facilities_are_placed_on_land_and_mostly_precise(built: tuple[dict, Path]) -> None:
    _, path = built
    with open_project(path) as project:
        rows = project.conn.execute("SELECT geocode_level, count(*) FROM facilities GROUP BY 1").fetchall()
        levels = dict(rows)
        outside = project.conn.execute(
            "SELECT count(*) FROM facilities WHERE lon IS NOT NULL AND (lon < 135.6 OR lon > 136.9 "
            "OR lat < 31.6 OR lat > 32.6)"
        ).fetchone()[0]
    assert outside == 0
    total = sum(levels.values())
    assert (levels.get("source", 0) + levels.get("town", 0) + levels.get("block", 0)) / total > 0.85


@pytest.mark.slow
def test_option_b_flags_the_split_area(built: tuple[dict, Path]) -> None:
    result, _ = built
    opts = result["steps"]["options"]["result"]["options"]
    assert opts["案A"]["kens_without_hub"] == [] and opts["案A"]["kens_without_active_role"] == []
    assert opts["案B"]["n_kens"] == opts["案A"]["n_kens"] + 1
    assert opts["案B"]["kens_without_hub"] and opts["案B"]["kens_without_active_role"]
    assert opts["案C"]["n_kens"] == opts["案A"]["n_kens"] + 1


@pytest.mark.slow
def test_interior_has_coverage_gaps(built: tuple[dict, Path]) -> None:
    result, _ = built
    summary = result["steps"]["coverage"]["result"]["summary"]
    for cat in ("zaishi_clinic", "home_nursing"):
        assert 0.5 < summary[cat]["share"] < 1.0  # mostly covered, with 30-minute gaps in the hills


WARDS = {"99101", "99102", "99103", "99104", "99105"}  # デモ市 (政令市) 中央区・港区・東区・北区・西区
INTERIOR = {"99341": "山奥町", "99342": "峠町", "99343": "深谷村", "99344": "雲上村"}
ISLAND = "99421"  # デモ島町


@pytest.mark.slow
def test_coverage_gaps_are_travel_time_gaps_not_roadless_people(built: tuple[dict, Path]) -> None:
    """Issue 7: real gaps in the interior, none in the dense city, nobody cut off from the roads,
    and the island is never reached from the mainland."""
    from zaitaku_map.coverage import CoverageParams, compute_coverage

    _, path = built
    params = CoverageParams()  # network mode, 30 minutes
    with open_project(path) as project:
        names = dict(project.conn.execute("SELECT code, name FROM municipalities").fetchall())
        fac_muni = dict(project.conn.execute("SELECT id, muni_code FROM facilities").fetchall())
        result = compute_coverage(project, params, categories=["zaishi", *CORE_CATEGORIES])
    assert {c: names[c] for c in INTERIOR} == INTERIOR and names[ISLAND] == "デモ島町"
    assert set(names) >= WARDS
    df = result.demand.df
    pop = df["pop_total"].to_numpy(dtype=float)
    muni = df["muni_code"].astype(str).to_numpy()
    # people farther than max_snap_m from any road: < 0.5 % of the population
    assert result.off_network is not None
    assert pop[result.off_network].sum() < 0.005 * pop.sum()
    ward = np.isin(muni, list(WARDS))
    interior = np.isin(muni, list(INTERIOR))
    island = muni == ISLAND
    for cat in ("zaishi", "home_nursing"):
        uncovered = ~(result.times(cat) <= params.minutes)
        assert pop[ward & uncovered].sum() == 0, cat  # the dense city is covered everywhere
    assert pop[interior & ~(result.times("zaishi") <= params.minutes)].sum() > 1000  # the hills are not
    for cat in ("zaishi", *CORE_CATEGORIES):
        cc = result.categories[cat]
        reached = island & np.isfinite(cc.times)
        assert all(fac_muni[int(f)] == ISLAND for f in cc.nearest[reached]), cat  # island facilities only


def test_files_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a tiny check of the CLI surface without building a project (uses the cached template)
    rc = main(["demo", "--files-only", str(tmp_path / "f"), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["files_only"] and out["counts"]["municipalities"] == 22
    assert (tmp_path / "f" / "manifest.json").is_file()
    assert not list(tmp_path.glob("*.gpkg"))


@pytest.mark.slow
def test_scale_two_builds_two_prefectures(tmp_path: Path) -> None:
    from zaitaku_map.demo import build_demo_project

    r = build_demo_project(tmp_path / "x2.gpkg", scale=2)
    assert not r["failed"], r["steps"]
    info = r["info"]
    assert info["study_prefectures"] == ["98", "99"]
    assert info["municipalities"] == 44
    assert info["area_layers"] == {"二次医療圏": 8, "保健所圏域": 10}
    for cat in CORE_CATEGORIES:
        assert info["facilities"][cat] > 0, cat
    assert info["facilities"]["houkatsu"] == 70  # same names in both prefectures, kept apart


@pytest.mark.slow
def test_progress_is_monotone_and_ends_at_total(built: tuple[dict, Path]) -> None:
    assert len(PROGRESS) > 20
    done = [d for d, _ in PROGRESS]
    assert all(b >= a for a, b in itertools.pairwise(done))
    assert PROGRESS[-1][0] == PROGRESS[-1][1]


def _rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    enc = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "cp932"
    return list(csv.reader(io.StringIO(raw.decode(enc))))


@pytest.mark.slow
def test_bad_rows_of_the_demo_files_are_in_the_import_log(built: tuple[dict, Path]) -> None:
    result, path = built
    files = Path(result["files_dir"]) / "facilities"
    expected: set[tuple[str, int, str, str]] = set()  # (file, row, column, severity) read from the files
    for f in sorted(files.glob("jigyosho_*.csv")):
        rows = _rows(f)
        h = {c: i for i, c in enumerate(rows[0])}
        for n, r in enumerate(rows[1:], start=2):
            if not r:
                continue
            lat, lon = r[h["緯度"]], r[h["経度"]]
            usable = bool(lat and lon) and 20 < float(lat) < 46 and 122 < float(lon) < 154
            if not r[h["事業所名"]]:
                expected.add((f.name, n, "事業所名", "rejected"))
            elif not r[h["住所"]] and not usable:
                expected.add((f.name, n, "住所", "rejected"))
            elif not r[h["住所"]]:
                expected.add((f.name, n, "住所", "warning"))
            elif lat and (abs(float(lat)) > 90 or abs(float(lon)) > 180):
                expected.add((f.name, n, "経度" if abs(float(lat)) <= 90 else "緯度", "warning"))
    for z in sorted(files.glob("0*_facility_info_*.zip")):
        with zipfile.ZipFile(z) as zf:
            member = zf.namelist()[0]
            rows = list(csv.reader(io.StringIO(zf.read(member).decode("utf-8-sig"))))
        h = {c: i for i, c in enumerate(rows[0])}
        for n, r in enumerate(rows[1:], start=2):
            lat, lon = float(r[h["所在地座標（緯度）"]]), float(r[h["所在地座標（経度）"]])
            if abs(lat) > 90 and not (122 < lat < 154 and 20 < lon < 46):  # impossible, not just swapped
                expected.add((f"{z.name}:{member}", n, "所在地座標（緯度）", "warning"))
            elif not r[h["所在地"]]:
                expected.add((f"{z.name}:{member}", n, "所在地", "warning"))
    with open_project(path) as project:
        log = project.conn.execute(
            "SELECT l.file_name, l.sheet, l.row, l.column_name, l.severity, l.reason FROM import_log l JOIN sources s "
            "ON s.id = l.source_id WHERE s.kind = 'facilities'"
        ).fetchall()
        houkatsu = [r for r in log if r[0] == "houkatsu_list.xlsx"]
    assert {(r[0], r[2], r[3], r[4]) for r in log if r[0] != "houkatsu_list.xlsx"} == expected
    assert sum(1 for e in expected if e[3] == "rejected") >= 4 and all(r[5] for r in log)
    # the municipal list has a centre that is not open yet (no address): rejected with sheet, row, column
    assert [(r[1], r[3], r[4]) for r in houkatsu] == [("包括一覧", "所在地", "rejected")]
    n_rej = sum(1 for r in log if r[4] == "rejected")
    # info also counts 所属未定地 (N03) and the agreements table's row naming no facility (partners)
    assert result["import_log"]["rejected"] == n_rej == result["info"]["rejected_rows"] - 2
    assert result["import_log"]["warnings"] == sum(1 for r in log if r[4] == "warning")


def test_demo_summary_says_how_many_rows_were_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    from zaitaku_map.cli.cmd_demo import _human

    _human(
        {
            "project": "p.gpkg",
            "steps": {},
            "import_log": {"rejected": 7, "warnings": 9},
            "info": {
                "municipalities": 1,
                "area_layers": {},
                "population": {},
                "facilities": {},
                "options": [],
            },
        }
    )
    assert "除外 7 行" in capsys.readouterr().out


def test_demo_summary_is_words_not_internal_keys(capsys: pytest.CaptureFixture[str]) -> None:
    """What a person reads after ``zaitaku-map demo P --pack DIR``: labels, numbers, the pack; no dict text."""
    from zaitaku_map.cli.cmd_demo import _human

    _human(
        {
            "project": "p.gpkg",
            "steps": {
                "boundaries": {"status": "ok"},
                "roads": {
                    "status": "failed",
                    "error": "InputDataError: x",
                    "error_ja": "エラー: 道路網が読めません",
                },
                "pack": {
                    "status": "ok",
                    "result": {"path": "out/会議資料.pdf", "pages": 23, "files": ["out/a.pdf", "out/b.xlsx"]},
                },
            },
            "import_log": {},
            "info": {
                "municipalities": 22,
                "area_layers": {"二次医療圏": 4},
                "population": {"total": 930526, "age65": 308437, "age75": 154377},
                "facilities": {"total": 97, "zaishi_clinic": 86, "zaishi_hospital": 11},
                "geocode_levels": {"source": 90, "town": 7},
                "options": ["案A"],
            },
        }
    )
    out = capsys.readouterr().out
    assert "施設: 97 件（在支診 86、在支病 11）" in out and "位置の精度: 元データの座標 90、町字 7" in out
    assert "道路網の取込: 失敗" in out
    assert "会議資料: out/会議資料.pdf（23 ページ。各部分の個別ファイル 2 件も同じフォルダに）" in out
    assert not re.search(r"[{}\[\]']|zaishi|_[a-z]+", out), out


@pytest.mark.slow
def test_every_facility_source_has_a_reference_date(built: tuple[dict, Path]) -> None:
    _, path = built
    with open_project(path) as project:
        rows = project.conn.execute("SELECT kind, format, file_name, reference_date FROM sources").fetchall()
    facilities = [r for r in rows if r[0] == "facilities"]
    assert len(facilities) == 10
    assert all(r[3] for r in facilities), [r for r in facilities if not r[3]]
    dates = {r[1]: r[3] for r in rows if r[0] != "facilities"}
    assert dates["n03"] == "2021-01-01" and dates["estat_mesh"] == "2020"
    assert all(r[3] for r in rows), [
        r for r in rows if not r[3]
    ]  # every source: no 「基準日不明」 in the PDFs
    assert (dates["area_table"], dates["isj_town"], dates["osm_pbf"]) == ("2025-10-01", "2024", "2025-10-01")


@pytest.mark.slow
def test_no_doubled_prefecture_and_ward_centres_are_geocoded(built: tuple[dict, Path]) -> None:
    _, path = built
    with open_project(path) as project:
        doubled = project.conn.execute(
            "SELECT count(*) FROM facilities WHERE address LIKE 'デモ県デモ県%'"
        ).fetchone()[0]
        houkatsu = project.conn.execute(
            "SELECT address, geocode_level FROM facilities WHERE category='houkatsu'"
        ).fetchall()
    assert doubled == 0
    wards = [r for r in houkatsu if r[0].startswith("デモ市")]
    assert len(wards) == 10
    assert all(level in ("block", "town") for _, level in houkatsu), houkatsu


@pytest.mark.slow
def test_options_are_contiguous_where_they_can_be(built: tuple[dict, Path]) -> None:
    from zaitaku_map.options import contiguity, get_option

    result, path = built
    with open_project(path) as project:
        b = get_option(project, "案B")
        parts = contiguity(project, b.assignments)
        proposed = get_option(project, "自動提案")
    assert len(parts["デモ山間北部"]) == 1 and len(parts["9904"]) == 1
    assert proposed.template == "proposed" and len(proposed.kens) >= 2
    assert result["steps"]["options"]["result"]["options"]["自動提案"]["n_kens"] == len(proposed.kens)


def test_coverage_brief_reads_population_totals() -> None:
    from zaitaku_map.demo.pipeline import _coverage_brief

    summary = {
        "categories": {
            "zaishi": {
                "pop_total": 100.0,
                "covered": 90.0,
                "uncovered": 10.0,
                "share": 0.9,
                "by_municipality": [],
            }
        }
    }
    assert _coverage_brief(summary) == {
        "zaishi": {"pop_total": 100.0, "covered": 90.0, "uncovered": 10.0, "share": 0.9}
    }


@pytest.mark.slow
def test_coverage_brief_of_the_demo_has_totals(built: tuple[dict, Path]) -> None:
    result, _ = built
    brief = result["steps"]["coverage"]["result"]["summary"]
    assert brief["zaishi_clinic"]["pop_total"] > 800_000


# --- 協力医療機関 (partners) -------------------------------------------------------------------------
@pytest.mark.slow
def test_partners_flags_are_the_brute_force_ones(built: tuple[dict, Path]) -> None:
    """The flagged care facilities are exactly those with no candidate within 30 minutes, by one full
    Dijkstra per facility on the whole road network (no bound, no sub-network)."""
    from scipy.sparse.csgraph import dijkstra

    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.coverage.engine import weights
    from zaitaku_map.network import load_network, snap_points
    from zaitaku_map.partners import load_institutions, partner_lists

    result, path = built
    step = result["steps"]["partners"]["result"]
    with open_project(path) as project:
        lists = partner_lists(project)
        assert lists.minutes == 30 and lists.mode == "network"
        net = load_network(project)
        assert net is not None
        w = weights(net, CoverageParams())
        inst = [i for i in load_institutions(project) if i.lon is not None]
        si = snap_points(net, [i.lon for i in inst], [i.lat for i in inst])
        expected = set()
        for f in lists.facilities:
            sf = snap_points(net, [f.lon], [f.lat])
            dist = dijkstra(w, directed=True, indices=int(sf.node[0]))
            t = sf.leg_min[0] + dist[si.node] + si.leg_min
            near = [i for i, m in zip(inst, t, strict=True) if m <= 30]
            no12 = not any(i.meets_12 for i in near)
            no3 = not any(i.meets_3 for i in near)
            if no12 or (no3 and f.obligation == "required"):
                expected.add(f.name)
        assert {f.name for f in lists.flagged()} == expected == set(step["flagged"])
    # some by design: the island's 特養 (no hospital, no road to the mainland), and the mountains
    assert "特別養護老人ホーム山田苑" in expected and 3 <= len(expected) <= 15


@pytest.mark.slow
def test_partners_agreements_of_the_demo(built: tuple[dict, Path]) -> None:
    result, path = built
    step = result["steps"]["partners"]["result"]
    imp = step["agreements"]
    assert imp["reference_date"] == "2025-10-01" and len(imp["rejected"]) == 1
    assert "特別養護老人ホーム旧みほん荘" in [u["name"] for u in imp["care_unmatched"]]
    assert [u["name"] for u in imp["institution_unmatched"]] == [
        "となり県みほん在宅クリニック",
        "架空県立遠方病院",
    ]
    assert 5 <= step["unlinked"] <= 20 and step["linked"] + step["unlinked"] == step["care_facilities"]
    with open_project(path) as project:
        # the 名簿 of the demo carries the 届出 the lists rank by (kept for non-在支 hospitals too)
        kinds = dict(
            project.conn.execute(
                "SELECT d.kind, count(*) FROM designations d JOIN facilities f ON f.id = d.facility_id "
                "WHERE f.category = 'hospital' GROUP BY d.kind"
            ).fetchall()
        )
        assert kinds.get("community_care_ward", 0) > 5 and kinds.get("back_support_hospital", 0) > 3
        assert kinds.get("partner_admission", 0) > 3


@pytest.mark.slow
def test_partners_pdf_of_the_demo_looks_right(built: tuple[dict, Path], tmp_path: Path) -> None:
    from pypdf import PdfReader

    from zaitaku_map.export.partners_doc import export_partners_pdf
    from zaitaku_map.partners import agreement_status, partner_lists

    _, path = built
    with open_project(path) as project:
        lists = partner_lists(project, municipality="デモ島町")
        out = export_partners_pdf(
            project, lists, tmp_path / "島.pdf", status=agreement_status(project, lists), scope="デモ島町"
        )
    text = "\n".join(p.extract_text() for p in PdfReader(str(tmp_path / "島.pdf")).pages)
    assert out.counts == {"municipalities": 1, "facilities": 1, "flagged": 1}
    assert "特別養護老人ホーム山田苑" in text and "デモデータ" in text
    assert "(3)を満たしうる病院が30分以内にない" in text
    assert "180分以内に到達できない" in text  # its reported partners are on the mainland
