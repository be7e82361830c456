"""Geodata: municipality boundaries (N03), area layers (A38 / tables), population (e-Stat).

Read API (stable contract used by every other domain) lives in :mod:`.loaders`; importers in
:mod:`.n03`, :mod:`.a38`, :mod:`.areas`, :mod:`.population` (imported lazily by these wrappers so
that reading a project never pays for the importers).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.geodata.loaders import (
    area_layer_names,
    area_membership,
    load_area_polygons,
    load_demand_points,
    load_municipalities,
    municipality_population,
)
from zaitaku_map.store.project import Project

if TYPE_CHECKING:
    from zaitaku_map.geodata.areas import AreaLayerReport
    from zaitaku_map.geodata.n03 import BoundaryReport
    from zaitaku_map.geodata.population import PopulationReport


def import_boundaries(project: Project, path: str | Path, **kw: Any) -> BoundaryReport:
    """See :func:`zaitaku_map.geodata.n03.import_boundaries`."""
    from zaitaku_map.geodata.n03 import import_boundaries as f

    return f(project, path, **kw)


def import_area_table(project: Project, path: str | Path, *, layer: str, **kw: Any) -> AreaLayerReport:
    """See :func:`zaitaku_map.geodata.areas.import_area_table` (A38 files are accepted too)."""
    from zaitaku_map.geodata.areas import import_area_table as f

    return f(project, path, layer=layer, **kw)


def import_a38(
    project: Project, path: str | Path, *, layer: str = "二次医療圏", **kw: Any
) -> AreaLayerReport:
    """See :func:`zaitaku_map.geodata.a38.import_a38`."""
    from zaitaku_map.geodata.a38 import import_a38 as f

    return f(project, path, layer=layer, **kw)


def import_population(project: Project, paths: Any, **kw: Any) -> PopulationReport:
    """See :func:`zaitaku_map.geodata.population.import_population`."""
    from zaitaku_map.geodata.population import import_population as f

    return f(project, paths, **kw)


def area_population(project: Project, layer: str) -> Any:
    """See :func:`zaitaku_map.geodata.population.area_population`."""
    from zaitaku_map.geodata.population import area_population as f

    return f(project, layer)


__all__ = [
    "area_layer_names",
    "area_membership",
    "area_population",
    "import_a38",
    "import_area_table",
    "import_boundaries",
    "import_population",
    "load_area_polygons",
    "load_demand_points",
    "load_municipalities",
    "municipality_population",
]
