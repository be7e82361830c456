"""The project schema: one SQLite file that is also a valid GeoPackage.

Conventions
-----------
- Geometry is EPSG:4326 lon/lat in GeoPackage blobs (:mod:`zaitaku_map.store.gpkg`).
- Municipality codes are 5-digit text (``"31201"``); prefecture codes 2-digit text.
- Category keys are the canonical keys of :mod:`zaitaku_map.labels` stored as text, so new
  kinds of facility or area layer need no schema change.
- ``*_json`` columns hold open-ended attributes (raw source columns, parameters).

Versioning
----------
``zm_meta.schema_version`` is the version of the file.  :data:`MIGRATIONS` maps an old version to
the function that upgrades it by one step; :func:`zaitaku_map.store.project.open_project` writes a
backup before running them.  Version 1 is the first wave's schema (with :mod:`ddl_extra`); the tables of
version 2 live in :mod:`zaitaku_map.store.ddl_v2`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 2
APP_MARKER = "zaitaku-map"

# (table, geometry type, description) of tables registered as GeoPackage feature layers
FEATURE_LAYERS: list[tuple[str, str, str]] = [
    ("municipalities", "MULTIPOLYGON", "市区町村（政令市の区を含む・分析用の全解像度）"),
    ("facilities", "POINT", "施設（在支診・在支病・訪問看護・薬局・包括・介護施設 …）"),
    ("area_polygons", "MULTIPOLYGON", "圏域レイヤー（二次医療圏など）の面（市区町村の融合）"),
    ("demand_points", "POINT", "人口の需要点（メッシュ×市区町村）"),
]
ATTRIBUTE_TABLES: list[tuple[str, str]] = [
    ("area_members", "市区町村→圏域レイヤーの対応"),
    ("designations", "施設の届出（在支診・在支病 など）"),
    ("import_log", "取込時に除外・警告された行"),
]

CORE_DDL: list[str] = [
    # --- meta -------------------------------------------------------------------------------
    "CREATE TABLE zm_meta (key TEXT PRIMARY KEY, value TEXT)",
    # key/value project settings (coverage parameters, study region, ...) as JSON values
    "CREATE TABLE project_settings (key TEXT PRIMARY KEY, value_json TEXT NOT NULL)",
    # --- provenance ---------------------------------------------------------------------------
    """CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,            -- facilities|boundaries|areas|population|roads|geocode_reference
        format TEXT NOT NULL,          -- iryojoho|kaigo|kouseikyoku|table|gis|n03|a38|area_table|estat_mesh|osm_pbf|...
        file_name TEXT NOT NULL,
        path TEXT,
        sha256 TEXT,
        sheet TEXT,
        reference_date TEXT,           -- ISO date the data is "as of"
        imported_at TEXT NOT NULL,
        rows_read INTEGER,
        rows_rejected INTEGER,
        summary_json TEXT)""",
    "CREATE INDEX idx_sources_sha ON sources(sha256)",
    """CREATE TABLE import_log (
        id INTEGER PRIMARY KEY,
        source_id INTEGER REFERENCES sources(id),
        file_name TEXT,
        sheet TEXT,
        row INTEGER,                   -- 1-based as a spreadsheet shows it
        column_name TEXT,
        value TEXT,
        severity TEXT NOT NULL DEFAULT 'rejected',   -- rejected|warning|info
        reason TEXT NOT NULL,
        raw_json TEXT)""",
    "CREATE INDEX idx_import_log_source ON import_log(source_id)",
    # --- facilities ---------------------------------------------------------------------------
    """CREATE TABLE facilities (
        id INTEGER PRIMARY KEY,
        category TEXT NOT NULL,        -- labels.CATEGORIES key
        subtype TEXT,                  -- e.g. 機能強化型（連携型）, 介護老人福祉施設
        name TEXT NOT NULL,
        name_kana TEXT,
        name_norm TEXT,                -- normalised for matching
        address TEXT,                  -- as shown (with prefecture)
        address_norm TEXT,
        postal_code TEXT,
        pref_code TEXT,
        muni_code TEXT,                -- 5-digit
        phone TEXT,
        beds INTEGER,
        status TEXT NOT NULL DEFAULT 'open',   -- open|closed
        closed_date TEXT,
        src_lon REAL, src_lat REAL,    -- coordinate given by the source (never overwritten)
        src_coord_status TEXT,         -- labels.COORD_STATUS key
        lon REAL, lat REAL,            -- position used everywhere (NULL when unresolved)
        geocode_level TEXT,            -- labels.GEOCODE_LEVELS key
        geocode_ref TEXT,              -- which reference / rule produced the position
        geocode_note TEXT,
        geocode_moved_m REAL,          -- distance from the source coordinate when replaced
        geocode_input_hash TEXT,       -- inputs of the last geocode (idempotent re-runs)
        outside_muni INTEGER,          -- 1 when the final point is outside muni_code
        active_role INTEGER NOT NULL DEFAULT 0,  -- 積極的役割を担う医療機関
        attrs_json TEXT,
        updated_at TEXT,
        geom BLOB)""",
    "CREATE INDEX idx_fac_cat ON facilities(category)",
    "CREATE INDEX idx_fac_muni ON facilities(muni_code)",
    "CREATE INDEX idx_fac_name ON facilities(name_norm)",
    """CREATE TABLE facility_records (
        id INTEGER PRIMARY KEY,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        source_id INTEGER NOT NULL REFERENCES sources(id),
        source_family TEXT NOT NULL,   -- iryojoho|kaigo|kouseikyoku|table:<name>|gis:<name>
        record_key TEXT NOT NULL,      -- identity inside the family, e.g. iryojoho:0123456789012
        sheet TEXT,
        row INTEGER,
        record_hash TEXT,
        raw_json TEXT,
        first_seen TEXT,
        last_seen TEXT,
        status TEXT NOT NULL DEFAULT 'current')   -- current|closed|superseded""",
    "CREATE INDEX idx_rec_fac ON facility_records(facility_id)",
    "CREATE INDEX idx_rec_key ON facility_records(record_key)",
    """CREATE TABLE designations (
        id INTEGER PRIMARY KEY,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        kind TEXT NOT NULL,            -- zaishi_clinic|zaishi_hospital|back_support_hospital|...
        code TEXT,                     -- 受理記号 e.g. 支援診２
        name TEXT,                     -- 受理届出名称
        subtype TEXT,
        effective_date TEXT,           -- 算定開始年月日 (ISO)
        source_id INTEGER REFERENCES sources(id),
        current INTEGER NOT NULL DEFAULT 1)""",
    "CREATE INDEX idx_des_fac ON designations(facility_id)",
    """CREATE TABLE facility_functions (
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        function INTEGER NOT NULL CHECK (function BETWEEN 1 AND 4),
        value INTEGER NOT NULL,        -- 1 provides, 0 explicitly not
        origin TEXT NOT NULL,          -- default|user
        PRIMARY KEY (facility_id, function))""",
    # --- geography ----------------------------------------------------------------------------
    """CREATE TABLE municipalities (
        code TEXT PRIMARY KEY,         -- 5-digit 全国地方公共団体コード
        fid INTEGER UNIQUE,            -- integer id for GIS clients
        pref_code TEXT, pref_name TEXT,
        subpref_name TEXT,             -- N03_002
        county_or_city TEXT,           -- N03_003 郡・政令市名
        name TEXT NOT NULL,            -- N03_004 (ward name for wards)
        full_name TEXT,                -- e.g. 大阪市都島区
        kind TEXT NOT NULL,            -- municipality|ward|designated_city (derived from wards)
        parent_code TEXT,              -- for wards: the city's code
        area_km2 REAL,
        rep_lon REAL, rep_lat REAL,    -- representative point (inside the polygon)
        geom BLOB,                     -- full geometry (analysis)
        geom_display BLOB)             -- topology-preserving simplified geometry (display)""",
    """CREATE TABLE area_layers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,     -- 二次医療圏, 保健所圏域, ...
        source_id INTEGER REFERENCES sources(id),
        created_at TEXT)""",
    """CREATE TABLE area_members (
        layer_id INTEGER NOT NULL REFERENCES area_layers(id),
        muni_code TEXT NOT NULL,
        area_code TEXT NOT NULL,
        area_name TEXT,
        PRIMARY KEY (layer_id, muni_code))""",
    """CREATE TABLE area_polygons (
        fid INTEGER PRIMARY KEY,
        layer_id INTEGER NOT NULL REFERENCES area_layers(id),
        area_code TEXT NOT NULL,
        area_name TEXT,
        geom BLOB,
        geom_display BLOB)""",
    # --- population ---------------------------------------------------------------------------
    """CREATE TABLE population_sources (
        id INTEGER PRIMARY KEY,
        source_id INTEGER REFERENCES sources(id),
        unit TEXT NOT NULL,            -- mesh1km|mesh500m|mesh250m|municipality
        year TEXT,
        secret_cells INTEGER DEFAULT 0,
        notes TEXT)""",
    """CREATE TABLE demand_points (
        fid INTEGER PRIMARY KEY,
        pop_source_id INTEGER REFERENCES population_sources(id),
        unit_code TEXT NOT NULL,       -- mesh code, or municipality code for municipality units
        muni_code TEXT,                -- municipality the (part of the) unit lies in
        share REAL NOT NULL DEFAULT 1, -- area share of the unit inside muni_code
        lon REAL NOT NULL, lat REAL NOT NULL,
        pop_total REAL, pop_65 REAL, pop_75 REAL, pop_85 REAL,
        bands_json TEXT,               -- 5-year bands / projection years when known
        geom BLOB)""",
    "CREATE INDEX idx_dp_muni ON demand_points(muni_code)",
    """CREATE TABLE population_municipal (
        muni_code TEXT NOT NULL,
        pop_source_id INTEGER REFERENCES population_sources(id),
        pop_total REAL, pop_65 REAL, pop_75 REAL, pop_85 REAL,
        bands_json TEXT,
        PRIMARY KEY (muni_code, pop_source_id))""",
    # --- road network -------------------------------------------------------------------------
    """CREATE TABLE road_networks (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        source_id INTEGER REFERENCES sources(id),
        n_nodes INTEGER NOT NULL,
        n_edges INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        content_hash TEXT,
        summary_json TEXT,
        data BLOB)                     -- compressed npz: node coords, CSR arrays, edge attrs""",
    # --- 圏域 options -------------------------------------------------------------------------
    """CREATE TABLE options (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        template TEXT,                 -- area|area_split|designated_city|municipal|proposed|copy
        base_layer TEXT,
        notes TEXT, author TEXT, plan_period TEXT,
        created_at TEXT, updated_at TEXT,
        params_json TEXT)""",
    """CREATE TABLE option_kens (
        option_id INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
        ken_key TEXT NOT NULL,
        name TEXT NOT NULL,
        color TEXT,
        notes TEXT,
        PRIMARY KEY (option_id, ken_key))""",
    """CREATE TABLE option_assignments (
        option_id INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
        unit_code TEXT NOT NULL,       -- municipality or ward code
        ken_key TEXT NOT NULL,
        PRIMARY KEY (option_id, unit_code))""",
    """CREATE TABLE option_hubs (
        id INTEGER PRIMARY KEY,
        option_id INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
        ken_key TEXT NOT NULL,
        facility_id INTEGER REFERENCES facilities(id),
        name TEXT NOT NULL,            -- facility name or a body not in the lists (市町村, 医師会 …)
        body_type TEXT)""",
    """CREATE TABLE option_history (
        option_id INTEGER NOT NULL REFERENCES options(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        action_json TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (option_id, seq))""",
    # --- caches and misc ----------------------------------------------------------------------
    """CREATE TABLE results_cache (
        key TEXT PRIMARY KEY,          -- hash of kind + inputs + parameters
        kind TEXT NOT NULL,
        params_json TEXT,
        created_at TEXT NOT NULL,
        data BLOB)""",
    """CREATE TABLE column_mappings (
        signature TEXT PRIMARY KEY,    -- hash of the normalised header row
        source_label TEXT,
        mapping_json TEXT NOT NULL,
        updated_at TEXT)""",
    """CREATE TABLE geocode_references (
        id INTEGER PRIMARY KEY,
        source_id INTEGER REFERENCES sources(id),
        level TEXT NOT NULL,           -- block|town
        pref_name TEXT, muni_code TEXT, muni_name TEXT,
        town TEXT, town_norm TEXT, block TEXT,
        lon REAL NOT NULL, lat REAL NOT NULL)""",
    "CREATE INDEX idx_georef ON geocode_references(muni_name, town_norm)",
]

# Domains append their own tables here while the schema is unreleased (see module doc).
DOMAIN_DDL: list[str] = []


def all_ddl() -> list[str]:
    """Every CREATE statement of the current schema version, in order."""
    from zaitaku_map.store import ddl_extra, ddl_v2

    return [*CORE_DDL, *DOMAIN_DDL, *ddl_extra.DDL, *ddl_v2.DDL]


def feature_layers() -> list[tuple[str, str, str]]:
    """Every table registered as a GeoPackage feature layer (table, geometry type, description)."""
    from zaitaku_map.store import ddl_v2

    return [*FEATURE_LAYERS, *ddl_v2.FEATURE_LAYERS]


def attribute_tables() -> list[tuple[str, str]]:
    """Every plain table registered in ``gpkg_contents`` as attributes (table, description)."""
    from zaitaku_map.store import ddl_v2

    return [*ATTRIBUTE_TABLES, *ddl_v2.ATTRIBUTE_TABLES]


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Add the tables of schema version 2 (:mod:`zaitaku_map.store.ddl_v2`)."""
    from zaitaku_map.store import ddl_v2, gpkg

    for ddl in ddl_v2.DDL:
        conn.execute(ddl)
    for table, gtype, desc in ddl_v2.FEATURE_LAYERS:
        gpkg.register_layer(conn, table, geometry_type=gtype, description=desc)
    for table, desc in ddl_v2.ATTRIBUTE_TABLES:
        gpkg.register_attributes(conn, table, desc)


# version -> function upgrading a connection from that version to version + 1
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}
