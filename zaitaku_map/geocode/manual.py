"""Manual placement of a facility (the GUI's draggable marker, or the CLI)."""

from __future__ import annotations

from shapely.geometry import Point

from zaitaku_map.errors import InputDataError
from zaitaku_map.geo import haversine_m, in_japan
from zaitaku_map.geocode.plausibility import MuniGeometries
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project


def set_manual_position(project: Project, facility_id: int, lon: float, lat: float) -> None:
    """Place a facility by hand: level ``manual``, never overwritten by later geocoding runs.

    Raises
    ------
    InputDataError
        Unknown facility, or a position outside Japan.
    """
    row = project.conn.execute(
        "SELECT id, muni_code, src_lon, src_lat FROM facilities WHERE id=?", (int(facility_id),)
    ).fetchone()
    if row is None:
        raise InputDataError("no such facility", value=facility_id)
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise InputDataError("position is not a number", value=f"{lon},{lat}") from exc
    if not in_japan(x, y):
        raise InputDataError(
            "manual position is outside Japan", value=f"{x},{y}", expected="lon 122–154, lat 20–46"
        )
    _, muni, slon, slat = row
    moved = None
    if slon is not None and slat is not None and in_japan(float(slon), float(slat)):
        moved = round(float(haversine_m(float(slon), float(slat), x, y)), 1)  # type: ignore[no-untyped-call]
    inside = MuniGeometries(project).contains(muni, x, y)
    with project.transaction():
        project.conn.execute(
            "UPDATE facilities SET lon=?, lat=?, geom=?, geocode_level='manual', geocode_ref='manual', "
            "geocode_note=?, geocode_moved_m=?, outside_muni=?, geocode_input_hash=NULL WHERE id=?",
            (
                x,
                y,
                gpkg.to_blob(Point(x, y)),
                "手動で配置",
                moved,
                None if inside is None else int(not inside),
                int(facility_id),
            ),
        )
        project.refresh_extent("facilities")


def clear_manual_position(project: Project, facility_id: int) -> None:
    """Undo a manual placement: the next geocoding run places the facility again."""
    with project.transaction():
        project.conn.execute(
            "UPDATE facilities SET geocode_level=NULL, geocode_input_hash=NULL WHERE id=? AND geocode_level='manual'",
            (int(facility_id),),
        )
