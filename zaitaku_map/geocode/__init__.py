"""Offline geocoding: address normalisation, references, the cascade and manual placement.

Public API: :func:`normalize_address`, :func:`import_reference`, :func:`geocode_project`,
:func:`set_manual_position` (and :func:`geocode_report`, :func:`clear_manual_position`).
"""

from zaitaku_map.geocode.cascade import geocode_project, geocode_report
from zaitaku_map.geocode.manual import clear_manual_position, set_manual_position
from zaitaku_map.geocode.normalize import normalize_address
from zaitaku_map.geocode.reference import import_reference

__all__ = [
    "clear_manual_position",
    "geocode_project",
    "geocode_report",
    "import_reference",
    "normalize_address",
    "set_manual_position",
]
