"""Synthetic but real-shaped road networks for the network/coverage tests.

``write_region_osm`` writes an OSM XML road grid over the synthetic project's mainland (lon
133.0–133.3, lat 34.0–34.3) — primary/secondary/residential hierarchy, one-way pairs (``yes`` and
``-1``), a roundabout, mixed ``maxspeed`` tags incl. ``JP:urban``, ``40 mph`` and junk, a one-way
dead-end stub that must be dropped — plus a separate road grid on the island square (99207, lon
133.2–133.3, lat 33.85–33.95) with no road link to the mainland.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

MAIN = (133.0, 34.0, 133.3, 34.3)
ISLAND = (133.2, 33.85, 133.3, 33.95)


class OsmBuilder:
    def __init__(self) -> None:
        self.nodes: dict[int, tuple[float, float]] = {}
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self._next_node = 1
        self._next_way = 1

    def node(self, lon: float, lat: float) -> int:
        nid = self._next_node
        self._next_node += 1
        self.nodes[nid] = (round(lon, 7), round(lat, 7))
        return nid

    def way(self, refs: list[int], **tags: str) -> int:
        wid = self._next_way
        self._next_way += 1
        self.ways.append((wid, list(refs), dict(tags)))
        return wid

    def grid(self, bbox: tuple[float, float, float, float], step: float) -> list[list[int]]:
        x0, y0, x1, y1 = bbox
        nx_ = round((x1 - x0) / step) + 1
        ny_ = round((y1 - y0) / step) + 1
        return [[self.node(x0 + i * step, y0 + j * step) for i in range(nx_)] for j in range(ny_)]

    def write_xml(self, path: Path) -> Path:
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<osm version="0.6" generator="zaitaku-map tests">',
        ]
        for nid, (lon, lat) in self.nodes.items():
            lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
        for wid, refs, tags in self.ways:
            lines.append(f'  <way id="{wid}" version="1">')
            lines.extend(f'    <nd ref="{r}"/>' for r in refs)
            lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
            lines.append("  </way>")
        lines.append("</osm>")
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    def write_pbf(self, path: Path, *, header: dict[str, str] | None = None) -> Path:
        """Write a PBF; ``header`` options (e.g. ``osmosis_replication_timestamp``) go into its header."""
        import osmium

        path.unlink(missing_ok=True)
        hdr = osmium.io.Header()
        for k, v in (header or {}).items():
            hdr.set(k, v)
        with osmium.SimpleWriter(str(path), header=hdr) as w:
            for nid, (lon, lat) in self.nodes.items():
                w.add_node(osmium.osm.mutable.Node(id=nid, location=osmium.osm.Location(lon, lat), version=1))
            for wid, refs, tags in self.ways:
                w.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
        return path


_MAXSPEEDS = ["30", "JP:urban", "40 mph", "signals", "", "40;50", "none"]


def region_builder(step: float = 0.01, *, with_island: bool = True) -> OsmBuilder:
    """The road network described in the module docstring."""
    b = OsmBuilder()
    g = b.grid(MAIN, step)
    ny_, nx_ = len(g), len(g[0])
    for j in range(ny_):  # east-west streets
        row = g[j]
        if j % 10 == 0:
            b.way(row, highway="primary", maxspeed="50", name=f"国道{j}")
        elif j % 5 == 0:
            b.way(row, highway="secondary")
        elif j % 3 == 1:
            b.way(row, highway="residential", oneway="yes")
        elif j % 3 == 2:
            b.way(row[::-1], highway="residential", oneway="-1")  # drawn backwards, driven eastwards
        else:
            ms = _MAXSPEEDS[j % len(_MAXSPEEDS)]
            b.way(row, highway="residential", **({"maxspeed": ms} if ms else {}))
    for i in range(nx_):  # north-south streets, all two-way
        col = [g[j][i] for j in range(ny_)]
        if i % 10 == 0:
            b.way(col, highway="trunk", maxspeed="JP:rural")
        elif i % 4 == 0:
            b.way(col, highway="tertiary")
        else:
            b.way(col, highway="unclassified" if i % 2 else "residential")
    # a roundabout around one junction (implied one-way)
    cx, cy = MAIN[0] + 0.155, MAIN[1] + 0.155
    ring = [b.node(cx + dx, cy + dy) for dx, dy in ((0.002, 0), (0, 0.002), (-0.002, 0), (0, -0.002))]
    b.way([*ring, ring[0]], highway="tertiary", junction="roundabout")
    b.way([g[15][15], ring[0]], highway="tertiary")
    # a one-way dead-end stub (cannot return: dropped with its component)
    s1 = b.node(MAIN[0] + 0.005, MAIN[1] + 0.0035)
    s2 = b.node(MAIN[0] + 0.006, MAIN[1] + 0.0045)
    b.way([g[0][0], s1, s2], highway="service", oneway="yes")
    # things that are not drivable
    b.way([g[1][1], g[2][2]], highway="footway")
    b.way([g[3][3], g[4][4]], highway="residential", access="private")
    if with_island:
        gi = b.grid(ISLAND, step)
        for row in gi:
            b.way(row, highway="tertiary")
        for i in range(len(gi[0])):
            b.way([r[i] for r in gi], highway="residential")
    return b


def write_region_osm(path: Path, **kw: object) -> Path:
    return region_builder(**kw).write_xml(path)  # type: ignore[arg-type]
