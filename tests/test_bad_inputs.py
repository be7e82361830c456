"""Bad inputs of every class of the hardening issue, through the command line, each with its outcome:
a clean refusal (exit code 3 or a project error, a Japanese message, the project unchanged), rows
rejected with their reasons (and counted), or the input accepted exactly.  The files come from
``badinput_corpus.py`` (generated; nothing large committed).  No outcome is ever 「予期しないエラー」.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import badinput_corpus as corpus
import pytest
from geodata_fixtures import write_n03_geojson

from zaitaku_map.cli import main

UNEXPECTED = "予期しないエラー"
FACILITY_LOG = "source_id IN (SELECT id FROM sources WHERE kind = 'facilities')"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the test prefecture's boundaries and the 二次医療圏 layer 9901/9902/9903."""
    d = tmp_path_factory.mktemp("bad_base")
    p = d / "base.gpkg"
    assert main(["init", str(p)]) == 0
    assert main(["boundaries", str(p), str(write_n03_geojson(d / "n03.geojson"))]) == 0
    assert main(["areas", str(p), str(corpus.area_table(d)), "--layer", "二次医療圏"]) == 0
    return p


@pytest.fixture
def proj(base: Path, tmp_path: Path) -> Path:
    p = tmp_path / "p.gpkg"
    shutil.copy(base, p)
    return p


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, dict, str]:
    """Exit code, the ``--json`` result (or error) and stderr of one command."""
    capsys.readouterr()
    rc = main([str(a) for a in args] + ["--json"])
    cap = capsys.readouterr()
    out = cap.out.strip()
    data = json.loads(out[out.index("{") :]) if "{" in out else {}
    assert UNEXPECTED not in cap.err
    return rc, data, cap.err


