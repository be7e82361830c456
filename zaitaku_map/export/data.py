"""Everything an export needs about one 圏域 option, gathered once.

The export writers (PDF, CSV, XLSX, GeoPackage) never query the store themselves; they read an
:class:`ExportData` built here from the public functions of the other domains
(``options.get_option`` / ``ken_polygons`` / ``facility_functions``, ``geodata.load_municipalities``,
``geodata.municipality_population``) plus the provenance tables (``sources``, ``facility_records``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from zaitaku_map import __version__
from zaitaku_map.coverage.facilities import HYPOTHETICAL_ID_BASE
from zaitaku_map.demand.sources import source_titles
from zaitaku_map.errors import ExportError
from zaitaku_map.export.colors import assign_colors
from zaitaku_map.export.request import ExportRequest
from zaitaku_map.geodata import load_municipalities, municipality_population
from zaitaku_map.labels import (
    ATTRIBUTION,
    CATEGORIES,
    EXPORT_TEXT,
    FUNCTIONS,
    GEOCODE_LEVELS,
    ROLE_SHORT,
    category_label,
)
from zaitaku_map.options import adjacency, facility_functions, get_option, ken_polygons
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.coverage import FacilitySet

# short source names for the per-facility "出典" column
FORMAT_SHORT = {
    "iryojoho": "医療情報ネット",
    "kaigo": "介護サービス公表",
    "kouseikyoku": "厚生局名簿",
    "table": "表",
    "gis": "GIS",
}

UNKNOWN_KEN = ""  # ken_key of facilities whose 圏域 cannot be determined (no position, no municipality)

# geocode levels whose position is only approximate (drawn hollow, marked in the lists)
APPROXIMATE_LEVELS = frozenset({"municipality", "town"})

SOURCE_KIND_LABEL = {
    "facilities": "施設",
    "boundaries": "行政区域",
    "areas": "圏域レイヤー",
    "population": "人口",
    "roads": "道路",
    "geocode_reference": "位置参照",
    "projection": "将来推計",
    "partner_agreements": "協力医療機関の届出",
}
FORMAT_LABEL = {
    "agreements_table": "都道府県の集計表",
    "iryojoho": "医療情報ネット",
    "kaigo": "介護サービス情報公表システム",
    "kouseikyoku": "地方厚生局 届出受理医療機関名簿",
    "n03": "国土数値情報（行政区域）",
    "a38": "国土数値情報（医療圏）",
    "estat_mesh": "国勢調査 地域メッシュ統計",
    "osm_pbf": "OpenStreetMap",
    "area_table": "圏域の対応表",
    "table": "表（CSV・Excel）",
    "gis": "GIS レイヤー",
    "isj_town": "位置参照情報（町字）",
    "isj_block": "位置参照情報（街区）",
    "town_json": "町丁目代表点（JSON）",
    "population_table": "市区町村別人口表",
    "area_population_table": "圏域別人口表",
    "ksj_mesh_projection": "国土数値情報 将来推計人口メッシュ",
    "graphml": "道路ネットワーク（GraphML）",
    "mhlw_demand": "構想区域別の医療需要推計（厚生労働省）",
    "projection": "将来推計人口（市区町村別）",
    "use_rates": "利用率の表",
}


def attribution_key(fmt: str | None) -> str | None:
    """Key of :data:`zaitaku_map.labels.ATTRIBUTION` for a ``sources.format`` value."""
    f = (fmt or "").lower()
    if f == "town_json":  # 町丁目代表点 JSON (e.g. Geolonia's) are derived from 位置参照情報
        return "isj"
    if f == "ksj_mesh_projection":
        return "ksj_mesh"
    for key in ("n03", "a38", "iryojoho", "kaigo", "kouseikyoku", "osm", "estat", "isj", "demo"):
        if key in f:
            return key
    return None


def attribution_keys(source: dict[str, Any]) -> list[str]:
    """Attribution keys of one ``sources`` row (the format's, plus Geolonia's for its address files)."""
    keys = [k] if (k := attribution_key(source.get("format"))) else []
    if source.get("format") == "town_json" and "geolonia" in str(source.get("file_name") or "").lower():
        keys.append("geolonia")
    return keys


@dataclass
class ScenarioOverlay:
    """A what-if scenario as exports show it.

    ``facility_set`` is what coverage and the evaluation run on (hypothetical facilities included);
    ``sites`` (hypothetical facilities: key, label, category, origin, muni_code, point) and
    ``changed`` (real facilities the scenario changes: id, name, category, change
    closed|gains|moved, gains, point at the scenario position) are what a map draws over the register.
    Neither ever enters the facility lists.
    """

    name: str
    facility_set: FacilitySet
    sites: gpd.GeoDataFrame
    changed: gpd.GeoDataFrame


def scenario_overlay(project: Project, name: str) -> ScenarioOverlay:
    """The stored scenario ``name`` for exports.

    Raises
    ------
    zaitaku_map.remedies.ScenarioNotFoundError
        When the project has no scenario of that name.
    """
    from zaitaku_map.remedies import get_scenario
    from zaitaku_map.remedies.coverage import changed_frame, site_frame
    from zaitaku_map.remedies.facility_set import facility_set

    sc = get_scenario(project, name)
    return ScenarioOverlay(
        sc.name,
        facility_set(project, sc.state, label=sc.name),
        site_frame(sc.state),
        changed_frame(project, sc.state),
    )


@dataclass
class YearFigures:
    """The 訪問診療 demand and 75+ population of each 圏域 in one projection 年度."""

    year: int
    demand: dict[str, float | None]  # ken_key -> レセプト件数/月 of the year
    pop75: dict[str, float | None]  # ken_key -> projected 75+ population of the year
    method: str  # how the demand was cut into the 圏域 (Japanese line)
    citations: list[str]  # the projection sources with their editions


def year_figures(project: Project, option: str, year: int) -> YearFigures:
    """Demand and 75+ population per 圏域 of ``option`` in ``year`` (from the imported projections).

    Raises
    ------
    ExportError
        When the project holds no projections, or none for ``year``.
    """
    from zaitaku_map.demand.population import at_year
    from zaitaku_map.demand.sources import citations
    from zaitaku_map.export.demand_pages import demand_of_option
    from zaitaku_map.labels import DEMAND_KEYS, DEMAND_METHODS

    od = demand_of_option(project, option)
    if od.method is None and not any(k.population for k in od.kens):
        raise ExportError(
            f"no projections in the project for {year}",
            value=year,
            hint="zaitaku-map projection で将来推計（需要推計・推計人口）を取り込むか、年度を指定せずに出力してください",
        )
    demand = {k.ken_key: None if not k.values else at_year(k.values, year) for k in od.kens}
    pop75 = {
        k.ken_key: None if not k.population.get("75+") else at_year(k.population["75+"], year)
        for k in od.kens
    }
    if all(v is None for v in [*demand.values(), *pop75.values()]):
        raise ExportError(
            f"the projections hold no value for {year}",
            value=year,
            expected=", ".join(str(y) for y in od.years),
            hint="取り込んだ推計にある年度を指定してください",
        )
    if od.method is None:
        method = EXPORT_TEXT["year_method"].format(method="－")
    else:
        key = (
            f"（{DEMAND_KEYS.get(od.key or '', od.key)}で按分）"
            if od.method == "apportioned" and od.key
            else ""
        )
        method = EXPORT_TEXT["year_method"].format(method=DEMAND_METHODS[od.method] + key)
    return YearFigures(year, demand, pop75, method, [c.text for c in citations(project)])


@dataclass
class ExportData:
    """One option's 圏域, municipalities, facilities and provenance, ready to draw or tabulate."""

    project_name: str
    option_name: str
    option_meta: dict[str, Any]
    kens: gpd.GeoDataFrame  # ken_key, name, color, units, n_units, pop_*, geometry (EPSG:4326)
    munis: gpd.GeoDataFrame  # code, name, full_name, ken_key, geometry (EPSG:4326)
    facilities: pd.DataFrame  # one row per open facility (see :func:`_facilities`)
    hubs: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    is_demo: bool
    request: ExportRequest
    ken_neighbours: dict[str, set[str]] = field(default_factory=dict)  # 圏域 sharing a border
    scenario: ScenarioOverlay | None = None
    year: YearFigures | None = None
    created: str = field(default_factory=lambda: dt.date.today().isoformat())
    version: str = __version__

    @property
    def ken_order(self) -> list[str]:
        return list(self.kens["ken_key"])

    @property
    def facility_set(self) -> FacilitySet | None:
        """The facility set coverage and the evaluation run on (``None``: the register)."""
        return None if self.scenario is None else self.scenario.facility_set

    @property
    def title_name(self) -> str:
        """「案A」, or 「案A＋シナリオ1」 under a scenario."""
        return self.option_name if self.scenario is None else f"{self.option_name}＋{self.scenario.name}"

    def shown_facilities(self, *, every_category: bool = False) -> pd.DataFrame:
        """The facilities a map shows (placed or not): those of the request's map categories
        (:attr:`ExportRequest.map_category_set`), under a scenario at their scenario state
        (switched-off ones left out, moved ones at their new place, re-categorised ones in their new
        category).  Hypothetical facilities are never among them: maps draw them from
        :attr:`scenario`.  ``every_category``: all categories of :attr:`facilities` (the HTML map
        holds them all, the ones not shown switched off)."""
        fac = self.facilities
        if self.scenario is not None:
            fac = _scenario_state(fac, self.scenario.facility_set)
        shown = self.request.map_category_set
        if shown is not None and not every_category:
            fac = fac[fac["category"].isin(shown)]
        return fac

    @property
    def map_facilities(self) -> pd.DataFrame:
        """The placed ones of :meth:`shown_facilities` (what a map draws)."""
        fac = self.shown_facilities()
        return fac[fac["placed"]]

    def hidden_categories(self) -> dict[str, int]:
        """Categories present in the facilities but not drawn on maps, with their counts."""
        shown = self.request.map_category_set
        if shown is None or not len(self.facilities):
            return {}
        counts = self.facilities["category"].value_counts()
        return {c: int(counts[c]) for c in self.categories_present() if c not in shown}

    def ken_names(self) -> dict[str, str]:
        """``{ken_key: name}`` of the option's 圏域 plus the unknown-圏域 row's name (for mapping whole
        columns: one dict lookup per row, not a frame filter)."""
        names = {str(k): str(n) for k, n in zip(self.kens["ken_key"], self.kens["name"], strict=True)}
        names[UNKNOWN_KEN] = EXPORT_TEXT["unknown_ken"]
        return names

    def ken_name(self, key: str | None, names: dict[str, str] | None = None) -> str:
        """The 圏域's name (the key itself when unknown to the option); ``names`` = :meth:`ken_names`
        when calling row by row."""
        if key is None:
            return EXPORT_TEXT["unknown_ken"]
        return (self.ken_names() if names is None else names).get(key, str(key))

    def categories_present(self) -> list[str]:
        present = set(self.facilities["category"]) if len(self.facilities) else set()
        ordered = [k for k in CATEGORIES if k in present]
        return ordered + sorted(present - set(ordered))

    def attributions(self) -> list[str]:
        """Attribution strings of the data kinds present (labels.ATTRIBUTION)."""
        return attributions(self.sources, is_demo=self.is_demo)

    def source_lines(self, *, kinds: tuple[str, ...] | None = None) -> list[str]:
        """One Japanese line per (kind, format, reference date): 「施設: 医療情報ネット（2025-10-01 時点）」."""
        return source_lines(self.sources, kinds=kinds)


