"""The project store: one SQLite file per project, also a valid GeoPackage."""

from zaitaku_map.store.project import (
    Project,
    copy_project,
    create_project,
    now_iso,
    open_project,
)

__all__ = ["Project", "copy_project", "create_project", "now_iso", "open_project"]