def query(p: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(p) as c:
        return c.execute(sql).fetchall()


def fingerprint(p: Path) -> list[tuple]:
    """The municipalities as stored (code, area, geometry bytes): equal before and after a refusal."""
    return query(p, "SELECT code, area_km2, geom FROM municipalities ORDER BY code")


# -- population and area values: finite, >= 0, rejected with file/row/column/reason ----------------
def test_municipal_population_rejects_non_counts(proj, tmp_path, capsys):
    rc, r, _ = run(capsys, "population", proj, corpus.muni_population_hostile(tmp_path))
    part = r["imports"][0]
    assert rc == 0 and part["loaded"] == 3 and part["rejected"] == 6
    reasons = [(x["row"], x["column"], x["reason"]) for x in part["rejected_rows"]]
    assert [x[0] for x in reasons] == [2, 3, 4, 5, 6, 7]
    assert all(c in ("総数", "65歳以上") for _r, c, _why in reasons)
    assert any("有限の数ではありません（inf）" in w for *_x, w in reasons)
    assert any("マイナス" in w for *_x, w in reasons) and any("大きすぎます" in w for *_x, w in reasons)
    stored = query(proj, "SELECT pop_total, pop_65, pop_75 FROM population_municipal")
    assert len(stored) == 3 and all(
        v is not None and math.isfinite(v) and v >= 0 for row in stored for v in row
    )
    logged = query(
        proj, "SELECT row, column_name, reason FROM import_log WHERE severity='rejected' AND row IS NOT NULL"
    )
    assert {r[0] for r in logged} >= {2, 3, 4, 5, 6, 7}
    rc, info, _ = run(capsys, "info", proj)  # nothing stored can overflow a later step
    assert rc == 0 and info["population"]["total"] == sum(1000 + i for i in (6, 7, 8))


def test_area_population_rejects_non_counts(proj, tmp_path, capsys):
    rc, r, _ = run(
        capsys, "population", proj, corpus.area_population_hostile(tmp_path), "--layer", "二次医療圏"
    )
    part = r["imports"][0]
    assert rc == 0 and part["loaded"] == 1 and part["rejected"] == 2
    assert [a["area_code"] for a in part["by_area"]] == ["9903"]
    assert {x["column"] for x in part["rejected_rows"]} == {"総数", "65歳以上"}
    stored = query(proj, "SELECT pop_total, pop_65 FROM population_area")
    assert stored == [(6000.0, 2000.0)]
    assert run(capsys, "info", proj)[0] == 0


def test_area_code_column_by_header_not_by_a_value_hit(proj, tmp_path, capsys):
    """The 65+ column holds the values 9903, 9901, 9902 (all area codes): the key is 圏域コード."""
    rc, r, _ = run(
        capsys, "population", proj, corpus.area_population_code_clash(tmp_path), "--layer", "二次医療圏"
    )
    part = r["imports"][0]
    assert rc == 0 and part["area_column"] == "圏域コード"
    got = {a["area_code"]: (a["pop_total"], a["pop_65"]) for a in part["by_area"]}
    assert got == {"9901": (229722.0, 9903.0), "9902": (61942.0, 9901.0), "9903": (30500.0, 9902.0)}


def test_population_rows_given_twice_are_never_guessed(proj, tmp_path, capsys):
    """The same municipality twice: the same values are used once; different values are rejected
    (both rows, each naming the other), never the last one silently (was: 東市 2,000)."""
    rc, r, _ = run(capsys, "population", proj, corpus.population_duplicates(tmp_path))
    part = r["imports"][0]
    assert rc == 0 and part["loaded"] == 2 and part["rejected"] == 2
    assert [(x["row"], x["value"]) for x in part["rejected_rows"]] == [(2, "99201"), (3, "99201")]
    assert all("値が違います（行 2、3）" in x["reason"] for x in part["rejected_rows"])
    assert query(proj, "SELECT muni_code, pop_total FROM population_municipal ORDER BY muni_code") == [
        ("99202", 500.0),
        ("99203", 700.0),
    ]


def test_area_population_given_twice_is_rejected_with_reasons(proj, tmp_path, capsys):
    rc, r, _ = run(
        capsys, "population", proj, corpus.area_population_duplicates(tmp_path), "--layer", "二次医療圏"
    )
    part = r["imports"][0]
    assert rc == 0 and part["rejected"] == 2 and part["ambiguous_areas"] == ["9901"]
    assert {a["area_code"]: a["pop_total"] for a in part["by_area"]} == {"9902": 500.0, "9903": 800.0}
    main(["population", str(proj), str(corpus.area_population_duplicates(tmp_path)), "--layer", "二次医療圏"])
    assert "同じ圏域の行が複数あり、値が違います（行 2、3）" in capsys.readouterr().out


def test_a_municipality_in_two_areas_is_said(proj, tmp_path, capsys):
    path = tmp_path / "圏域_dup.csv"
    text = corpus.area_table(tmp_path).read_text(encoding="utf-8")
    path.write_text(text + "99202,,9903,南部\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["areas", str(proj), str(path), "--layer", "二次医療圏"]) == 0
    assert "2つ以上の圏域に書かれた市区町村: 1" in capsys.readouterr().out


# -- mesh files: empty codes, truncated rows, non-counts rejected and in the totals ----------------
def test_mesh_rows_with_empty_codes_are_counted(proj, tmp_path, capsys):
    rc, r, _ = run(capsys, "population", proj, corpus.mesh_empty_codes(tmp_path))
    part = r["imports"][0]
    assert rc == 0 and part["rejected"] == 2 and part["rejected_people"] == 250
    assert [x["reason"] for x in part["rejected_rows"]] == ["メッシュコードが空です"] * 2
    assert part["file_totals"]["pop_total"] == 1450
    assert part["stored_totals"]["pop_total"] + part["outside_pop_total"] + part["rejected_people"] == 1450
    rc = main(["population", str(proj), str(corpus.mesh_empty_codes(tmp_path))])
    assert "除外 2 行・250 人" in capsys.readouterr().out  # the totals line says what was left out


def test_mesh_truncated_last_row_is_rejected(proj, tmp_path, capsys):
    rc, r, _ = run(capsys, "population", proj, corpus.mesh_truncated(tmp_path))
    part = r["imports"][0]
    assert rc == 0 and part["rejected"] == 1 and part["cells_read"] == 11
    assert "列が少ない" in part["rejected_rows"][0]["reason"] and part["rejected_people"] == 156
    assert part["stored_totals"]["pop_total"] == 1100 and part["file_totals"]["pop_total"] == 1256
    assert query(proj, "SELECT count(*) FROM demand_points WHERE pop_65 = 0") == [(0,)]


def test_mesh_non_counts_are_rejected(proj, tmp_path, capsys):
    rc, r, _ = run(capsys, "population", proj, corpus.mesh_hostile_values(tmp_path))
    part = r["imports"][0]
    assert rc == 0 and part["rejected"] == 4 and part["cells_read"] == 8
    assert math.isfinite(part["stored_totals"]["pop_total"]) and part["stored_totals"]["pop_total"] == 800
    assert query(proj, "SELECT count(*) FROM demand_points WHERE NOT (pop_total BETWEEN 0 AND 1e8)") == [(0,)]
    assert run(capsys, "info", proj)[0] == 0


def test_mesh_files_disagreeing_on_a_cell_are_refused(proj, tmp_path, capsys):
    """Two versions of one mesh (another census year) in one import: never a cell counted twice or
    one version dropped without a word."""
    a, b = corpus.mesh_empty_codes(tmp_path), corpus.mesh_other_version(tmp_path)
    rc, _r, err = run(capsys, "population", proj, a, b)
    assert rc == 3 and "違う値" in err and b.name in err and "人口は変更していません" in err
    assert query(proj, "SELECT count(*) FROM demand_points") == [(0,)]


def test_the_same_mesh_file_twice_is_used_once_and_said(proj, tmp_path, capsys):
    a = corpus.mesh_hostile_values(tmp_path)
    twin = tmp_path / "copy" / a.name
    twin.parent.mkdir()
    shutil.copy(a, twin)
    rc, r, _ = run(capsys, "population", proj, a, twin)
    part = r["imports"][0]
    assert rc == 0 and part["duplicate_cells"] == 8 and part["stored_totals"]["pop_total"] == 800
    main(["population", str(proj), str(a), str(twin)])
    assert "重複したメッシュ: 8" in capsys.readouterr().out


# -- CSV rows with surplus fields are rejected, never cut --------------------------------------
def test_area_table_surplus_field_is_rejected(proj, tmp_path, capsys):
    rc, r, _ = run(capsys, "areas", proj, corpus.area_table_surplus_field(tmp_path), "--layer", "保健所圏域")
    assert rc == 0 and r["loaded"] == 8 and r["rejected"] == 1
    assert r["rejected_rows"][0]["row"] == 5 and "列が多い" in r["rejected_rows"][0]["reason"]
    assert {a["area_name"] for a in r["area_list"]} == {"中央", "西部", "南部"}
    assert {"code": "99202", "name": "西町"} in r["municipalities_without_area"]


def test_facility_csv_truncated_and_surplus_rows_are_rejected(proj, tmp_path, capsys):
    rc, _r, err = run(capsys, "import", proj, corpus.kaigo_truncated_surplus(tmp_path))
    assert rc == 0, err
    rows = query(proj, "SELECT name, address FROM facilities ORDER BY name")
    assert [n for n, _a in rows] == [f"訪問看護ステーション{i}" for i in (0, 1, 3, 5)]
    assert all(a.endswith(f"{i}-1") for (_n, a), i in zip(rows, (0, 1, 3, 5), strict=True))  # nothing shifted
    logged = query(
        proj, f"SELECT row, reason FROM import_log WHERE severity='rejected' AND {FACILITY_LOG} ORDER BY row"
    )
    assert [r for r, _why in logged] == [4, 6]
    assert "列が少ない" in logged[0][1] and "列が多い" in logged[1][1]


# -- boundaries: checked before anything is replaced ------------------------------------------------
@pytest.mark.parametrize(
    ("builder", "words"),
    [
        (corpus.n03_swapped, "緯度と経度が逆"),
        (corpus.n03_projected, "投影座標"),
        (corpus.n03_nan, "壊れています"),
        (corpus.n03_empty_points, "面のデータではありません"),
    ],
)
def test_broken_boundaries_leave_the_old_ones(proj, tmp_path, capsys, builder, words):
    before = fingerprint(proj)
    rc, _r, err = run(capsys, "boundaries", proj, builder(tmp_path))
    assert rc == 3 and words in err and "行政区域は変更していません" in err
    assert "nan" not in err.lower() or "nan" in builder.__name__
    assert fingerprint(proj) == before
    assert query(proj, "SELECT count(*) FROM sources WHERE kind='boundaries'") == [(1,)]


def test_area_layer_with_a_nan_ring_is_refused(proj, tmp_path, capsys):
    """GEOS cannot close a ring that starts with NaN (was GEOSException → 予期しないエラー)."""
    rc, _r, err = run(capsys, "areas", proj, corpus.a38_nan_ring(tmp_path), "--layer", "保健所圏域")
    assert rc == 3 and "形状を読めません" in err and "変更していません" in err
    assert query(proj, "SELECT count(*) FROM area_layers WHERE name = '保健所圏域'") == [(0,)]


# -- zips: corrupt members named, sizes and ratios within limits ----------------------------------
def test_zip_with_a_corrupt_member_is_refused_by_name(proj, tmp_path, capsys):
    rc, _r, err = run(capsys, "import", proj, corpus.zip_corrupt_member(tmp_path))
    assert rc == 3 and "01-1_hospital_facility_info_20250601.csv" in err and "ダウンロードし直して" in err
    assert query(proj, "SELECT count(*) FROM facilities") == [(0,)]


def test_zip_bomb_is_refused_before_reading(proj, tmp_path, capsys):
    bomb = corpus.zip_bomb(tmp_path)
    t0 = time.perf_counter()
    rc, _r, err = run(capsys, "import", proj, bomb)
    assert rc == 3 and "圧縮率" in err and "jigyosho_130.csv" in err
    assert time.perf_counter() - t0 < 30  # refused from the zip directory, not after inflating 64 MB
    assert query(proj, "SELECT count(*) FROM sources WHERE kind='facilities'") == [(0,)]


def test_boundary_zip_bomb_is_refused_before_extraction(proj, tmp_path, capsys, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    before = fingerprint(proj)
    rc, _r, err = run(capsys, "boundaries", proj, corpus.n03_zip_bomb(tmp_path))
    assert rc == 3 and "圧縮率" in err and ".dbf" in err
    assert fingerprint(proj) == before
    assert not any(tmp.rglob("*.dbf"))  # nothing was extracted


def test_zip_member_larger_than_the_limit(proj, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"zip_member_mb": 1}))
    rc, _r, err = run(capsys, "import", proj, corpus.zip_bomb(tmp_path, megabytes=2))
    assert rc == 3 and "limits.zip_member_mb" in err


# -- road networks ------------------------------------------------------------------------------
def test_graphml_with_nan_coordinates_is_refused(proj, tmp_path, capsys):
    rc, _r, err = run(capsys, "roads", proj, corpus.graphml_nan_coordinates(tmp_path))
    assert rc == 3 and "道路網は変更していません" in err
    assert query(proj, "SELECT count(*) FROM road_networks") == [(0,)]


def test_osm_with_unreadable_coordinates_is_refused(proj, tmp_path, capsys):
    rc, _r, err = run(capsys, "roads", proj, corpus.osm_bad_coordinates(tmp_path))
    assert rc == 3 and "座標を読めないノード" in err and "道路網は変更していません" in err
    assert query(proj, "SELECT count(*) FROM road_networks") == [(0,)]


def test_graphml_lengths_are_finite_and_positive(proj, tmp_path, capsys):
    from zaitaku_map.network.importer import load_network
    from zaitaku_map.store import open_project

    rc, r, err = run(capsys, "roads", proj, corpus.graphml_bad_lengths(tmp_path))
    assert rc == 0, err
    assert r["report"]["read"]["lengths_recomputed"] == 53 * 2
    with open_project(proj) as p:
        net = load_network(p)
        assert net is not None
        lengths = net.length_m.astype(float)
    assert (lengths > 0).all() and (lengths < 3000).all()  # the grid's links are 1.8–2.2 km


def test_road_repairs_are_said_in_the_report(proj, tmp_path, capsys):
    capsys.readouterr()
    assert main(["roads", str(proj), str(corpus.graphml_bad_lengths(tmp_path))]) == 0
    assert "長さが欠けている・負・異常なリンク: 106 本" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ("coverage", "--minutes", "inf"),  # was accepted: 「inf分以内 100%」
        ("coverage", "--minutes", "nan"),
        ("coverage", "--bands", "nan,10"),  # was accepted: 「nan分以内: 0 人」
        ("coverage", "--minutes", "100000"),
        ("coverage", "--speed-kmh", "inf"),
        ("coverage", "--congestion", "inf"),  # was told as an unreadable road file
        ("isochrone", "--lon", "nan", "--lat", "34.2", "--minutes", "10"),  # was accepted (lon: nan)
        ("isochrone", "--lon", "200", "--lat", "34.2", "--minutes", "10"),
    ],
)
def test_travel_parameters_are_finite_and_positive(proj, capsys, args):
    cmd, *rest = args
    rc, _r, err = run(capsys, cmd, proj, *rest)
    assert rc != 0 and err.startswith("エラー:") and "道路網" not in err, err
    assert "0 より大きい有限の数" in err or "0 より大きく" in err or "日本国内の経度・緯度" in err