def attributions(sources: list[dict[str, Any]], *, is_demo: bool) -> list[str]:
    """Attribution strings of the data kinds among ``sources`` (rows of :func:`project_sources`)."""
    keys: list[str] = []
    for s in sources:
        for k in attribution_keys(s):
            if k in ATTRIBUTION and k not in keys:
                keys.append(k)
    if is_demo and "demo" not in keys:
        keys.append("demo")
    return [ATTRIBUTION[k] for k in keys]


def source_lines(sources: list[dict[str, Any]], *, kinds: tuple[str, ...] | None = None) -> list[str]:
    """One Japanese line per (kind, format, reference date) of ``sources`` (rows of :func:`project_sources`)."""
    seen: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for s in sources:
        if kinds and s["kind"] not in kinds:
            continue
        fmt_label = s.get("title") or FORMAT_LABEL.get(s["format"], s["format"])
        key = (SOURCE_KIND_LABEL.get(s["kind"], s["kind"]), fmt_label)
        dates, imported = seen.setdefault(key, ([], []))
        date = s.get("reference_date")
        if date and date not in dates:
            dates.append(date)
        day = str(s.get("imported_at") or "")[:10]
        if not date and day and day not in imported:
            imported.append(day)
    lines = []
    for (kind, fmt), (dates, imported) in seen.items():
        parts = ["・".join(sorted(dates)) + " 時点"] if dates else []
        if imported:  # no reference date in the file: say so, with the day it was imported
            parts.append("基準日不明・取込 " + "・".join(sorted(imported)))
        lines.append(f"{kind}: {fmt}（{'、'.join(parts) or '基準日不明'}）")
    return lines


