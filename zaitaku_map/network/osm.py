"""Read the drive network of an OpenStreetMap extract (``.osm.pbf``, ``.osm`` XML, ``.osm.bz2``/``.gz``).

One streaming pass with pyosmium: node locations go into libosmium's in-memory index, ways with a
drivable ``highway`` class become directed edges between consecutive nodes (every way node is kept,
so snapping lands on the road, not only at junctions).  Access restrictions, ``oneway`` variants
(``yes/true/1``, ``-1/reverse``, implied by roundabouts and motorways) and ``maxspeed`` are read.

:func:`osm_reference_date` finds the date an extract is "as of": the replication timestamp of the
file header (Geofabrik/osmium ``osmosis_replication_timestamp``, Overpass ``osm_base``), else the
date of a Geofabrik-style name (``chugoku-251001.osm.pbf``).
"""

from __future__ import annotations

import bz2
import gzip
import re
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zaitaku_map.errors import Cancelled, NetworkDataError
from zaitaku_map.geo import haversine_m
from zaitaku_map.network.speeds import CLASS_CODE, parse_maxspeed
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import date_of_timestamp, date_of_yymmdd, resolve_reference_date

_NO_ACCESS = {"no", "private", "agricultural", "forestry", "delivery", "emergency", "military"}
_FORWARD = {"yes", "true", "1"}
_BACKWARD = {"-1", "reverse"}


_NAME_DATE = re.compile(r"[-_](\d{8}|\d{6})(?:[-_.]|$)")
_XML_DATE = (re.compile(rb'osm_base="([^"]+)"'), re.compile(rb'<osm\b[^>]*\btimestamp="([^"]+)"'))


def osm_reference_date(path: str | Path) -> tuple[str | None, str | None]:
    """``(YYYY-MM-DD, "file_header" | "file_name")`` of an OSM extract, or ``(None, None)``."""
    return resolve_reference_date(
        None, ("file_header", lambda: osm_header_date(path)), ("file_name", lambda: osm_name_date(path))
    )


def osm_header_date(path: str | Path) -> str | None:
    """The replication timestamp of an OSM file header (PBF, or XML/gz/bz2 ``osm_base`` / ``timestamp``)."""
    p = Path(path)
    date = None
    name = p.name.lower()
    try:
        if name.endswith(".pbf"):
            import osmium

            reader = osmium.io.Reader(str(p), osmium.osm.NOTHING)
            try:
                header = reader.header()
                date = date_of_timestamp(
                    header.get("osmosis_replication_timestamp") or header.get("timestamp")
                )
            finally:
                reader.close()
        else:
            opener: Any = bz2.open if name.endswith(".bz2") else gzip.open if name.endswith(".gz") else open
            with opener(p, "rb") as fh:
                head = fh.read(8192)
            for pat in _XML_DATE:
                m = pat.search(head)
                if m and (date := date_of_timestamp(m.group(1).decode("ascii", "replace"))):
                    break
    except (OSError, RuntimeError, EOFError):
        date = None  # unreadable here: read_osm reports the file itself
    return date


def osm_name_date(path: str | Path) -> str | None:
    """The date of a Geofabrik-style name (``chugoku-251001.osm.pbf``)."""
    name_match = _NAME_DATE.search(Path(path).name.lower().split(".osm")[0])
    return date_of_yymmdd(name_match.group(1)) if name_match else None


@dataclass
class RawEdges:
    """Directed edges with node coordinates, before cleaning (see :func:`graph.build_network`)."""

    node_ids: np.ndarray  # int64 OSM ids (or GraphML ids hashed), one per node index
    lon: np.ndarray
    lat: np.ndarray
    u: np.ndarray  # int64 node index
    v: np.ndarray
    length_m: np.ndarray
    road_class: np.ndarray  # uint8 code of speeds.ROAD_CLASSES
    maxspeed: np.ndarray  # float32 km/h, 0 = unknown
    stats: dict[str, Any] = field(default_factory=dict)


def oneway_direction(tags: dict[str, str], highway: str) -> int:
    """``1`` forward only, ``-1`` backward only, ``0`` both directions."""
    ow = (tags.get("oneway") or "").strip().lower()
    if ow in _FORWARD:
        return 1
    if ow in _BACKWARD:
        return -1
    if ow in ("no", "false", "0", "reversible", "alternating"):
        return 0
    junction = (tags.get("junction") or "").lower()
    if junction in ("roundabout", "circular") or highway == "motorway":
        return 1
    return 0


def drivable(tags: dict[str, str]) -> str | None:
    """The road class of a way usable by car, else ``None``."""
    hw = (tags.get("highway") or "").strip()
    if hw not in CLASS_CODE:
        return None
    if tags.get("area") == "yes":
        return None
    for key in ("motor_vehicle", "motorcar", "vehicle", "access"):
        val = tags.get(key)
        if val is not None:
            if val.lower() in _NO_ACCESS:
                return None
            break  # the most specific tag present decides
    return hw


