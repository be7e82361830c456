"""Future demand: the official 構想区域 demand projections, projected population and use rates,
re-cut into the 圏域 of any option, with peak years and growth.

Import (``zaitaku-map projection``): :func:`import_projection_file`, :func:`import_projection_files`,
recognised by :func:`sniff_projection_file`.  Re-cut: :func:`option_demand` (per 圏域 of an option),
:func:`unit_demand` (per municipality).  Peaks and legends: :mod:`zaitaku_map.demand.peaks`.
Settings: :class:`DemandParams` (project setting ``demand``).
"""

from zaitaku_map.demand.importer import (
    FileReport,
    ImportOptions,
    ProjectionImportReport,
    import_projection_file,
    import_projection_files,
)
from zaitaku_map.demand.params import DemandParams, load_params, save_params, updated
from zaitaku_map.demand.peaks import DEMAND_LEGEND, POPULATION_LEGEND, Peak, PeakLegend, growth, peak
from zaitaku_map.demand.recut import KenDemand, OptionDemand, UnitDemand, option_demand, unit_demand
from zaitaku_map.demand.sniff import KINDS, sniff_projection_file
from zaitaku_map.demand.status import DemandStatus, demand_status

__all__ = [
    "DEMAND_LEGEND",
    "KINDS",
    "POPULATION_LEGEND",
    "DemandParams",
    "DemandStatus",
    "FileReport",
    "ImportOptions",
    "KenDemand",
    "OptionDemand",
    "Peak",
    "PeakLegend",
    "ProjectionImportReport",
    "UnitDemand",
    "demand_status",
    "growth",
    "import_projection_file",
    "import_projection_files",
    "load_params",
    "option_demand",
    "peak",
    "save_params",
    "sniff_projection_file",
    "unit_demand",
    "updated",
]
