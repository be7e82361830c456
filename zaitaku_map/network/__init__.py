"""Road network: OSM / GraphML import, speed table, compact CSR storage and snapping."""

from zaitaku_map.network.graph import RoadNetwork, build_network
from zaitaku_map.network.importer import import_roads, load_network, project_speed_table
from zaitaku_map.network.snap import Snap, snap_points
from zaitaku_map.network.speeds import (
    DEFAULT_SPEEDS,
    ROAD_CLASSES,
    SpeedTable,
    load_speed_table,
    parse_maxspeed,
)

__all__ = [
    "DEFAULT_SPEEDS",
    "ROAD_CLASSES",
    "RoadNetwork",
    "Snap",
    "SpeedTable",
    "build_network",
    "import_roads",
    "load_network",
    "load_speed_table",
    "parse_maxspeed",
    "project_speed_table",
    "snap_points",
]
