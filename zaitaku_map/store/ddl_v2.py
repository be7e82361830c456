"""Tables added in schema version 2: projections and demand, scenarios, 協力医療機関, meeting records.

A version-1 project gets them through the migration 1 → 2 (after its backup, in one transaction); a new
project has them from the start.  Append ``CREATE TABLE`` / ``CREATE INDEX`` statements to :data:`DDL`,
each with a comment naming its owner; a table with a geometry column also goes into
:data:`FEATURE_LAYERS` (so QGIS sees it), a plain table QGIS should list into :data:`ATTRIBUTE_TABLES`.
"""

from __future__ import annotations

DDL: list[str] = []
FEATURE_LAYERS: list[tuple[str, str, str]] = []
ATTRIBUTE_TABLES: list[tuple[str, str]] = []

# --- meeting (issue 21): meeting records and notes drawn on the map in meeting mode ---------------
DDL += [
    # one row per meeting held in meeting mode (会議モード)
    """CREATE TABLE IF NOT EXISTS meetings (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        started_at TEXT NOT NULL,      -- ISO 8601 with offset
        ended_at TEXT)""",
    # what happened in a meeting, in order and with time: options shown, municipalities moved, undos,
    # saves, notes; option names as they were at that moment (a record, not a reference)
    """CREATE TABLE IF NOT EXISTS meeting_events (
        id INTEGER PRIMARY KEY,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        option_name TEXT,
        detail_json TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX IF NOT EXISTS idx_meeting_events ON meeting_events(meeting_id, id)",
    # pen strokes (LINESTRING) and text notes (POINT) drawn on an option's map; they follow the option
    # (renames included) and go with it when it is deleted
    """CREATE TABLE IF NOT EXISTS meeting_notes (
        id INTEGER PRIMARY KEY,
        option_id INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
        meeting_id INTEGER REFERENCES meetings(id) ON DELETE SET NULL,
        kind TEXT NOT NULL CHECK (kind IN ('pen', 'text')),
        text TEXT NOT NULL DEFAULT '',
        color TEXT NOT NULL,
        width REAL NOT NULL DEFAULT 4,
        created_at TEXT NOT NULL,
        geom BLOB)""",
    "CREATE INDEX IF NOT EXISTS idx_meeting_notes_option ON meeting_notes(option_id)",
]
FEATURE_LAYERS += [("meeting_notes", "GEOMETRY", "会議メモ（会議モードで地図に書いた線・文字）")]
ATTRIBUTE_TABLES += [("meetings", "会議の記録"), ("meeting_events", "会議の記録（操作と時刻）")]
