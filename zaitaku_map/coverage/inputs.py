"""Read the inputs of coverage from the project: demand points and facilities per category."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.labels import CATEGORIES, COMBINED_CATEGORY_LABELS, CORE_CATEGORIES

POP_COLUMNS = ("pop_total", "pop_65", "pop_75", "pop_85")
# Combined categories usable everywhere a category key is (key -> member categories)
COMBINED: dict[str, tuple[str, ...]] = {"zaishi": ("zaishi_clinic", "zaishi_hospital")}
COMBINED_LABELS: dict[str, str] = COMBINED_CATEGORY_LABELS
DEFAULT_CATEGORIES: tuple[str, ...] = ("zaishi", *CORE_CATEGORIES)


def category_members(category: str) -> tuple[str, ...]:
    return COMBINED.get(category, (category,))


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


def load_demand(project: Any) -> Demand:
    """Demand points of the project; municipality representative points as a coarser fallback."""
    try:
        from zaitaku_map.geodata import load_demand_points

        df = load_demand_points(project)
    except ImportError:  # pragma: no cover - geodata always present in the product
        rows = project.conn.execute(
            "SELECT fid, muni_code, lon, lat, pop_total, pop_65, pop_75, pop_85 FROM demand_points ORDER BY fid"
        ).fetchall()
        df = pd.DataFrame(rows, columns=["fid", "muni_code", "lon", "lat", *POP_COLUMNS])
    coarse = False
    if df.empty:
        coarse = True
        rows = project.conn.execute(
            "SELECT code, rep_lon, rep_lat FROM municipalities WHERE kind != 'designated_city' "
            "AND rep_lon IS NOT NULL ORDER BY code"
        ).fetchall()
        df = pd.DataFrame(rows, columns=["muni_code", "lon", "lat"])
        try:
            from zaitaku_map.geodata import municipality_population

            pop = municipality_population(project)
        except ImportError:  # pragma: no cover
            pop = pd.DataFrame(columns=["muni_code", *POP_COLUMNS])
        df = df.merge(pop, on="muni_code", how="left")
        df.insert(0, "fid", np.arange(1, len(df) + 1))
    df = df[["fid", "muni_code", "lon", "lat", *POP_COLUMNS]].reset_index(drop=True)
    for c in ("lon", "lat", *POP_COLUMNS):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return Demand(df=df, coarse=coarse, content_hash=_hash_frame(df, list(df.columns)))


def load_facilities(project: Any, category: str) -> pd.DataFrame:
    """Open facilities with a position of one category (or combined key such as ``zaishi``).

    Columns ``id, name, category, muni_code, lon, lat`` ordered by id.
    """
    members = category_members(category)
    marks = ",".join("?" for _ in members)
    rows = project.conn.execute(
        f"SELECT id, name, category, muni_code, lon, lat FROM facilities WHERE status='open' "
        f"AND lon IS NOT NULL AND lat IS NOT NULL AND category IN ({marks}) ORDER BY id",
        members,
    ).fetchall()
    df = pd.DataFrame(rows, columns=["id", "name", "category", "muni_code", "lon", "lat"])
    df["lon"] = pd.to_numeric(df["lon"], errors="coerce").astype(float)
    df["lat"] = pd.to_numeric(df["lat"], errors="coerce").astype(float)
    df["id"] = df["id"].astype(np.int64)
    return df


def facilities_hash(df: pd.DataFrame) -> str:
    return _hash_frame(df, ["id", "lon", "lat"])
