"""What an import did, per file (``ImportReport``), and the parsed form handed to the register."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

# Columns of the standard record frame every format parser produces
RECORD_COLUMNS: tuple[str, ...] = (
    "record_key",  # identity inside the source family (stable across releases)
    "category",  # labels.CATEGORIES key
    "subtype",
    "name",
    "name_kana",
    "address",  # with prefecture
    "postal_code",
    "pref_code",  # 2 digits or ''
    "muni_code",  # 5 digits or ''
    "phone",
    "beds",  # float (NaN when unknown)
    "src_lon",  # float (NaN when missing)
    "src_lat",
    "match_class",  # hospital|clinic|'' : which records of other families it may be matched to
    "sheet",
    "row",  # 1-based spreadsheet row
)


@dataclass
class Rejected:
    """A source row that could not be used (goes to ``import_log``)."""

    row: int | None
    reason: str
    column: str | None = None
    value: Any = None
    sheet: str | None = None
    raw: dict[str, Any] | None = None
    severity: str = "rejected"


@dataclass
class ParsedFile:
    """One input file (or zip member) converted to standard records, before it touches the store."""

    path: str
    file_name: str
    format: str
    family: str  # e.g. iryojoho:hospital, kouseikyoku:31, kaigo:130, table:<label>
    records: pd.DataFrame  # RECORD_COLUMNS
    raw: pd.DataFrame  # source columns of the same rows (same index), stored as raw_json
    reference_date: str | None = None
    reference_date_origin: str | None = None  # title|file_name|user|None
    sheet: str | None = None
    encoding: str | None = None
    rows_read: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> rows (not errors)
    designations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # record_key -> list
    scope_prefs: set[str] = field(default_factory=set)  # prefectures this release covers (for closures)
    notes: list[str] = field(default_factory=list)
    mapping: tuple[list[str], dict[str, str], str | None] | None = (
        None  # (header, mapping, label) to remember
    )
    role_only: list[dict[str, Any]] = field(default_factory=list)  # 在後病 etc. of non-在支 institutions


@dataclass
class ImportReport:
    """Result of importing one file; ``to_dict()`` is the CLI ``--json`` entry."""

    file: str
    format: str
    family: str = ""
    reference_date: str | None = None
    reference_date_origin: str | None = None
    source_id: int | None = None
    encoding: str | None = None
    sheets: list[str] = field(default_factory=list)
    rows_read: int = 0
    records: int = 0
    added: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0
    reopened: int = 0
    matched_across_sources: int = 0
    matched: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    role_designations: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_subtype: dict[str, int] = field(default_factory=dict)
    coord_status: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None  # set when the file could not be imported (on_error="report")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImportReport:
        """The report of a ``to_dict()`` (e.g. read back from ``--json`` output)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "file": self.file,
            "format": self.format,
            "family": self.family,
            "reference_date": self.reference_date,
            "reference_date_origin": self.reference_date_origin,
            "source_id": self.source_id,
            "encoding": self.encoding,
            "sheets": list(self.sheets),
            "rows_read": self.rows_read,
            "records": self.records,
            "added": self.added,
            "updated": self.updated,
            "closed": self.closed,
            "unchanged": self.unchanged,
            "reopened": self.reopened,
            "matched_across_sources": self.matched_across_sources,
            "matched": list(self.matched),
            "unmatched": list(self.unmatched),
            "ambiguous": list(self.ambiguous),
            "role_designations": list(self.role_designations),
            "rejected": self.rejected,
            "rejected_reasons": dict(self.rejected_reasons),
            "warnings": self.warnings,
            "skipped": dict(self.skipped),
            "by_category": dict(self.by_category),
            "by_subtype": dict(self.by_subtype),
            "coord_status": dict(self.coord_status),
            "notes": list(self.notes),
        }


def empty_records() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=float if c in ("beds", "src_lon", "src_lat") else object) for c in RECORD_COLUMNS}
    )
