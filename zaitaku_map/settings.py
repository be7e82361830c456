"""User settings stored outside Qt (JSON in the platform config dir), robust to corruption.

A corrupt or unreadable settings file is moved aside (``settings.json.corrupt-<time>``) and
defaults are used; the application always starts.

:func:`limits` gives the resource limits every import checks (:class:`Limits`): generous defaults,
changed with a ``"limits"`` object in ``settings.json`` or the environment variable
``ZAITAKU_MAP_LIMITS`` (a JSON object, e.g. ``{"zip_member_mb": 8192}``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from zaitaku_map.fileio import atomic_path

APP_NAME = "zaitaku-map"

DEFAULTS: dict[str, Any] = {
    "recent_projects": [],
    "last_project": None,
    "coverage_minutes": 30,
    "coverage_bands": [15, 30, 45],
    "coverage_mode": "auto",
    "paper": "A4",
    "landscape": True,
}


def config_dir() -> Path:
    override = os.environ.get("ZAITAKU_MAP_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    override = os.environ.get("ZAITAKU_MAP_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


class Settings:
    """Dictionary-like settings persisted as JSON; writes are atomic (temp file + replace)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or (config_dir() / "settings.json")
        self.data: dict[str, Any] = dict(DEFAULTS)
        self.recovered_from: Path | None = None
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ValueError("settings root is not an object")
        except (OSError, ValueError):
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            try:
                self.path.replace(aside)
                self.recovered_from = aside
            except OSError:
                pass
            return
        self.data.update(loaded)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, DEFAULTS.get(key, default))

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value

    def add_recent(self, project: str | Path, limit: int = 10) -> None:
        p = str(Path(project).resolve())
        recent = [r for r in self.data.get("recent_projects", []) if r != p]
        self.data["recent_projects"] = [p, *recent][:limit]
        self.data["last_project"] = p

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class Limits:
    """Resource limits of imports (README: 上限の設定).

    Parameters
    ----------
    zip_member_mb:
        Largest uncompressed size of one zip member, by its declared size and while it is read.
    zip_total_mb:
        Largest uncompressed size of all members extracted from one zip (boundary Shapefiles).
    zip_ratio:
        Largest compression ratio of a zip member (uncompressed / compressed size); real CSV and
        Shapefile members stay below 30, zip bombs are above 1000.
    field_chars:
        Longest text of one table cell; a longer cell rejects its row (what a hostile or broken
        file holds, not an address or a name).
    chunk_rows:
        Rows of a CSV/XLSX table read and registered at a time, so memory stays bounded.
    lock_wait_s:
        Seconds to wait for a project that another process is writing before giving up.
    """

    zip_member_mb: float = 4096.0
    zip_total_mb: float = 16384.0
    zip_ratio: float = 250.0
    field_chars: int = 2000
    chunk_rows: int = 50_000
    lock_wait_s: float = 60.0

    @property
    def zip_member_bytes(self) -> int:
        return int(self.zip_member_mb * 2**20)

    @property
    def zip_total_bytes(self) -> int:
        return int(self.zip_total_mb * 2**20)


def limits() -> Limits:
    """The :class:`Limits` in force: defaults, then ``settings.json`` ``"limits"``, then
    ``ZAITAKU_MAP_LIMITS``; unknown keys and values that are not positive numbers are ignored."""
    values: dict[str, Any] = {}
    path = config_dir() / "settings.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8")).get("limits") if path.is_file() else None
    except (OSError, ValueError, AttributeError):
        stored = None  # a broken settings file is dealt with by Settings; limits stay default
    for source in (stored, os.environ.get("ZAITAKU_MAP_LIMITS")):
        if isinstance(source, str):
            try:
                source = json.loads(source)
            except ValueError:
                continue
        if isinstance(source, dict):
            values.update(source)
    fields = {f.name: f.type for f in dataclasses.fields(Limits)}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value > 0:
            clean[key] = int(value) if fields[key] == "int" else float(value)
    return Limits(**clean)
