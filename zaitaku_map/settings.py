"""User settings stored outside Qt (JSON in the platform config dir), robust to corruption.

A corrupt or unreadable settings file is moved aside (``settings.json.corrupt-<time>``) and
defaults are used; the application always starts.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import platformdirs

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
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self.path)