def _scenario_state(fac: pd.DataFrame, fs: FacilitySet) -> pd.DataFrame:
    """The register frame at a scenario's state: rows switched off dropped, moved rows at their new
    position (exact, no longer approximate), re-categorised rows in their new category."""
    real = {f.id: f for f in fs if f.id < HYPOTHETICAL_ID_BASE}
    out = fac[fac["id"].map(lambda i: int(i) in real)].copy()
    if out.empty:
        return out
    edits = [real[int(i)] for i in out["id"]]
    lon = np.array([np.nan if f.lon is None else f.lon for f in edits], dtype=float)
    lat = np.array([np.nan if f.lat is None else f.lat for f in edits], dtype=float)
    moved = ~(
        np.isclose(lon, out["lon"].to_numpy(dtype=float)) & np.isclose(lat, out["lat"].to_numpy(dtype=float))
    )
    moved &= ~np.isnan(lon)
    out["category"] = [f.category for f in edits]
    out["lon"], out["lat"] = lon, lat
    out["placed"] = ~np.isnan(lon) & ~np.isnan(lat)
    out["approximate"] = out["approximate"].to_numpy(dtype=bool) & ~moved
    return out


def _option_meta(
    project: Project, name: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, str]]:
    """(meta incl. hubs, kens key->{name,color}, assignments unit->ken) of an option."""
    opt = get_option(project, name)
    kens = {str(k): dict(v) for k, v in dict(opt.kens).items()}
    assignments = {str(k): str(v) for k, v in dict(opt.assignments).items()}
    meta = {
        k: getattr(opt, k, None)
        for k in ("name", "template", "notes", "author", "plan_period", "base_layer")
        if getattr(opt, k, None) is not None
    }
    meta["hubs"] = [dict(h) for h in getattr(opt, "hubs", [])]
    return meta, kens, assignments


