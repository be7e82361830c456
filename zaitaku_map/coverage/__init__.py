"""Coverage: travel time from the nearest facility, population within / beyond N minutes, gaps.

Public API: :class:`CoverageParams` (and :func:`resolve_coverage_params`, the one way to choose
them: given, else saved in the project, else defaults), :func:`compute_coverage`,
:func:`coverage_summary`, :func:`band_polygons`, :func:`gap_points`, :func:`isochrone`; every one
takes ``facilities=`` — a :class:`FacilitySet` (default: the register's open facilities; a what-if
scenario passes its edited set, hypothetical facilities included).
"""

from zaitaku_map.coverage.api import band_polygons, basin_polygons, coverage_summary, gap_points, isochrone
from zaitaku_map.coverage.engine import CategoryCoverage, CoverageResult, compute_coverage
from zaitaku_map.coverage.facilities import COMBINED, Facility, FacilitySet, category_members
from zaitaku_map.coverage.incremental import WhatIf
from zaitaku_map.coverage.inputs import DEFAULT_CATEGORIES, category_name
from zaitaku_map.coverage.params import (
    CoverageParams,
    resolve_coverage_params,
    save_coverage_params,
    stored_coverage_params,
)
from zaitaku_map.coverage.service import facility_service_area, service_areas

__all__ = [
    "COMBINED",
    "DEFAULT_CATEGORIES",
    "CategoryCoverage",
    "CoverageParams",
    "CoverageResult",
    "Facility",
    "FacilitySet",
    "WhatIf",
    "band_polygons",
    "basin_polygons",
    "category_members",
    "category_name",
    "compute_coverage",
    "coverage_summary",
    "facility_service_area",
    "gap_points",
    "isochrone",
    "resolve_coverage_params",
    "save_coverage_params",
    "service_areas",
    "stored_coverage_params",
]
