"""Import a road network into the project and load it back (cached per process)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, TypedDict

from zaitaku_map.errors import NetworkDataError
from zaitaku_map.network.graph import RoadNetwork, build_network
from zaitaku_map.network.speeds import SpeedTable, load_speed_table
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.refdate import date_of_timestamp, resolve_reference_date
from zaitaku_map.store.project import Project

SPEED_SETTING = "coverage.speed_table"
_CACHE: dict[tuple[str, int, str], RoadNetwork] = {}
_LOCK = threading.Lock()


def detect_network_format(path: str | Path) -> str:
    """``osm_pbf`` | ``osm_xml`` | ``graphml`` from the name (and first bytes)."""
    p = Path(path)
    name = p.name.lower()
    if name.endswith(".pbf"):
        return "osm_pbf"
    if name.endswith((".graphml", ".graphml.gz", ".graphml.bz2")):
        return "graphml"
    if name.endswith((".osm", ".osm.gz", ".osm.bz2", ".osm.xml", ".xml")):
        try:
            with open(p, "rb") as fh:
                head = fh.read(400)
        except OSError:
            head = b""
        return "graphml" if b"<graphml" in head else "osm_xml"
    raise NetworkDataError(
        "unsupported road network file", file=p, expected=".osm.pbf / .osm (XML) / .graphml (osmnx)"
    )


def graphml_reference_date(path: str | Path) -> str | None:
    """The ``created_date`` osmnx writes as a graph attribute (at the end of the file), as ``YYYY-MM-DD``."""
    p = Path(path)
    if p.name.lower().endswith((".gz", ".bz2")):
        return None
    try:
        with open(p, "rb") as fh:
            head = fh.read(65536)
            m = re.search(rb'<key id="([^"]+)" for="graph" attr\.name="created_date"', head)
            if not m:
                return None
            fh.seek(max(p.stat().st_size - 65536, 0))
            tail = fh.read()
    except OSError:
        return None
    d = re.search(rb'<data key="' + re.escape(m.group(1)) + rb'">([^<]+)</data>', tail)
    return date_of_timestamp(d.group(1).decode("utf-8", "replace")) if d else None


class RoadsReport(TypedDict):
    """What :func:`import_roads` did."""

    ok: bool
    network_id: int
    file: str
    format: str
    nodes: int
    edges: int
    content_hash: str
    source_id: int
    reference_date: str | None
    reference_date_origin: str | None
    stored_mb: float
    report: dict[str, Any]
    speed_table: dict[str, Any]


def import_roads(
    project: Project,
    path: str | Path,
    *,
    speed_table: SpeedTable | str | Path | None = None,
    min_component_nodes: int = 50,
    reference_date: str | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> RoadsReport:
    """Import an OSM extract or osmnx GraphML as the project's active road network.

    The previous network is replaced (all-or-nothing in one transaction).  A ``speed_table``
    (object or JSON/CSV path) becomes the project's default for coverage.  ``reference_date``
    (基準日) defaults to the file's own date: the OSM header's replication timestamp, a
    Geofabrik-style name (``…-251001.osm.pbf``) or osmnx's ``created_date``.

    Returns
    -------
    dict with ``network_id, nodes, edges, content_hash``, the cleaning report (components kept
    and dropped, edges by class, maxspeed parse counts), the source id and ``reference_date`` /
    ``reference_date_origin`` (``argument`` | ``file_header`` | ``file_name`` | ``None``).
    """
    from zaitaku_map.network.graphml import read_graphml
    from zaitaku_map.network.osm import osm_header_date, osm_name_date, read_osm

    prog = Progress.of(progress, cancel)
    p = Path(path)
    if not p.is_file():
        raise NetworkDataError("road network file not found", file=p)
    table = load_speed_table(speed_table) if isinstance(speed_table, str | Path) else speed_table
    fmt = detect_network_format(p)
    if fmt == "graphml":
        ref, origin = resolve_reference_date(
            reference_date, ("file_header", lambda: graphml_reference_date(p))
        )
    else:
        ref, origin = resolve_reference_date(
            reference_date,
            ("file_header", lambda: osm_header_date(p)),
            ("file_name", lambda: osm_name_date(p)),
        )
    reader = read_graphml if fmt == "graphml" else read_osm
    raw = reader(p, progress=prog.step(0.7), cancel=cancel)
    prog.step(0.1).update(0, "強連結成分を抽出中", force=True)
    net, report = build_network(raw, min_component_nodes=min_component_nodes)
    if net.n_nodes == 0:
        raise NetworkDataError("no connected road network left after cleaning", file=p)
    blob = net.to_bytes()
    prog.check()
    summary = {"format": fmt, "read": raw.stats, **report, "stored_bytes": len(blob)}
    with project.transaction():
        src = project.add_source(
            kind="roads",
            format=fmt,
            path=p,
            rows_read=int(raw.stats.get("ways_read", raw.stats.get("edges_read", 0))),
            summary=summary,
            reference_date=ref,
        )
        project.conn.execute("DELETE FROM road_networks")
        cur = project.conn.execute(
            "INSERT INTO road_networks (name, source_id, n_nodes, n_edges, active, content_hash, summary_json, data) "
            "VALUES (?,?,?,?,1,?,?,?)",
            (
                p.name,
                src,
                net.n_nodes,
                net.n_edges,
                net.content_hash,
                json.dumps(summary, ensure_ascii=False, default=str),
                blob,
            ),
        )
        if table is not None:
            project.conn.execute(
                "INSERT OR REPLACE INTO project_settings (key, value_json) VALUES (?, ?)",
                (SPEED_SETTING, json.dumps(table.to_dict(), ensure_ascii=False)),
            )
    prog.step(0.2).update(1.0, "完了", force=True)
    net_id = int(cur.lastrowid or 0)
    with _LOCK:
        _CACHE[(str(project.path), net_id, net.content_hash)] = net
    return {
        "ok": True,
        "network_id": net_id,
        "file": str(p),
        "format": fmt,
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "content_hash": net.content_hash,
        "source_id": src,
        "reference_date": ref,
        "reference_date_origin": origin,
        "stored_mb": round(len(blob) / 1e6, 2),
        "report": summary,
        "speed_table": (table or SpeedTable()).to_dict(),
    }


def load_network(project: Project) -> RoadNetwork | None:
    """The project's active road network (``None`` when none was imported); cached per process."""
    row = project.conn.execute(
        "SELECT id, content_hash, summary_json FROM road_networks WHERE active=1 AND data IS NOT NULL "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    key = (str(project.path), int(row[0]), str(row[1]))
    with _LOCK:
        net = _CACHE.get(key)
    if net is not None:
        return net
    data = project.conn.execute("SELECT data FROM road_networks WHERE id=?", (row[0],)).fetchone()[0]
    summary = json.loads(row[2]) if row[2] else {}
    net = RoadNetwork.from_bytes(bytes(data), summary=summary)
    with _LOCK:
        _CACHE.clear()  # one network per process is enough memory
        _CACHE[key] = net
    return net


def project_speed_table(project: Project) -> SpeedTable | None:
    """The speed table saved with the project (by ``roads --speed-table``), if any."""
    data = project.setting(SPEED_SETTING)
    return SpeedTable.from_dict(data) if data else None
