"""Candidate sites for the suggestions: places a prefecture can actually act on.

- ``clinics``: open 診療所 that could register as 在支診;
- ``hospitals``: open hospitals with beds (or beds unknown) that could become 在支病;
- ``care``: care offices (介護施設・居宅介護支援・在宅介護サービス) that could host a 訪問看護 satellite;
- ``grid``: one site per cell of a regular grid over the populated cells (the road node nearest the
  cell's population-weighted centre on the road network, the centre itself in straight-line mode);
- a user file of sites (CSV with 経度/緯度 or lon/lat columns and an optional name, or a GIS point layer).

Exclusions by area drop candidates inside given municipalities or areas of a layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from zaitaku_map.coverage.inputs import Demand, category_members
from zaitaku_map.errors import InputDataError
from zaitaku_map.geo import metric_crs
from zaitaku_map.network.graph import RoadNetwork, to_metric
from zaitaku_map.remedies.facilities import GAIN_RULES
from zaitaku_map.remedies.places import MunicipalityLocator
from zaitaku_map.store import Project

CANDIDATE_COLUMNS = ["kind", "label", "category", "facility_id", "lon", "lat", "muni_code"]
FACILITY_SETS: dict[str, tuple[str, ...]] = {
    "clinics": ("clinic",),
    "hospitals": ("hospital",),
    "care": ("care_facility", "home_care_support", "home_care_service"),
}
DEFAULT_SETS: dict[str, tuple[str, ...]] = {
    "zaishi": ("clinics", "hospitals"),
    "zaishi_clinic": ("clinics",),
    "zaishi_hospital": ("hospitals",),
    "home_nursing": ("care",),
}
DEFAULT_GRID_M = 2000.0


class CandidateFileError(InputDataError):
    """A file of candidate sites cannot be used."""


@dataclass(frozen=True)
class CandidateSpec:
    """Which candidates to use: named sets, a grid, files, and areas to leave out."""

    sets: tuple[str, ...] = ()  # clinics | hospitals | care | grid (empty = the category's default)
    files: tuple[str, ...] = ()
    grid_m: float = DEFAULT_GRID_M
    exclude_munis: tuple[str, ...] = ()
    exclude_areas: tuple[tuple[str, str], ...] = ()  # (layer, area code or name)


def parse_candidates(text: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``"clinics,grid,sites.csv"`` → (named sets, files)."""
    sets: list[str] = []
    files: list[str] = []
    for part in (text or "").replace("、", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part in FACILITY_SETS or part == "grid":
            sets.append(part)
        elif Path(part).exists():
            files.append(part)
        else:
            raise InputDataError(
                "unknown candidate set (and no such file)",
                value=part,
                expected="clinics, hospitals, care, grid, or a file of sites",
            )
    return tuple(sets), tuple(files)


def facility_candidates(project: Project, which: str, category: str) -> pd.DataFrame:
    """Open, positioned facilities of a named set that could take on ``category``."""
    kinds = FACILITY_SETS[which]
    members = category_members(category)
    marks = ",".join("?" for _ in kinds)
    beds = " AND (beds IS NULL OR beds > 0)" if which == "hospitals" else ""
    rows = project.conn.execute(
        f"SELECT id, name, category, lon, lat, muni_code FROM facilities WHERE status='open' "
        f"AND lon IS NOT NULL AND lat IS NOT NULL AND category IN ({marks}){beds} ORDER BY id",
        kinds,
    ).fetchall()
    out = []
    for fid, name, cat, lon, lat, muni in rows:
        role = GAIN_RULES.get(cat)
        if role is None or role not in members:
            continue
        out.append(("facility", name, role, int(fid), float(lon), float(lat), muni))
    return pd.DataFrame(out, columns=CANDIDATE_COLUMNS)


def grid_candidates(
    demand: Demand, category: str, *, cell_m: float = DEFAULT_GRID_M, net: RoadNetwork | None = None
) -> pd.DataFrame:
    """One site per populated grid cell: the road node nearest its population-weighted centre."""
    if cell_m <= 0:
        raise InputDataError("grid cell size must be positive", value=cell_m)
    pop = demand.pop()
    ok = (pop > 0) & np.isfinite(demand.lon) & np.isfinite(demand.lat)
    if not ok.any():
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    crs = net.crs if net is not None else metric_crs(float(np.nanmedian(demand.lon)))
    x, y = to_metric(crs, demand.lon[ok], demand.lat[ok])
    p = pop[ok]
    cx, cy = (
        np.floor(np.asarray(x) / cell_m).astype(np.int64),
        np.floor(np.asarray(y) / cell_m).astype(np.int64),
    )
    cells = pd.DataFrame({"cx": cx, "cy": cy, "wx": np.asarray(x) * p, "wy": np.asarray(y) * p, "p": p})
    g = cells.groupby(["cx", "cy"], sort=True).sum()
    mx = (g["wx"] / g["p"]).to_numpy()
    my = (g["wy"] / g["p"]).to_numpy()
    if net is not None:
        _d, idx = net.nearest_nodes(mx, my)
        sel = idx >= 0
        idx = np.unique(idx[sel])  # two cells may share their nearest node
        lon, lat = net.lon[idx], net.lat[idx]
    else:
        from pyproj import Transformer

        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(mx, my)
    role = category_members(category)[0]
    n = len(lon)
    return pd.DataFrame(
        {
            "kind": "grid",
            "label": [f"格子{i + 1}" for i in range(n)],
            "category": role,
            "facility_id": pd.array([pd.NA] * n, dtype="Int64"),
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
            "muni_code": None,
        }
    )


_LON = ("lon", "longitude", "経度", "x", "lng")
_LAT = ("lat", "latitude", "緯度", "y")
_NAME = ("name", "label", "名称", "名前", "施設名", "候補地")


def _pick(columns: Iterable[str], names: tuple[str, ...]) -> str | None:
    norm = {str(c).strip().lower(): str(c) for c in columns}
    return next((norm[n] for n in names if n in norm), None)


def file_candidates(path: str | Path, category: str) -> pd.DataFrame:
    """Sites from a CSV (経度/緯度 or lon/lat, optional 名称) or a GIS point layer."""
    path = Path(path)
    role = category_members(category)[0]
    if path.suffix.lower() in (".gpkg", ".geojson", ".json", ".shp", ".zip"):
        import geopandas as gpd

        try:
            gdf = gpd.read_file(path).to_crs("EPSG:4326")
        except Exception as err:
            raise CandidateFileError(f"cannot read the file: {err}", file=path) from err
        pts = gdf[gdf.geometry.geom_type == "Point"]
        if pts.empty:
            raise CandidateFileError("no point features in the file", file=path)
        name_col = _pick(pts.columns, _NAME)
        labels = pts[name_col].astype(str).tolist() if name_col else [f"候補{i + 1}" for i in range(len(pts))]
        lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    else:
        df = _read_table(path)
        lon_c, lat_c = _pick(df.columns, _LON), _pick(df.columns, _LAT)
        if lon_c is None or lat_c is None:
            raise CandidateFileError(
                "no longitude/latitude columns",
                file=path,
                expected="経度・緯度（または lon・lat）の列",
                hint="1行目に「名称,経度,緯度」のような見出しを付けてください。",
            )
        lon = pd.to_numeric(df[lon_c], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(df[lat_c], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat))
        if len(bad):
            r = int(bad[0])
            raise CandidateFileError(
                "a row has no numeric longitude/latitude",
                file=path,
                row=r + 2,
                column=lon_c if not np.isfinite(lon[r]) else lat_c,
                value=df.iloc[r][lon_c if not np.isfinite(lon[r]) else lat_c],
            )
        name_col = _pick(df.columns, _NAME)
        labels = df[name_col].astype(str).tolist() if name_col else [f"候補{i + 1}" for i in range(len(df))]
    n = len(lon)
    return pd.DataFrame(
        {
            "kind": "file",
            "label": labels,
            "category": role,
            "facility_id": pd.array([pd.NA] * n, dtype="Int64"),
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
            "muni_code": None,
        }
    )


def _read_table(path: Path) -> pd.DataFrame:
    """The first table of a CSV/TSV (any encoding) or Excel file, through the one table reader."""
    from zaitaku_map.tabular import read_csv_table, read_xlsx_tables

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            tables = read_xlsx_tables(path)
            if not tables:
                raise CandidateFileError("no table in the workbook", file=path)
            return tables[0].frame
        return read_csv_table(path).frame
    except OSError as err:
        raise CandidateFileError(f"cannot read the file: {err}", file=path) from err


def build_candidates(
    project: Project,
    category: str,
    spec: CandidateSpec,
    *,
    demand: Demand,
    net: RoadNetwork | None,
    locator: MunicipalityLocator | None = None,
) -> pd.DataFrame:
    """The candidate table (``kind, label, category, facility_id, lon, lat, muni_code``)."""
    sets = spec.sets or (() if spec.files else DEFAULT_SETS.get(category, ("grid",)))
    parts: list[pd.DataFrame] = []
    for name in sets:
        if name == "grid":
            parts.append(grid_candidates(demand, category, cell_m=spec.grid_m, net=net))
        else:
            parts.append(facility_candidates(project, name, category))
    parts.extend(file_candidates(f, category) for f in spec.files)
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    missing = out["muni_code"].isna().to_numpy()
    if missing.any():
        loc = locator or MunicipalityLocator.from_project(project)
        out.loc[missing, "muni_code"] = loc.codes_at(
            out.loc[missing, "lon"].to_numpy(float), out.loc[missing, "lat"].to_numpy(float)
        )
    excluded = set(spec.exclude_munis) | _area_munis(project, spec.exclude_areas)
    if excluded:
        out = out[~out["muni_code"].isin(excluded)].reset_index(drop=True)
    return out


def _area_munis(project: Project, areas: tuple[tuple[str, str], ...]) -> set[str]:
    from zaitaku_map.geodata import area_membership

    out: set[str] = set()
    for layer, key in areas:
        members = area_membership(project, layer)
        hit = {m for m, (code, name) in members.items() if key in (code, name)}
        if not hit:
            raise InputDataError(
                "no such area in the layer",
                value=f"{layer}:{key}",
                expected=", ".join(sorted({f"{c} {n}" for c, n in members.values()})),
            )
        out |= hit
    return out