def _functions(project: Project) -> dict[int, set[int]]:
    return {int(k): {int(x) for x in v} for k, v in facility_functions(project).items()}


def project_sources(project: Project) -> list[dict[str, Any]]:
    """Every ``sources`` row of the project as a dict (id, kind, format, file_name, reference_date, imported_at)."""
    rows = project.conn.execute(
        "SELECT id, kind, format, file_name, reference_date, imported_at FROM sources ORDER BY kind, reference_date"
    ).fetchall()
    titles = source_titles(project)  # projection files by their own titles and editions
    out = [
        dict(zip(("id", "kind", "format", "file_name", "reference_date", "imported_at"), r, strict=True))
        for r in rows
    ]
    for s in out:
        if s["id"] in titles:
            s["title"] = titles[s["id"]]
    return out


def _facility_sources(project: Project) -> dict[int, tuple[str, str]]:
    """facility id -> (source text, latest reference date)."""
    out: dict[int, tuple[list[str], list[str]]] = {}
    q = (
        "SELECT r.facility_id, s.format, s.file_name, s.reference_date FROM facility_records r "
        "JOIN sources s ON s.id = r.source_id WHERE r.status = 'current' ORDER BY r.facility_id, s.id"
    )
    for fid, fmt, fname, ref in project.conn.execute(q):
        names, dates = out.setdefault(int(fid), ([], []))
        label = FORMAT_SHORT.get(fmt) or FORMAT_LABEL.get(fmt, fname or fmt)
        if label not in names:
            names.append(label)
        if ref and ref not in dates:
            dates.append(ref)
    return {k: ("・".join(n), max(d) if d else "") for k, (n, d) in out.items()}