def test_speed_table_refuses_non_finite_speeds(tmp_path):
    from zaitaku_map.errors import NetworkDataError
    from zaitaku_map.network.speeds import SpeedTable

    for bad in (math.nan, math.inf, -30.0, 0.0):
        with pytest.raises(NetworkDataError):
            SpeedTable(speeds={"primary": bad})


# -- long cells: a clear rejection at the door, a linear normaliser behind it -------------------
def test_over_long_address_is_rejected_with_its_reason(proj, tmp_path, capsys):
    rc, _r, err = run(capsys, "import", proj, corpus.long_address_table(tmp_path))
    assert rc == 0, err
    assert query(proj, "SELECT count(*) FROM facilities") == [(5,)]
    (why,) = query(proj, f"SELECT reason FROM import_log WHERE severity='rejected' AND {FACILITY_LOG}")
    assert "値が長すぎます" in why[0] and "上限 2,000 文字" in why[0]


def test_normaliser_handles_a_million_characters():
    from zaitaku_map.geocode.normalize import normalize_address

    out = normalize_address("鳥取県鳥取市" + "1" * 1_000_000 + "丁目")
    assert out == "鳥取県鳥取市" + "1" * 1_000_000
    assert normalize_address("鳥取県鳥取市" + "一" * 5000 + "丁目").endswith(
        "一" * 5000 + "丁目"
    )  # no number


