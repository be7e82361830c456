"""Read the inputs of coverage from the project: demand points and facilities per category."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from zaitaku_map.coverage.facilities import COMBINED as COMBINED
from zaitaku_map.coverage.facilities import FacilitySet
from zaitaku_map.coverage.facilities import category_members as category_members
from zaitaku_map.geodata import load_demand_points, municipality_population
from zaitaku_map.labels import CATEGORIES, COMBINED_CATEGORY_LABELS, CORE_CATEGORIES
from zaitaku_map.store import Project

POP_COLUMNS = ("pop_total", "pop_65", "pop_75", "pop_85")
COMBINED_LABELS: dict[str, str] = COMBINED_CATEGORY_LABELS
DEFAULT_CATEGORIES: tuple[str, ...] = ("zaishi", *CORE_CATEGORIES)


def category_name(category: str) -> str:
    if category in COMBINED_LABELS:
        return COMBINED_LABELS[category]
    cat = CATEGORIES.get(category)
    return cat.label if cat else category


@dataclass
class Demand:
    """Demand points in result order (``fid`` order), or municipality representative points."""

    df: pd.DataFrame  # fid, muni_code, lon, lat, pop_total, pop_65, pop_75, pop_85
    coarse: bool  # True when municipality representative points stand in for mesh points
    content_hash: str

    @property
    def lon(self) -> np.ndarray:
        return np.asarray(self.df["lon"].to_numpy(dtype=np.float64))

    @property
    def lat(self) -> np.ndarray:
        return np.asarray(self.df["lat"].to_numpy(dtype=np.float64))

    def pop(self, column: str = "pop_total") -> np.ndarray:
        return np.asarray(np.nan_to_num(self.df[column].to_numpy(dtype=np.float64), nan=0.0))


def _hash_frame(df: pd.DataFrame, columns: list[str]) -> str:
    h = hashlib.sha256()
    for c in columns:
        col = df[c]
        if col.dtype.kind in "fi":
            h.update(np.ascontiguousarray(col.to_numpy(dtype=np.float64)).tobytes())
        else:
            h.update("\x1f".join("" if v is None else str(v) for v in col.tolist()).encode("utf-8"))
    return h.hexdigest()[:32]


def load_demand(project: Project) -> Demand:
    """Demand points of the project; municipality representative points as a coarser fallback."""
    df = load_demand_points(project)
    coarse = False
    if df.empty:
        coarse = True
        rows = project.conn.execute(
            "SELECT code, rep_lon, rep_lat FROM municipalities WHERE kind != 'designated_city' "
            "AND rep_lon IS NOT NULL ORDER BY code"
        ).fetchall()
        df = pd.DataFrame(rows, columns=["muni_code", "lon", "lat"])
        df = df.merge(municipality_population(project), on="muni_code", how="left")
        df.insert(0, "fid", np.arange(1, len(df) + 1))
    df = df[["fid", "muni_code", "lon", "lat", *POP_COLUMNS]].reset_index(drop=True)
    for c in ("lon", "lat", *POP_COLUMNS):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return Demand(df=df, coarse=coarse, content_hash=_hash_frame(df, list(df.columns)))


def load_facilities(project: Project, category: str, facilities: FacilitySet | None = None) -> pd.DataFrame:
    """Placed facilities of one category (or combined key such as ``zaishi``) of ``facilities``
    (default: the register's open facilities).

    Columns ``id, name, category, muni_code, lon, lat`` ordered by id.
    """
    if facilities is None:
        facilities = FacilitySet.from_project(project)
    return facilities.of_category(category)


def facilities_hash(df: pd.DataFrame) -> str:
    return _hash_frame(df, ["id", "lon", "lat"])