_ENTITY_PREFIXES = (
    "社会医療法人",
    "特定医療法人",
    "医療法人社団",
    "医療法人財団",
    "医療法人",
    "社会福祉法人",
    "一般社団法人",
    "公益社団法人",
    "一般財団法人",
    "公益財団法人",
    "特定非営利活動法人",
    "地方独立行政法人",
    "独立行政法人",
    "株式会社",
    "有限会社",
    "合同会社",
    "(医)",
    "(医社)",
    "(医財)",
    "(社福)",
    "(株)",
    "(有)",
)


def kana_key(kana: Any, name: Any) -> str:
    """Sort key in 五十音 order: the source's フリガナ (katakana folded to hiragana, NFKC, no spaces),
    else the name without a leading legal-entity prefix (医療法人社団… / 株式会社…), so a list is not
    ordered by the kind of corporation."""
    text = unicodedata.normalize("NFKC", str(kana)) if isinstance(kana, str) and kana.strip() else ""
    if text:
        return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text if not c.isspace())
    base = unicodedata.normalize("NFKC", str(name or ""))
    base = "".join(c for c in base if not c.isspace())
    for prefix in _ENTITY_PREFIXES:
        if base.startswith(prefix) and len(base) > len(prefix):
            base = base[len(prefix) :]
            break
    # a corporation name followed by the facility name: 「○○会 △△クリニック」 → keep the whole rest
    return "\uffff" + base  # names without a reading sort after those with one (code order among them)


def _designations(project: Project) -> dict[int, list[str]]:
    des: dict[int, list[str]] = {}
    for fid, code in project.conn.execute(
        "SELECT facility_id, code FROM designations WHERE current = 1 AND code IS NOT NULL ORDER BY id"
    ):
        des.setdefault(int(fid), []).append(str(code))
    return des


def _ken_of_facilities(
    df: pd.DataFrame, munis: gpd.GeoDataFrame, kens: gpd.GeoDataFrame, assign: dict[str, str]
) -> pd.Series:
    """圏域 of each facility: by its municipality, else by its position, else by its city's 圏域
    (units may be wards while a facility's muni_code is its city, or the other way round)."""
    parent = dict(zip(munis["code"], munis.get("parent_code", pd.Series([None] * len(munis))), strict=False))
    ken = df["muni_code"].map(assign)
    missing = ken.isna() & df["lon"].notna()
    if missing.any() and len(kens):
        pts = gpd.GeoDataFrame(
            df.loc[missing, ["id"]],
            geometry=gpd.points_from_xy(df.loc[missing, "lon"], df.loc[missing, "lat"]),
            crs="EPSG:4326",
        )
        hit = gpd.sjoin(pts, kens[["ken_key", "geometry"]], how="left", predicate="within")
        hit = hit[~hit.index.duplicated()]
        ken.loc[missing] = hit["ken_key"].reindex(df.index[missing]).to_numpy()
    still = ken.isna()
    if still.any():
        ken.loc[still] = df.loc[still, "muni_code"].map(lambda c: assign.get(parent.get(c) or ""))
    return ken.where(ken.notna(), None)