@pytest.mark.parametrize(
    ("build", "status"),
    [
        (corpus.table_bad_coordinates, {"missing": 2, "outside_japan": 3, "ok": 1}),
        (corpus.gis_points_bad, {"missing": 2, "outside_japan": 1, "ok": 1}),
    ],
)
def test_bad_source_coordinates_are_never_positions(proj, tmp_path, capsys, recwarn, build, status):
    rc, r, err = run(capsys, "import", proj, build(tmp_path), "--no-geocode")
    assert rc == 0, err
    assert r["files"][0]["coord_status"] == status
    placed = query(proj, "SELECT lon, lat FROM facilities WHERE lon IS NOT NULL")
    assert len(placed) == 1 and all(math.isfinite(v) for v in placed[0])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]  # no GDAL note on the terminal


def test_random_bytes_are_refused(proj, tmp_path, capsys):
    rc, _r, err = run(capsys, "import", proj, corpus.random_bytes(tmp_path))
    assert rc == 3 and ("UTF-8" in err or "読み取れません" in err)  # a clean refusal naming the file
    assert "random.csv" in err


# -- environment faults -------------------------------------------------------------------------
def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1]); c.isolation_level = None\n"
        "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(float(sys.argv[2]))\n"
        "c.execute('ROLLBACK')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_project_locked_by_another_process(proj, capsys, monkeypatch):
    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"lock_wait_s": 1}))
    holder = _hold_lock(proj, 8)
    try:
        rc, _r, err = run(capsys, "info", proj)
    finally:
        holder.kill()
        holder.wait()
    assert rc != 0 and "他の処理がこのプロジェクトを使用中です" in err
    assert "プロジェクトではありません" not in err


