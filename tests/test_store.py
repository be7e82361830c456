"""Project store: creation, GeoPackage validity, refusal of foreign files, migration, atomicity."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from zaitaku_map.errors import NotAProjectError, ProjectError, SchemaTooNewError
from zaitaku_map.store import create_project, gpkg, open_project, schema


def test_new_project_is_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    create_project(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == gpkg.APPLICATION_ID
    tables = {r[0] for r in conn.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'")}
    assert {"facilities", "municipalities", "area_polygons", "demand_points"} <= tables
    assert conn.execute("SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id=4326").fetchone()[0] == 1
    conn.close()


def test_geopackage_readable_by_gdal(tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    path = tmp_path / "a.gpkg"
    with create_project(path) as p, p.transaction():
        poly = MultiPolygon([Polygon([(135, 34), (135.1, 34), (135.1, 34.1)])])
        p.conn.execute(
            "INSERT INTO municipalities (code, fid, name, kind, geom) VALUES ('99101', 1, 'テスト市', 'municipality', ?)",
            (gpkg.to_blob(poly),),
        )
        p.conn.execute(
            "INSERT INTO facilities (category, name, lon, lat, geom) VALUES ('pharmacy', 'テスト薬局', 135.05, 34.02, ?)",
            (gpkg.to_blob(Point(135.05, 34.02)),),
        )
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"municipalities", "facilities"} <= layers
    df = pyogrio.read_dataframe(path, layer="facilities")
    assert df.geometry.iloc[0].equals(Point(135.05, 34.02))
    assert df["name"].iloc[0] == "テスト薬局"
    m = pyogrio.read_dataframe(path, layer="municipalities")
    assert m.geometry.iloc[0].equals(poly)


def test_blob_roundtrip() -> None:
    for g in [Point(1, 2), MultiPolygon([Polygon([(0, 0), (1, 0), (1, 1)])]), Polygon()]:
        back = gpkg.from_blob(gpkg.to_blob(g))
        assert (back is not None and back.equals(g)) or (g.is_empty and back.is_empty)


def test_refuses_non_project_without_touching_it(tmp_path: Path) -> None:
    text = tmp_path / "notes.gpkg"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(NotAProjectError):
        open_project(text)
    assert text.read_text(encoding="utf-8") == "hello"

    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(NotAProjectError):
        open_project(other)
    assert other.read_bytes() == before
    with pytest.raises(NotAProjectError):
        open_project(tmp_path / "missing.gpkg")


def test_refuses_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.gpkg"
    with create_project(path) as p, p.transaction():
        p.set_meta("schema_version", str(schema.SCHEMA_VERSION + 1))
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError) as info:
        open_project(path)
    assert "newer" in str(info.value)
    assert path.read_bytes() == before


def test_older_schema_migrates_with_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.gpkg"
    create_project(path).close()

    def v1_to_v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE facilities ADD COLUMN migrated_flag INTEGER DEFAULT 7")

    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(schema.MIGRATIONS, current, v1_to_v2)
    with open_project(path) as p:
        assert p.migrated_from == current
        assert p.schema_version == current + 1
        assert p.backup_path is not None and p.backup_path.exists()
        cols = {r[1] for r in p.conn.execute("PRAGMA table_info(facilities)")}
        assert "migrated_flag" in cols
    with open_project(p.backup_path, migrate=False) if False else sqlite3.connect(p.backup_path) as b:
        assert b.execute("SELECT value FROM zm_meta WHERE key='schema_version'").fetchone()[0] == str(current)


def test_failed_migration_leaves_file_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.gpkg"
    create_project(path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE facilities ADD COLUMN x INTEGER")
        raise RuntimeError("boom")

    current = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(schema.MIGRATIONS, current, broken)
    with pytest.raises(RuntimeError):
        open_project(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM zm_meta WHERE key='schema_version'").fetchone()[0] == str(current)
    assert "x" not in {r[1] for r in conn.execute("PRAGMA table_info(facilities)")}
    conn.close()


def test_create_refuses_existing(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    create_project(path).close()
    with pytest.raises(ProjectError):
        create_project(path)


def test_transaction_rolls_back_on_error(project) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError), project.transaction():
        project.conn.execute("INSERT INTO facilities (category, name) VALUES ('pharmacy', 'x')")
        with project.transaction():
            project.conn.execute("INSERT INTO facilities (category, name) VALUES ('pharmacy', 'y')")
        raise ValueError("fail")
    assert project.conn.execute("SELECT count(*) FROM facilities").fetchone()[0] == 0


def test_killed_write_leaves_project_unchanged(tmp_path: Path) -> None:
    """SIGKILL a process in the middle of a large transactional write."""
    path = tmp_path / "k.gpkg"
    with create_project(path) as p, p.transaction():
        p.conn.execute("INSERT INTO facilities (category, name) VALUES ('pharmacy', 'before')")
    marker = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import time, pathlib
        from zaitaku_map.store import open_project
        p = open_project({str(path)!r})
        with p.transaction():
            for i in range(10_000_000):
                p.conn.execute("INSERT INTO facilities (category, name) VALUES ('pharmacy', ?)", (str(i),))
                if i == 20000:
                    pathlib.Path({str(marker)!r}).write_text('x')
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, "writer exited early"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open_project(path) as p:
        names = [r[0] for r in p.conn.execute("SELECT name FROM facilities")]
    assert names == ["before"]


def test_settings_and_cache(project) -> None:  # type: ignore[no-untyped-def]
    project.set_setting("coverage", {"minutes": 30})
    assert project.setting("coverage") == {"minutes": 30}
    key = project.cache_key("coverage", {"a": 1}, [1, 2])
    assert key == project.cache_key("coverage", {"a": 1}, [1, 2])
    assert key != project.cache_key("coverage", {"a": 2}, [1, 2])
    project.cache_put(key, "coverage", b"abc")
    assert project.cache_get(key) == b"abc"
    project.set_study_prefectures(["31", "8"])
    assert project.study_prefectures == ["08", "31"]


def test_first_wave_project_migrates_to_v2(tmp_path: Path) -> None:
    """A schema-1 file (the first wave's) gets the tables of version 2 after a backup."""
    from zaitaku_map.store import ddl_v2

    path = tmp_path / "wave1.gpkg"
    create_project(path).close()
    conn = sqlite3.connect(path)
    with conn:
        for ddl in ddl_v2.DDL:
            if ddl.lstrip().upper().startswith("CREATE TABLE"):
                name = ddl.split("(")[0].split()[-1]
                conn.execute(f"DROP TABLE {name}")
                conn.execute("DELETE FROM gpkg_contents WHERE table_name=?", (name,))
                conn.execute("DELETE FROM gpkg_geometry_columns WHERE table_name=?", (name,))
        conn.execute("UPDATE zm_meta SET value='1' WHERE key='schema_version'")
    conn.close()
    with open_project(path) as p:
        assert p.migrated_from == 1 and p.schema_version == schema.SCHEMA_VERSION
        tables = {r[0] for r in p.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for ddl in ddl_v2.DDL:
            if ddl.lstrip().upper().startswith("CREATE TABLE"):
                assert ddl.split("(")[0].split()[-1] in tables
        assert p.backup_path is not None and p.backup_path.exists()
