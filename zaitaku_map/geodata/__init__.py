"""Geodata: municipality boundaries (N03), area layers (A38 / tables), population (e-Stat).

Read API (stable contract used by every other domain) lives in :mod:`.loaders`; importers in
:mod:`.n03`, :mod:`.a38`, :mod:`.areas`, :mod:`.population`.
"""

from zaitaku_map.geodata.loaders import (
    area_layer_names,
    area_membership,
    load_area_polygons,
    load_demand_points,
    load_municipalities,
    municipality_population,
)

__all__ = [
    "area_layer_names",
    "area_membership",
    "load_area_polygons",
    "load_demand_points",
    "load_municipalities",
    "municipality_population",
]