def test_lock_released_while_waiting(proj, capsys, monkeypatch):
    from zaitaku_map.store import open_project

    monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"lock_wait_s": 30}))
    holder = _hold_lock(proj, 1.5)
    waited: list[float] = []
    try:
        with open_project(proj, on_wait=lambda done, total, msg: waited.append(done)) as p:
            assert p.conn.execute("SELECT count(*) FROM municipalities").fetchone()[0] == 10
    finally:
        holder.wait()
    assert waited and waited[-1] < 30


def _immutable(path: Path) -> bool:
    """Make ``path`` unwritable even for root (``chattr +i``), or skip."""
    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444)
        return True
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode:
        pytest.skip("cannot make a file read-only for root here (no chattr)")
    return True


def _writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_project(proj, tmp_path, capsys, what):
    target = proj if what == "file" else proj.parent
    before = fingerprint(proj)
    table = corpus.area_table(proj.parent.parent)
    _immutable(target)
    try:
        rc, _r, err = run(capsys, "areas", proj, table, "--layer", "X")
    finally:
        _writable(target)
    assert rc != 0 and "書き込めません" in err and "読み取り専用" in err
    assert fingerprint(proj) == before


def corpus_area(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir(exist_ok=True)
    return corpus.area_table(d)


def test_disk_full_leaves_the_project_as_it_was(proj, tmp_path):
    """SQLite's own limit stands for a full disk (SQLITE_FULL, the same error a full disk gives)."""
    from zaitaku_map.errors import StorageFullError
    from zaitaku_map.geodata.areas import import_area_table
    from zaitaku_map.messages import format_error
    from zaitaku_map.store import open_project

    before = fingerprint(proj)
    with open_project(proj) as p:
        pages = p.conn.execute("PRAGMA page_count").fetchone()[0]
        p.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StorageFullError) as info:
            import_area_table(p, corpus_area(tmp_path), layer="保健所圏域")
    assert "ディスクの空き容量が足りません" in format_error(info.value)
    assert fingerprint(proj) == before
    assert query(proj, "SELECT count(*) FROM area_layers") == [(1,)]


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir(exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )


