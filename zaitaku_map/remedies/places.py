"""Where things are: the municipality a point lies in, and demand points grouped by area."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.strtree import STRtree

from zaitaku_map.coverage.inputs import Demand
from zaitaku_map.geodata import area_layer_names, area_membership, load_municipalities
from zaitaku_map.store import Project


class MunicipalityLocator:
    """Point → municipality code (ward level for 政令市) from the project's boundaries."""

    def __init__(self, codes: list[str], geoms: list[shapely.Geometry]) -> None:
        self.codes = codes
        self.geoms = geoms
        self.tree = STRtree(geoms) if geoms else None

    @classmethod
    def from_project(cls, project: Project) -> MunicipalityLocator:
        munis = load_municipalities(project)
        keep = munis.geometry.notna()
        return cls([str(c) for c in munis.loc[keep, "code"]], list(munis.geometry[keep]))

    def codes_at(self, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
        """Municipality code per point (None outside every municipality)."""
        out: list[str | None] = [None] * len(lon)
        if self.tree is None or len(lon) == 0:
            return out
        pts = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        pi, gi = self.tree.query(pts, predicate="intersects")
        for p, g in zip(pi.tolist(), gi.tolist(), strict=True):
            if out[p] is None:
                out[p] = self.codes[g]
        return out

    def code_at(self, lon: float, lat: float) -> str | None:
        return self.codes_at(np.array([lon]), np.array([lat]))[0]


@dataclass(frozen=True)
class Grouping:
    """Demand points grouped by area: ``index`` into ``keys`` per point (−1 = in no area)."""

    keys: list[str]
    names: dict[str, str]
    index: np.ndarray


def grouping(demand: Demand, mapping: dict[str, str], names: dict[str, str] | None = None) -> Grouping:
    """Group demand points by ``mapping`` (municipality code → area key)."""
    keys = sorted(set(mapping.values()))
    pos = {k: i for i, k in enumerate(keys)}
    idx = np.array(
        [pos.get(mapping.get(str(m), ""), -1) if m is not None else -1 for m in demand.df["muni_code"]],
        dtype=np.int64,
    )
    return Grouping(keys, dict(names or {}), idx)


def area_groups(
    project: Project,
    demand: Demand,
    *,
    layers: list[str] | None = None,
    extra: dict[str, dict[str, str]] | None = None,
) -> dict[str, Grouping]:
    """Groupings of the demand points: one per area layer (all by default) plus ``extra`` ones."""
    out: dict[str, Grouping] = {}
    for layer in area_layer_names(project) if layers is None else layers:
        members = area_membership(project, layer)
        out[layer] = grouping(
            demand, {m: a for m, (a, _n) in members.items()}, {a: n for a, n in members.values()}
        )
    for name, mapping in (extra or {}).items():
        out[name] = grouping(demand, mapping)
    return out


def sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Column sums of ``values`` per group index (rows with index −1 belong to no group)."""
    out = np.zeros((n, values.shape[1]), dtype=np.float64)
    ok = index >= 0
    np.add.at(out, index[ok], values[ok])
    return out