class _Ways:
    """Drivable ways in compact typed buffers (8 bytes per value, not a Python object each), so big
    extracts fit in memory, and what was read."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.lons = array("d")
        self.lats = array("d")
        self.nodes_per_way = array("q")
        self.cls = array("B")
        self.direction = array("b")
        self.maxspeed = array("f")
        self.junk: dict[str, int] = {}
        self.stats: dict[str, Any] = {
            "ways_read": 0,
            "ways_used": 0,
            "ways_not_drivable": 0,
            "ways_missing_nodes": 0,
            "maxspeed_tagged": 0,
            "maxspeed_parsed": 0,
            "maxspeed_junk": [],
            "oneway_ways": 0,
            "by_class": {},
        }

    def add(self, w: Any) -> None:
        self.stats["ways_read"] += 1
        tags = {t.k: t.v for t in w.tags}
        hw = drivable(tags)
        if hw is None:
            self.stats["ways_not_drivable"] += 1
            return
        nid: list[int] = []
        nlon: list[float] = []
        nlat: list[float] = []
        for nd in w.nodes:
            loc = nd.location
            if not loc.valid():
                self.stats["ways_missing_nodes"] += 1
                return
            nid.append(nd.ref)
            nlon.append(loc.lon)
            nlat.append(loc.lat)
        if len(nid) < 2:
            self.stats["ways_missing_nodes"] += 1
            return
        d = oneway_direction(tags, hw)
        self.stats["oneway_ways"] += bool(d)
        self.ids.extend(nid)
        self.lons.extend(nlon)
        self.lats.extend(nlat)
        self.nodes_per_way.append(len(nid))
        self.cls.append(CLASS_CODE[hw])
        self.direction.append(d)
        self.maxspeed.append(self._maxspeed(tags.get("maxspeed")))
        self.stats["ways_used"] += 1
        self.stats["by_class"][hw] = self.stats["by_class"].get(hw, 0) + 1

    def _maxspeed(self, raw: str | None) -> float:
        if raw is None:
            return 0.0
        self.stats["maxspeed_tagged"] += 1
        parsed = parse_maxspeed(raw)
        if parsed is None:
            self.junk[raw] = self.junk.get(raw, 0) + 1
            return 0.0
        self.stats["maxspeed_parsed"] += 1
        return parsed

    def edges(self) -> RawEdges:
        self.stats["maxspeed_junk"] = sorted(self.junk.items(), key=lambda kv: -kv[1])[:20]
        return assemble(
            np.frombuffer(self.ids, dtype=np.int64),
            np.frombuffer(self.lons, dtype=np.float64),
            np.frombuffer(self.lats, dtype=np.float64),
            np.frombuffer(self.nodes_per_way, dtype=np.int64),
            np.frombuffer(self.cls, dtype=np.uint8),
            np.frombuffer(self.direction, dtype=np.int8),
            np.frombuffer(self.maxspeed, dtype=np.float32),
            self.stats,
        )


def read_osm(
    path: str | Path,
    *,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> RawEdges:
    """Read drivable ways of an OSM file into :class:`RawEdges`.

    Raises
    ------
    NetworkDataError
        Unreadable file, or no drivable road in it.
    """
    import osmium
    import osmium.filter

    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not p.is_file():
        raise NetworkDataError("road network file not found", file=p)
    ways = _Ways()
    try:
        fp = (
            osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for n_read, w in enumerate(fp):
            if n_read % 5000 == 0:
                prog.update(min(n_read / 1e6, 0.99), f"道路を読込中 {n_read:,} 本")
            ways.add(w)
    except Cancelled:
        raise
    except osmium.InvalidLocationError as exc:  # a node whose lat/lon the parser cannot read (nan, junk)
        raise NetworkDataError(
            f"cannot read OSM file: {exc}",
            file=p,
            expected="経度・緯度が数の OSM ファイル",
            hint="座標を読めないノードがあります。ファイルが壊れていないか確認し、ダウンロードし直してください。"
            "道路網は変更していません。",
        ) from None
    except RuntimeError as exc:
        raise NetworkDataError(f"cannot read OSM file: {exc}", file=p, expected=".osm.pbf / .osm") from None
    if not ways.nodes_per_way:
        raise NetworkDataError(
            "no drivable road (highway=motorway…service) in the file",
            file=p,
            hint="道路（highway タグ）を含む OSM ファイルを指定してください。",
        )
    prog.update(1.0, "道路網を構築中", force=True)
    return ways.edges()


def assemble(
    ids: np.ndarray,
    lons: np.ndarray,
    lats: np.ndarray,
    nodes_per_way: np.ndarray,
    way_cls: np.ndarray,
    way_dir: np.ndarray,
    way_ms: np.ndarray,
    stats: dict[str, Any],
) -> RawEdges:
    """Turn concatenated way node lists into directed edges (vectorised)."""
    uniq, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    lon = lons[first]
    lat = lats[first]
    ends = np.cumsum(nodes_per_way)
    seg_count = nodes_per_way - 1
    # every flat position that is not the last node of its way starts a segment
    way_of_seg = np.repeat(np.arange(len(nodes_per_way)), seg_count)
    is_last = np.zeros(len(ids), dtype=bool)
    is_last[ends - 1] = True
    a = np.flatnonzero(~is_last)
    a_idx = inv[a]
    b_idx = inv[a + 1]
    length = np.asarray(haversine_m(lon[a_idx], lat[a_idx], lon[b_idx], lat[b_idx]))  # type: ignore[no-untyped-call]
    cls = way_cls[way_of_seg]
    ms = way_ms[way_of_seg]
    d = way_dir[way_of_seg]
    fwd = d >= 0
    bwd = d <= 0
    u = np.concatenate([a_idx[fwd], b_idx[bwd]])
    v = np.concatenate([b_idx[fwd], a_idx[bwd]])
    return RawEdges(
        node_ids=uniq.astype(np.int64),
        lon=lon,
        lat=lat,
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        length_m=np.concatenate([length[fwd], length[bwd]]).astype(np.float32),
        road_class=np.concatenate([cls[fwd], cls[bwd]]).astype(np.uint8),
        maxspeed=np.concatenate([ms[fwd], ms[bwd]]).astype(np.float32),
        stats=stats,
    )
