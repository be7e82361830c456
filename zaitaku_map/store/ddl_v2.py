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

# --- demand (issue 16): future population and demand ------------------------------------------
# Official demand per 構想区域 (MHLW 構想区域別の医療需要推計), long: one row per area × 年度 × measure
# (home_visit|outpatient|… in レセプト件数/月; "population" for the file's 人口 columns).
DDL.append(
    """CREATE TABLE IF NOT EXISTS demand_area (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        measure TEXT NOT NULL,
        area_code TEXT NOT NULL,       -- 4-digit 構想区域コード as in the file
        area_name TEXT,
        pref_code TEXT,
        year INTEGER NOT NULL,         -- 年度 (2024 = 2024年度)
        value REAL NOT NULL,
        PRIMARY KEY (source_id, measure, area_code, year))"""
)
DDL.append("CREATE INDEX IF NOT EXISTS idx_demand_area_measure ON demand_area(measure, area_code)")
# Projected population per region (社人研 tables or any municipality × year × sex × age table): the
# regions (municipality, 政令市 aggregate, group of municipalities) and their values.
DDL.append(
    """CREATE TABLE IF NOT EXISTS projection_regions (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        region_code TEXT NOT NULL,     -- 5-digit municipality code, or the file's code of a group
        name TEXT,
        kind TEXT NOT NULL,            -- municipality|designated_city|group
        members_json TEXT,             -- municipality codes of a group region
        PRIMARY KEY (source_id, region_code))"""
)
DDL.append(
    """CREATE TABLE IF NOT EXISTS projection_values (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        region_code TEXT NOT NULL,
        sex TEXT NOT NULL,             -- T (男女計) | M | F
        age_lo INTEGER NOT NULL,       -- (0, 999) is the whole population
        age_hi INTEGER NOT NULL,       -- 999 = open band (90歳以上)
        year INTEGER NOT NULL,
        measure TEXT NOT NULL,         -- count | share_pct (a percentage of the total)
        value REAL NOT NULL,
        PRIMARY KEY (source_id, region_code, sex, age_lo, age_hi, year, measure))"""
)
DDL.append("CREATE INDEX IF NOT EXISTS idx_projection_values_region ON projection_values(region_code, year)")
# Use rates per sex and age band (受療率 / 利用率), per `per` persons per month; imported, never invented.
DDL.append(
    """CREATE TABLE IF NOT EXISTS use_rates (
        source_id INTEGER NOT NULL REFERENCES sources(id),
        measure TEXT NOT NULL,         -- home_visit|home_nursing|outpatient|…
        pref_code TEXT NOT NULL,       -- prefecture the rate is for ('' = the file names none)
        sex TEXT NOT NULL,
        age_lo INTEGER NOT NULL,
        age_hi INTEGER NOT NULL,
        per REAL NOT NULL,             -- the rate counts per this many persons
        value REAL NOT NULL,           -- per month
        PRIMARY KEY (source_id, measure, pref_code, sex, age_lo, age_hi))"""
)
ATTRIBUTE_TABLES.extend(
    [
        ("demand_area", "構想区域別の医療需要推計（レセプト件数/月）"),
        ("projection_values", "将来推計人口（市区町村・男女・年齢・年）"),
        ("use_rates", "利用率（受療率）の表（男女・年齢階級別）"),
    ]
)

# --- remedies (issue 17): what-if scenarios ------------------------------------------------------
# A scenario is a named set of edits over the facility register, stored apart from it: hypothetical
# facilities live only in ``scenario_sites`` and edits of existing facilities only in
# ``scenario_changes``; nothing here is ever written to ``facilities``.
DDL += [
    """CREATE TABLE IF NOT EXISTS scenarios (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        category TEXT NOT NULL,        -- coverage category the scenario is about (zaishi, home_nursing …)
        notes TEXT, author TEXT,
        created_at TEXT, updated_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS scenario_sites (
        fid INTEGER PRIMARY KEY,
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
        site_key INTEGER NOT NULL,     -- stable inside the scenario (undo/redo keeps it)
        category TEXT NOT NULL,        -- the facility category it would have (zaishi_clinic …)
        label TEXT NOT NULL,
        lon REAL NOT NULL, lat REAL NOT NULL,
        muni_code TEXT,                -- municipality the point lies in (NULL outside every one)
        origin TEXT,                   -- user|suggestion|file
        notes TEXT,
        geom BLOB,
        UNIQUE (scenario_id, site_key))""",
    """CREATE TABLE IF NOT EXISTS scenario_changes (
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        closed INTEGER NOT NULL DEFAULT 0,   -- 1: switched off in the scenario
        lon REAL, lat REAL,            -- moved position (NULL = where the register has it)
        gains TEXT,                    -- category the facility takes on (clinic → zaishi_clinic …)
        PRIMARY KEY (scenario_id, facility_id))""",
    """CREATE TABLE IF NOT EXISTS scenario_history (
        scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        action_json TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (scenario_id, seq))""",
]
FEATURE_LAYERS += [("scenario_sites", "POINT", "シナリオの仮想施設（検討用・実在しない施設）")]
ATTRIBUTE_TABLES += [("scenario_changes", "シナリオでの既存施設の変更（休止・移転・機能の追加）")]
# --- partners (issue 18): the 協力医療機関 agreements a prefecture collects from its care facilities --
DDL += [
    # one row per care facility × named partner as the imported table gives it (a row naming no partner
    # records a facility that has none); the current agreements are those of the latest source
    """CREATE TABLE IF NOT EXISTS partner_agreements (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        sheet TEXT,
        row INTEGER,                   -- 1-based as a spreadsheet shows it
        jigyosho_no TEXT,              -- 事業所番号 as given
        care_name TEXT,
        care_address TEXT,
        care_facility_id INTEGER REFERENCES facilities(id),   -- NULL: no care facility matched
        care_match TEXT,               -- jigyosho_no | name_address | name
        inst_code TEXT,                -- 医療機関コード as given (10 digits, or the 7-digit 医療機関番号)
        inst_name TEXT,
        inst_address TEXT,
        institution_id INTEGER REFERENCES facilities(id),     -- NULL: none named, or none matched
        inst_match TEXT,               -- code | name_address | name | name_nearest (namesakes: the one nearest the care facility)
        stated TEXT NOT NULL DEFAULT '',  -- requirements the table marks as covered, e.g. '123'
        agreed_date TEXT,              -- ISO date
        note TEXT)""",
    "CREATE INDEX IF NOT EXISTS idx_partner_agreements_care ON partner_agreements(source_id, care_facility_id)",
]
ATTRIBUTE_TABLES += [("partner_agreements", "協力医療機関の届出（介護施設ごとの協力医療機関）")]
