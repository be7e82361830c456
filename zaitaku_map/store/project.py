"""Open, create, migrate and write the one-file project store.

A project is a single SQLite database that is also a valid GeoPackage (QGIS opens it).  It uses
the rollback journal (not WAL) so that the file on disk is always complete and can be copied or
mailed as is; every write that belongs together runs inside :meth:`Project.transaction`, so a
crash or a kill leaves the file exactly as before the write.

Environment faults become typed errors here (:func:`zaitaku_map.errors.environment_error`): a
project another process is writing is waited for — up to :attr:`Limits.lock_wait_s
<zaitaku_map.settings.Limits.lock_wait_s>`, reporting the wait through :attr:`Project.on_wait` — and
then refused with :class:`~zaitaku_map.errors.ProjectBusyError`; a read-only file, folder or medium
gives :class:`~zaitaku_map.errors.ProjectReadOnlyError`, a full disk or temp folder
:class:`~zaitaku_map.errors.StorageFullError`.  In every case the transaction is rolled back and the
file stays as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import sqlite_utils

from zaitaku_map.errors import (
    NotAProjectError,
    ProjectBusyError,
    ProjectError,
    ProjectReadOnlyError,
    SchemaTooNewError,
    ZaitakuError,
    environment_error,
)
from zaitaku_map.settings import limits
from zaitaku_map.store import gpkg, schema

T = TypeVar("T")
WaitCallback = Callable[[float, float, str], None]
"""Told ``(seconds waited, seconds it will wait at most, message)`` while another process holds the lock."""
BUSY_MESSAGE = "他の処理がこのプロジェクトを使用中です"
_RETRY_S = 0.25  # how long one attempt waits for the lock inside SQLite


def _is_busy(exc: BaseException) -> bool:
    return isinstance(environment_error(exc), ProjectBusyError)


def wait_for_lock(
    attempt: Callable[[], T], *, path: Path, on_wait: WaitCallback | None = None, wait_s: float | None = None
) -> T:
    """Run ``attempt`` until it does not fail on a lock another process holds, telling ``on_wait``
    how long it has waited; after ``wait_s`` (default :attr:`Limits.lock_wait_s`) give up.

    Raises
    ------
    ProjectBusyError
        The lock was not released in time (nothing was changed).
    """
    limit = limits().lock_wait_s if wait_s is None else wait_s
    start = time.monotonic()
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            waited = time.monotonic() - start
            if waited >= limit:
                raise ProjectBusyError(
                    f"the project is locked by another process (waited {waited:.0f} s)",
                    file=path,
                    hint="別のウィンドウやコマンドの処理が終わってから、もう一度実行してください。",
                ) from exc
            if on_wait is not None:
                on_wait(waited, limit, f"{BUSY_MESSAGE}（{waited:.0f} 秒待っています）")


def _mapped(exc: BaseException, path: Path) -> BaseException:
    """The typed error an environment fault stands for (the exception itself otherwise)."""
    if isinstance(exc, ZaitakuError):
        return exc
    mapped = environment_error(exc, file=path)
    return mapped if mapped is not None else exc


def _raise_mapped(exc: BaseException, path: Path) -> NoReturn:
    """Raise the typed error of an environment fault (chained to it), else ``exc`` itself."""
    mapped = _mapped(exc, path)
    if mapped is exc:
        raise exc
    raise mapped from exc


SQLITE_MAGIC = b"SQLite format 3\x00"
PROJECT_SUFFIX = ".gpkg"


def now_iso() -> str:
    """Current local time as ISO 8601 (seconds)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (used to recognise re-imports of the same file)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class Project:
    """An open project file.

    Use :func:`create_project` / :func:`open_project` rather than the constructor.  Reads go
    through :attr:`db` (a :class:`sqlite_utils.Database`) or :attr:`conn`; writes that belong
    together go inside ``with project.transaction():``.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.migrated_from: int | None = None
        self.backup_path: Path | None = None
        self.on_wait: WaitCallback | None = None  # told while another process holds the write lock

    # -- lifecycle ------------------------------------------------------------------------------
    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self.conn.in_transaction:
                self.conn.rollback()
            self.conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Project]:
        """All-or-nothing block; nests with savepoints (sqlite-utils ``atomic``).

        The outermost block takes the write lock first (``BEGIN IMMEDIATE``), waiting for another
        process that holds it (:func:`wait_for_lock`).  An environment fault inside the block —
        locked, read-only, disk or temp space full — rolls back and is raised as its typed error.
        """
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        self._begin()
        try:
            yield self
        except BaseException as exc:  # noqa: BLE001 - every failure (also a cancel) must roll back; re-raised
            with contextlib.suppress(sqlite3.Error):
                self.conn.rollback()
            _raise_mapped(exc, self.path)
        try:
            self.conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.rollback()
            _raise_mapped(exc, self.path)

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE`` (the write lock), waiting while another process holds it."""

        def attempt() -> None:
            self.conn.execute(f"PRAGMA busy_timeout = {int(_RETRY_S * 1000)}")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            finally:
                self.conn.execute("PRAGMA busy_timeout = 30000")

        try:
            wait_for_lock(attempt, path=self.path, on_wait=self.on_wait)
        except sqlite3.OperationalError as exc:
            _raise_mapped(exc, self.path)

    # -- metadata and settings ------------------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM zm_meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str | None) -> None:
        self.conn.execute("INSERT OR REPLACE INTO zm_meta (key, value) VALUES (?, ?)", (key, value))

    @property
    def schema_version(self) -> int:
        return int(self.meta("schema_version", "0") or 0)

    @property
    def is_demo(self) -> bool:
        return self.meta("is_demo") == "1"

    def setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value_json FROM project_settings WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO project_settings (key, value_json) VALUES (?, ?)",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    @property
    def study_prefectures(self) -> list[str]:
        """Prefecture codes (2-digit) the project is limited to; empty means no limit."""
        return list(self.setting("study_prefectures", []) or [])

    def set_study_prefectures(self, codes: list[str]) -> None:
        self.set_setting("study_prefectures", sorted({str(c).zfill(2) for c in codes}))

    # -- provenance -----------------------------------------------------------------------------
    def add_source(
        self,
        *,
        kind: str,
        format: str,
        path: str | Path | None = None,
        file_name: str | None = None,
        reference_date: str | None = None,
        sheet: str | None = None,
        rows_read: int | None = None,
        rows_rejected: int | None = None,
        summary: dict[str, Any] | None = None,
        sha256: str | None = None,
    ) -> int:
        """Insert a row in ``sources`` and return its id (call inside the import's transaction)."""
        p = Path(path) if path is not None else None
        if sha256 is None and p is not None and p.is_file():
            sha256 = file_sha256(p)
        cur = self.conn.execute(
            "INSERT INTO sources (kind, format, file_name, path, sha256, sheet, reference_date, "
            "imported_at, rows_read, rows_rejected, summary_json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                kind,
                format,
                file_name or (p.name if p else "(none)"),
                str(p) if p else None,
                sha256,
                sheet,
                reference_date,
                now_iso(),
                rows_read,
                rows_rejected,
                json.dumps(summary, ensure_ascii=False, default=str) if summary is not None else None,
            ),
        )
        return int(cur.lastrowid or 0)

    def log_row(
        self,
        *,
        source_id: int | None,
        reason: str,
        file_name: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        raw: dict[str, Any] | None = None,
        severity: str = "rejected",
    ) -> None:
        """Record a rejected (or warned-about) input row in ``import_log``."""
        self.conn.execute(
            "INSERT INTO import_log (source_id, file_name, sheet, row, column_name, value, severity, reason, "
            "raw_json) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                source_id,
                file_name,
                sheet,
                row,
                column,
                None if value is None else str(value),
                severity,
                reason,
                json.dumps(raw, ensure_ascii=False, default=str) if raw is not None else None,
            ),
        )

    # -- results cache --------------------------------------------------------------------------
    @staticmethod
    def cache_key(kind: str, *parts: Any) -> str:
        """Stable key from a kind and JSON-serialisable inputs/parameters."""
        payload = json.dumps([kind, *parts], sort_keys=True, ensure_ascii=False, default=str)
        return kind + ":" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    def cache_get(self, key: str) -> bytes | None:
        row = self.conn.execute("SELECT data FROM results_cache WHERE key=?", (key,)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def cache_put(self, key: str, kind: str, data: bytes, params: Any = None) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO results_cache (key, kind, params_json, created_at, data) "
                "VALUES (?,?,?,?,?)",
                (key, kind, json.dumps(params, ensure_ascii=False, default=str), now_iso(), data),
            )

    def cache_clear(self, kind: str | None = None) -> None:
        with self.transaction():
            if kind is None:
                self.conn.execute("DELETE FROM results_cache")
            else:
                self.conn.execute("DELETE FROM results_cache WHERE kind=?", (kind,))

    # -- GeoPackage housekeeping ----------------------------------------------------------------
    def refresh_extent(self, table: str) -> None:
        """Recompute a feature layer's extent in ``gpkg_contents``."""
        if table == "facilities":
            row = self.conn.execute(
                "SELECT min(lon), min(lat), max(lon), max(lat) FROM facilities WHERE lon IS NOT NULL"
            ).fetchone()
        elif table == "demand_points":
            row = self.conn.execute(
                "SELECT min(lon), min(lat), max(lon), max(lat) FROM demand_points"
            ).fetchone()
        else:
            decoded = [gpkg.from_blob(r[0]) for r in self.conn.execute(f"SELECT geom FROM {table}")]
            geoms = [g for g in decoded if g is not None and not g.is_empty]
            if not geoms:
                row = (None, None, None, None)
            else:
                b = [g.bounds for g in geoms]
                row = (min(x[0] for x in b), min(x[1] for x in b), max(x[2] for x in b), max(x[3] for x in b))
        gpkg.update_extent(self.conn, table, None if row[0] is None else row)


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def create_project(path: str | Path, *, overwrite: bool = False) -> Project:
    """Create an empty project at ``path`` (refuses to replace an existing file unless asked).

    The file is built under a temporary name and moved into place, so a crash never leaves a
    half-initialised project behind.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise ProjectError(
            "file already exists",
            file=target,
            hint="別の名前を指定するか、既存のプロジェクトを開いてください。",
        )
    tmp = target.with_name(target.name + ".creating")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        conn = _connect(tmp)
    except (OSError, sqlite3.OperationalError) as exc:
        mapped = _mapped(exc, target)
        if isinstance(mapped, ZaitakuError):
            raise mapped from exc
        if isinstance(exc, PermissionError | sqlite3.OperationalError):
            raise ProjectReadOnlyError("cannot create the project in this folder", file=target) from exc
        raise
    try:
        with conn:
            gpkg.init_geopackage(conn)
            for ddl in schema.all_ddl():
                conn.execute(ddl)
            for table, gtype, desc in schema.feature_layers():
                gpkg.register_layer(conn, table, geometry_type=gtype, description=desc)
            for table, desc in schema.attribute_tables():
                gpkg.register_attributes(conn, table, desc)
            conn.executemany(
                "INSERT INTO zm_meta (key, value) VALUES (?, ?)",
                [
                    ("app", schema.APP_MARKER),
                    ("schema_version", str(schema.SCHEMA_VERSION)),
                    ("created_at", now_iso()),
                    ("created_by", _version()),
                ],
            )
    except (sqlite3.OperationalError, OSError) as exc:
        conn.close()
        tmp.unlink(missing_ok=True)
        _raise_mapped(exc, target)
    finally:
        conn.close()
    tmp.replace(target)
    return open_project(target)


def _version() -> str:
    from zaitaku_map import __version__

    return f"zaitaku-map {__version__}"


def _inspect(p: Path) -> tuple[Any, Any]:
    """``(app marker row, schema version row)`` read without modifying the file."""
    # A hot journal (left by a killed writer) must be rolled back, which needs write access.
    hot = p.with_name(p.name + "-journal").exists()
    uri = f"file:{p.as_posix()}?mode=ro"
    ro = (
        sqlite3.connect(str(p), timeout=_RETRY_S) if hot else sqlite3.connect(uri, uri=True, timeout=_RETRY_S)
    )
    try:
        has_meta = ro.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='zm_meta'").fetchone()
        row = ro.execute("SELECT value FROM zm_meta WHERE key='app'").fetchone() if has_meta else None
        ver_row = (
            ro.execute("SELECT value FROM zm_meta WHERE key='schema_version'").fetchone()
            if has_meta
            else None
        )
    finally:
        ro.close()
    return row, ver_row


def open_project(path: str | Path, *, migrate: bool = True, on_wait: WaitCallback | None = None) -> Project:
    """Open an existing project, migrating an older schema after writing a backup.

    A project another process is writing is waited for (``on_wait`` is told how long), up to
    :attr:`Limits.lock_wait_s <zaitaku_map.settings.Limits.lock_wait_s>`.

    Raises
    ------
    NotAProjectError
        The file is missing, not SQLite, or SQLite without zaitaku-map metadata (left untouched).
    ProjectBusyError
        Another process kept the project locked for longer than the wait.
    SchemaTooNewError
        The file was written by a newer zaitaku-map (left untouched).
    """
    p = Path(path)
    if not p.exists():
        raise NotAProjectError("project file does not exist", file=p)
    if not _is_sqlite(p):
        raise NotAProjectError("not a SQLite/GeoPackage file", file=p, expected="zaitaku-map project")
    # Inspect read-only first so a foreign file is never modified (no journal, no pragmas).
    try:
        row, ver_row = wait_for_lock(lambda: _inspect(p), path=p, on_wait=on_wait)
    except sqlite3.OperationalError as exc:
        mapped = environment_error(exc, file=p)
        if mapped is not None:
            raise mapped from exc
        raise NotAProjectError(f"unreadable database: {exc}", file=p) from exc
    except sqlite3.DatabaseError as exc:
        raise NotAProjectError(f"unreadable database: {exc}", file=p) from exc
    if not row or row[0] != schema.APP_MARKER:
        raise NotAProjectError(
            "SQLite file without zaitaku-map metadata", file=p, expected="zaitaku-map project"
        )
    version = int(ver_row[0]) if ver_row else 0
    if version > schema.SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"project schema {version} is newer than this program's {schema.SCHEMA_VERSION}",
            file=p,
            value=version,
        )
    conn = _connect(p)
    project = Project(p, conn)
    project.on_wait = on_wait
    if version < schema.SCHEMA_VERSION:
        if not migrate:
            project.close()
            raise ProjectError(f"project schema {version} needs migration", file=p)
        _migrate(project, version)
    return project


def _migrate(project: Project, version: int) -> None:
    backup = project.path.with_name(f"{project.path.name}.v{version}.bak")
    n = 1
    while backup.exists():
        backup = project.path.with_name(f"{project.path.name}.v{version}.bak{n}")
        n += 1
    # Consistent copy through SQLite's backup API, then migrate in one transaction.
    dst = sqlite3.connect(str(backup))
    try:
        project.conn.backup(dst)
    finally:
        dst.close()
    try:
        with project.transaction():
            v = version
            while v < schema.SCHEMA_VERSION:
                step = schema.MIGRATIONS.get(v)
                if step is None:
                    raise ProjectError(f"no migration from schema {v}", file=project.path)
                step(project.conn)
                v += 1
            project.set_meta("schema_version", str(schema.SCHEMA_VERSION))
            project.set_meta("migrated_at", now_iso())
    except BaseException:
        project.close()
        raise
    project.migrated_from = version
    project.backup_path = backup


def copy_project(src: Project, dest: str | Path) -> Path:
    """Write a consistent copy of an open project (``Save as``)."""
    d = Path(dest)
    tmp = d.with_name(d.name + ".saving")
    conn = sqlite3.connect(str(tmp))
    try:
        src.conn.backup(conn)
    finally:
        conn.close()
    tmp.replace(d)
    return d


def remove_project_files(path: str | Path) -> None:
    """Delete a project and its journal (used by tests and ``demo --overwrite``)."""
    p = Path(path)
    for q in (p, p.with_name(p.name + "-journal")):
        q.unlink(missing_ok=True)
    shutil.rmtree(p.with_name(p.name + ".tmpdir"), ignore_errors=True)
