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


class ProjectError(ZaitakuError):
    """The project file cannot be opened or written."""


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