def test_disk_full_on_a_real_small_disk(base, tmp_path, capsys):
    disk = tmp_path / "disk"
    if not _tmpfs(disk, "400k"):
        pytest.skip("cannot mount a small disk here (needs root)")
    try:
        p = disk / "p.gpkg"
        assert main(["init", str(p)]) == 0
        size = p.stat().st_size
        rc, _r, err = run(capsys, "boundaries", p, write_n03_geojson(tmp_path / "n03.geojson"))
        assert rc != 0 and "ディスクの空き容量が足りません" in err
        assert p.stat().st_size == size and not (disk / "p.gpkg-journal").exists()
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_temp_space_full(proj, tmp_path, capsys, monkeypatch):
    from geodata_fixtures import write_n03_shapefile_zip

    zipped = write_n03_shapefile_zip(tmp_path / "N03-99.zip")
    tmp = tmp_path / "tmp"
    if not _tmpfs(tmp, "64k"):
        pytest.skip("cannot mount a small temp folder here (needs root)")
    try:
        monkeypatch.setenv("TMPDIR", str(tmp))
        import tempfile

        monkeypatch.setattr(tempfile, "tempdir", None)
        before = fingerprint(proj)
        rc, _r, err = run(capsys, "boundaries", proj, zipped)
        assert rc != 0 and "空き容量が足りません" in err
        assert fingerprint(proj) == before
    finally:
        subprocess.run(["umount", str(tmp)], check=False)


# -- every file of the corpus through the content-detecting import (a folder, the GUI wizard) ------
REFUSED = {
    "n03_swapped",
    "n03_projected",
    "n03_nan",
    "n03_empty_points",
    "a38_nan_ring",
    "zip_corrupt_member",
    "zip_bomb",
    "n03_zip_bomb",
    "graphml_nan_coordinates",
    "osm_bad_coordinates",
    "random_bytes",
}


