"""One exception hierarchy for the whole core.

Every error carries the facts a user needs to act on it (file, sheet, row, column, value,
what was expected).  The CLI and the GUI turn these into Japanese messages in exactly one
place each (:mod:`zaitaku_map.messages`); the core never formats user-facing prose itself
beyond the English ``str()`` used in logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ZaitakuError(Exception):
    """Base class of every error the core raises on purpose.

    Parameters
    ----------
    message:
        Short English description for logs (the UI shows :func:`zaitaku_map.messages.to_japanese`).
    file, sheet, row, column, value:
        Where the problem is. ``row`` is 1-based as a spreadsheet shows it.
    expected:
        What would have been accepted (English or Japanese, shown as is).
    hint:
        What the user can do (Japanese preferred; shown as is).
    """

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        expected: str | None = None,
        hint: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.hint = hint
        self.details = details

    def location(self) -> str:
        """Return ``file / sheet / row / column`` as one readable string (may be empty)."""
        parts: list[str] = []
        if self.file:
            parts.append(Path(self.file).name)
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (used by ``--json`` error output)."""
        out: dict[str, Any] = {"error": type(self).__name__, "message": self.message}
        for key in ("file", "sheet", "row", "column", "expected", "hint"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        if self.value is not None:
            out["value"] = str(self.value)
        if self.details:
            out["details"] = {k: str(v) for k, v in self.details.items()}
        return out

    def __str__(self) -> str:
        loc = self.location()
        text = f"{self.message} ({loc})" if loc else self.message
        if self.value is not None:
            text += f" [value: {self.value!r}]"
        if self.expected:
            text += f" [expected: {self.expected}]"
        return text


class InputDataError(ZaitakuError):
    """A user-supplied file or value cannot be used (exit code 3)."""

    exit_code = 3


class UnsupportedFormatError(InputDataError):
    """A file is not any of the supported formats."""


class GeodataError(InputDataError):
    """Boundaries, area tables, meshes or population data are unusable."""


class NetworkDataError(InputDataError):
    """A road network file is unusable."""


class ResourceLimitError(InputDataError):
    """A file exceeds a resource limit (:class:`zaitaku_map.settings.Limits`): a zip member too large
    or compressed too much, or a table cell too long.  Nothing was imported from it."""


class ProjectError(ZaitakuError):
    """The project file cannot be opened or written."""


class ProjectBusyError(ProjectError):
    """Another process holds the project's write lock and did not release it in time (nothing was
    changed by this operation)."""


class ProjectReadOnlyError(ProjectError):
    """The project file or its folder cannot be written (read-only file, folder or medium)."""


class ProjectDamagedError(ProjectError):
    """Part of the project file cannot be read (a damaged disk page, a broken stored blob); the
    file is left as it is."""


class StorageFullError(ZaitakuError):
    """The disk (or the temporary folder) is full; nothing half-written was kept.

    ``details["where"]`` is ``"project"``, ``"temp"`` or ``"output"``.
    """


class NotAProjectError(ProjectError):
    """The file exists but is not a zaitaku-map project (it is left untouched)."""

    exit_code = 3


class SchemaTooNewError(ProjectError):
    """The project was written by a newer zaitaku-map."""

    exit_code = 3


class AnalysisError(ZaitakuError):
    """An analysis cannot run with the data in the project (e.g. nothing to cover)."""


class ExportError(ZaitakuError):
    """An export could not be written."""


class Cancelled(ZaitakuError):
    """The user cancelled a long operation; nothing was committed."""


_BUSY = ("database is locked", "database is busy", "database table is locked")
_READ_ONLY = ("readonly database", "read-only", "unable to open database file")
_FULL = ("database or disk is full", "disk is full")
_DAMAGED = ("malformed", "file is not a database", "corrupt")


def environment_error(exc: BaseException, *, file: str | Path | None = None) -> ZaitakuError | None:
    """The :class:`ZaitakuError` an environment fault stands for, or ``None`` for other errors.

    Maps ``sqlite3.OperationalError`` texts (locked, read-only, full) and ``OSError`` numbers
    (ENOSPC/EDQUOT full, EROFS read-only medium) so that a full disk, a read-only project or a lock
    held by another process reaches the user as what it is (a ``PermissionError`` may be a read or a
    write: the caller that knows maps it).  The original exception is
    kept as ``__cause__`` by the caller (``raise mapped from exc``).
    """
    import errno
    import sqlite3

    where = file if file is not None else getattr(exc, "filename", None)
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if any(k in text for k in _BUSY):
            return ProjectBusyError("the project is locked by another process", file=where)
        if any(k in text for k in _FULL):
            return StorageFullError("no space left for the project", file=where, where="project")
        if any(k in text for k in _READ_ONLY):
            return ProjectReadOnlyError("the project cannot be written", file=where)
    if isinstance(exc, sqlite3.DatabaseError):
        if any(k in str(exc).lower() for k in _DAMAGED):
            return ProjectDamagedError("the project file is damaged", file=where)
        return None
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            return StorageFullError("no space left on the device", file=where, where="disk")
        if exc.errno == errno.EROFS:
            return ProjectReadOnlyError("the file or folder is on a read-only medium", file=where)
    return None
