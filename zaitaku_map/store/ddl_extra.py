"""Extra tables added by domain modules while schema version 1 is unreleased.

Append ``CREATE TABLE`` / ``CREATE INDEX`` statements; keep each with a comment naming its owner.
"""

from __future__ import annotations

DDL: list[str] = []

# geodata: population keyed by the area codes of an area layer (e.g. census by 二次医療圏); it cannot be
# apportioned to municipalities honestly, so it is read through geodata.population.area_population().
DDL.append(
    """CREATE TABLE population_area (
        layer_name TEXT NOT NULL,
        area_code TEXT NOT NULL,
        area_name TEXT,
        pop_source_id INTEGER REFERENCES population_sources(id),
        pop_total REAL, pop_65 REAL, pop_75 REAL, pop_85 REAL,
        bands_json TEXT,
        PRIMARY KEY (layer_name, area_code, pop_source_id))"""
)

# geocode: references are read per municipality during geocoding (a prefecture's 街区 file has ~10^6 rows)
DDL.append("CREATE INDEX idx_georef_muni ON geocode_references(muni_code, level)")