def _facilities(
    project: Project,
    munis: gpd.GeoDataFrame,
    kens: gpd.GeoDataFrame,
    assign: dict[str, str],
    hubs: list[dict[str, Any]],
) -> pd.DataFrame:
    """One row per open facility with its 圏域, labels and provenance.

    Facilities without a position (not geocoded yet, or unresolved) keep ``lon``/``lat`` NaN: they
    are listed (位置未確定) and never drawn.
    """
    df = pd.read_sql_query(
        "SELECT id, category, subtype, name, name_kana, address, muni_code, phone, lon, lat, geocode_level, "
        "active_role FROM facilities WHERE status = 'open' ORDER BY category, name_norm, id",
        project.conn,
    )
    for col in ("lon", "lat"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    des = _designations(project)
    funcs = _functions(project)
    srcs = _facility_sources(project)
    muni_name = dict(
        zip(munis["code"], munis.get("full_name", munis["name"]).fillna(munis["name"]), strict=False)
    )
    parent = dict(zip(munis["code"], munis.get("parent_code", pd.Series([None] * len(munis))), strict=False))
    df["ken_key"] = _ken_of_facilities(df, munis, kens, assign)
    hub_by_fac: dict[int, list[str]] = {}
    for h in hubs:
        if h.get("facility_id") is not None:
            hub_by_fac.setdefault(int(h["facility_id"]), []).append(h["ken_key"])
    known = set(munis["code"]) | {p for p in parent.values() if isinstance(p, str)}
    placed = df["lon"].notna() & df["lat"].notna()
    # no 圏域 because neither position nor municipality is known: listed apart, never dropped
    df["ken_unknown"] = df["ken_key"].isna() & ~placed & ~df["muni_code"].isin(known)
    df["category_label"] = df["category"].map(category_label)
    df["subtype"] = [
        " ".join(x for x in [s if isinstance(s, str) else "", "・".join(des.get(int(i), []))] if x).strip()
        for s, i in zip(df["subtype"], df["id"], strict=True)
    ]
    df["muni_name"] = df["muni_code"].map(muni_name).fillna("")
    df["muni_order"] = df["muni_code"].fillna("99999").astype(str)
    df["kana_key"] = [kana_key(k, n) for k, n in zip(df["name_kana"], df["name"], strict=True)]
    df["phone"] = df["phone"].fillna("").astype(str)
    df["hub"] = [int(i) in hub_by_fac for i in df["id"]]
    df["active_role"] = df["active_role"].fillna(0).astype(int).astype(bool)
    df["roles"] = [
        "・".join(r for r, on in ((ROLE_SHORT["active_role"], a), (ROLE_SHORT["hub"], h)) if on)
        for a, h in zip(df["active_role"], df["hub"], strict=True)
    ]
    df["function_set"] = [sorted(funcs.get(int(i), set())) for i in df["id"]]
    df["functions"] = ["".join(FUNCTIONS[f][0] for f in fs if f in FUNCTIONS) for fs in df["function_set"]]
    df["placed"] = placed
    df["approximate"] = placed & df["geocode_level"].isin(APPROXIMATE_LEVELS)
    df["precision"] = df["geocode_level"].map(lambda v: GEOCODE_LEVELS.get(v or "unresolved", v))
    df.loc[~placed, "precision"] = GEOCODE_LEVELS["unresolved"]
    df["source"] = [srcs.get(int(i), ("", ""))[0] for i in df["id"]]
    df["reference_date"] = [srcs.get(int(i), ("", ""))[1] for i in df["id"]]
    df["address"] = df["address"].fillna("")
    return df


def _ken_frame(
    project: Project, option: str, ken_defs: dict[str, dict[str, Any]], munis: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The option's 圏域 in definition order, with their municipalities and population."""
    kens = ken_polygons(project, option, display=True)[["ken_key", "name", "color", "geometry"]].copy()
    if kens.crs is None:
        kens = kens.set_crs("EPSG:4326")
    kens = kens.to_crs("EPSG:4326")
    order = {k: i for i, k in enumerate(ken_defs)}
    kens = kens.assign(_o=kens["ken_key"].map(lambda k: order.get(k, len(order)))).sort_values(
        ["_o", "ken_key"]
    )
    kens = kens.drop(columns="_o").reset_index(drop=True)
    if kens.empty:
        raise ExportError(
            f"option has no 圏域 with municipalities: {option}",
            value=option,
            hint="圏域案に市区町村を割り当ててから出力してください",
        )
    pop = municipality_population(project)
    pop = pop.set_index("muni_code") if "muni_code" in pop else pd.DataFrame()
    units: list[str] = []
    n_units: list[int] = []
    pops: dict[str, list[float]] = {c: [] for c in ("pop_total", "pop_65", "pop_75", "pop_85")}
    for key in kens["ken_key"]:
        m = munis[munis["ken_key"] == key]
        units.append("・".join(m["full_name"].astype(str)))
        n_units.append(len(m))
        for c in pops:
            vals = pop[c].reindex(m["code"]) if c in pop else pd.Series(dtype=float)
            pops[c].append(
                float(np.nansum(vals.to_numpy(dtype=float))) if len(vals) and vals.notna().any() else np.nan
            )
    kens["units"] = units
    kens["n_units"] = n_units
    for c, v in pops.items():
        kens[c] = v
    return kens


def ken_neighbours(project: Project, munis: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """圏域 key -> keys of the 圏域 sharing a border (from the municipalities' adjacency)."""
    ken_of = dict(zip(munis["code"], munis["ken_key"], strict=True))
    out: dict[str, set[str]] = {}
    for unit, nbrs in adjacency(project).items():
        a = ken_of.get(unit)
        if not isinstance(a, str):
            continue
        for v in nbrs:
            b = ken_of.get(v)
            if isinstance(b, str) and b != a:
                out.setdefault(a, set()).add(b)
                out.setdefault(b, set()).add(a)
    return out


def load_export_data(project: Project, request: ExportRequest) -> ExportData:
    """Gather the data of ``request.option`` for the export writers (only the requested categories).

    The 圏域 colours come from colouring the 圏域 adjacency graph with a colour-blind-safe palette
    (:func:`zaitaku_map.export.colors.assign_colors`), so neighbours always differ strongly and a
    stored colour that is not ``#rrggbb`` can never reach a writer.

    With ``request.scenario`` the data carry the scenario (:class:`ScenarioOverlay`: its facility set
    for coverage and evaluation, its hypothetical facilities and edits for maps) while
    ``facilities`` stays the register; with ``request.year`` the 圏域 carry ``demand_year`` and
    ``pop75_year`` of that 年度 (:class:`YearFigures`).

    Raises
    ------
    ExportError
        When the option does not exist or has no 圏域, or the year has no projection.
    zaitaku_map.remedies.ScenarioNotFoundError
        When the scenario does not exist.
    """
    option = request.option
    meta, ken_defs, assign = _option_meta(project, option)
    munis = load_municipalities(project, display=True).copy()
    if "full_name" in munis:
        munis["full_name"] = munis["full_name"].fillna(munis["name"])
    else:
        munis["full_name"] = munis["name"]
    # wards of a designated city assigned as a whole take their city's 圏域
    parents = munis["parent_code"] if "parent_code" in munis else pd.Series([None] * len(munis))
    munis["ken_key"] = pd.Series(
        [
            assign.get(c) or (assign.get(p) if isinstance(p, str) else None)
            for c, p in zip(munis["code"], parents, strict=True)
        ],
        index=munis.index,
        dtype=object,
    )
    kens = _ken_frame(project, option, ken_defs, munis)
    neighbours = ken_neighbours(project, munis)
    colors = assign_colors(list(kens["ken_key"]), neighbours)
    kens["color"] = [colors[k] for k in kens["ken_key"]]
    hubs = list(meta.pop("hubs", []))
    fac = _facilities(project, munis, kens, assign, hubs)
    keep = request.category_set
    if keep is not None:
        fac = fac[fac["category"].isin(keep)].reset_index(drop=True)
    year = None
    if request.year is not None:
        year = year_figures(project, option, request.year)
        for col, values in (("demand_year", year.demand), ("pop75_year", year.pop75)):
            kens[col] = np.array(
                [np.nan if values.get(k) is None else values[k] for k in kens["ken_key"]], dtype=float
            )
    name = project.path.stem if getattr(project, "path", None) else ""
    return ExportData(
        project_name=name,
        option_name=option,
        option_meta=meta,
        kens=kens,
        munis=munis,
        facilities=fac,
        hubs=hubs,
        sources=project_sources(project),
        is_demo=bool(getattr(project, "is_demo", False)),
        request=request,
        ken_neighbours=neighbours,
        scenario=None if request.scenario is None else scenario_overlay(project, request.scenario),
        year=year,
    )