@pytest.mark.parametrize("name", sorted(corpus.BUILDERS))
def test_each_file_through_content_detection(proj, tmp_path, capsys, name):
    """`import FILE` tells the file by its content: a refusal is clean (exit 3, the boundaries as they
    were), anything else imports; never 「予期しないエラー」 (checked in ``run``)."""
    before = fingerprint(proj)
    rc, _r, err = run(capsys, "import", proj, corpus.BUILDERS[name](tmp_path), "--no-geocode")
    if name in REFUSED:
        assert rc == 3 and err.startswith("エラー:"), err
    else:
        assert rc == 0, err
    if name.startswith("n03"):
        assert fingerprint(proj) == before


def test_a_folder_with_bad_files_imports_the_good_ones(proj, tmp_path, capsys):
    """A zip bomb or a corrupt zip in a downloads folder is listed with what stopped it; the other
    files are imported (exit 3 says that not everything was)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    corpus.zip_bomb(folder)
    corpus.n03_zip_bomb(folder)
    corpus.zip_corrupt_member(folder)
    corpus.muni_population_hostile(folder)
    capsys.readouterr()
    rc = main(["import", str(proj), str(folder), "--no-geocode", "-q"])
    cap = capsys.readouterr()
    assert rc == 3 and UNEXPECTED not in cap.out + cap.err
    assert "市区町村別人口を取り込みました: 3 市区町村" in cap.out
    skipped = cap.out[cap.out.index("取り込まなかったファイル: 3 件") :]
    assert "jigyosho_130_bomb.zip — 大きすぎるか圧縮率が異常" in skipped and "limits.zip_ratio" in skipped
    assert "N03-20250101_99_GML.zip — 大きすぎるか圧縮率が異常" in skipped
    assert "01-1_hospital_facility_info_20250601.zip — 内容を読み取れません" in skipped
    assert "ダウンロードし直して" in skipped  # the corrupt member says what to do
    assert query(proj, "SELECT count(*) FROM population_municipal") == [(3,)]


# -- damaged projects ---------------------------------------------------------------------------
def test_damaged_project_page_is_told_as_damage(proj, capsys):
    """A disk page of the project overwritten (a bad sector, a broken copy): 「壊れて」, not
    「予期しないエラー」 (``run`` checks that)."""
    with sqlite3.connect(proj) as c:
        size = c.execute("PRAGMA page_size").fetchone()[0]
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'municipalities'").fetchone()[0]
    data = bytearray(proj.read_bytes())
    data[(root - 1) * size : root * size] = b"\xff" * size
    proj.write_bytes(bytes(data))
    rc, _r, err = run(capsys, "info", proj)
    assert rc != 0 and "プロジェクトファイルが壊れていて" in err


def test_damaged_stored_road_network_says_to_import_it_again(proj, tmp_path, capsys, monkeypatch):
    assert run(capsys, "roads", proj, corpus.graphml_bad_lengths(tmp_path))[0] == 0
    with sqlite3.connect(proj) as c:
        c.execute("UPDATE road_networks SET data = substr(data, 1, length(data) / 2)")
    from zaitaku_map.network import importer

    monkeypatch.setattr(importer, "_CACHE", {})  # a new process: the network is read from the project
    rc, _r, err = run(capsys, "isochrone", proj, "--lon", "133.1", "--lat", "34.2", "--mode", "network")
    assert rc != 0 and "保存されている道路網が壊れています" in err and "もう一度取り込んで" in err


def test_empty_workbook_as_an_area_table(proj, tmp_path, capsys):
    """An empty .xlsx given to `areas` (was IndexError → 予期しないエラー)."""
    import openpyxl

    path = tmp_path / "圏域.xlsx"
    openpyxl.Workbook().save(path)
    rc, _r, err = run(capsys, "areas", proj, path, "--layer", "保健所圏域")
    assert rc == 3 and "ファイルが空です" in err and "圏域.xlsx" in err


def test_a_colour_that_is_not_one_is_refused_in_japanese(proj, capsys):
    assert run(capsys, "option", proj, "create", "案A", "--template", "area", "--layer", "二次医療圏")[0] == 0
    rc, _r, err = run(capsys, "option", proj, "ken", "案A", "9901", "--color", "red")
    assert rc == 3 and "圏域の色が正しくありません" in err and "invalid" not in err
