"""Municipal indicators as class maps (choropleths, as MANDARA users expect them): coverage share,
population 75+ share, 在支診・在支病 per 100,000 people — each with class breaks, colours and the
legend text of every class.

Classes are quantiles (as many as the distinct values allow, at most five) with breaks rounded to
the indicator's precision; colours are ColorBrewer sequential schemes (colour-blind safe, readable in
greyscale by lightness).  Municipalities without a value (no population, no coverage) get no class and
are drawn hatched as 「データなし」.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from zaitaku_map.errors import ExportError
from zaitaku_map.geodata import load_municipalities, municipality_population
from zaitaku_map.labels import DEMAND_INDICATORS
from zaitaku_map.store import Project

# ColorBrewer 2.0 sequential schemes, 5 classes (Cynthia Brewer, Mark Harrower, Penn State)
# light sequential ramps (ColorBrewer's lighter steps): the facility symbols drawn over the classes stay
# visible on every class (no red 在支診 on dark red, no blue 訪問看護 on blue — ΔE ≥ SYMBOL_CONTRAST)
_YLGNBU = ("#ffffcc", "#d9f0a3", "#a1dab4", "#7fcdbb", "#41b6c4")
_ORRD = ("#fff7bc", "#fee391", "#fec44f", "#fe9929", "#ec7014")
_BUGN = ("#edf8fb", "#b2e2e2", "#8fd4c0", "#66c2a4", "#41ae76")
SYMBOL_CONTRAST = 20.0
NO_DATA = "#ffffff"


@dataclass(frozen=True)
class IndicatorSpec:
    """How an indicator is named, formatted and coloured."""

    key: str
    label: str
    palette: tuple[str, ...]
    fmt: Callable[[float], str]
    step: float  # breaks are rounded to multiples of this
    # an indicator with fixed classes of its own (peak years, growth): computed by its domain
    compute: Callable[[Project], MunicipalIndicator] | None = None


def _demand(key: str) -> Callable[[Project], MunicipalIndicator]:
    """The future-demand indicators (issue 16), in the classes of their legends."""

    def compute(project: Project) -> MunicipalIndicator:
        from zaitaku_map.export.demand_indicators import demand_indicator

        return demand_indicator(project, key)

    return compute


INDICATORS: dict[str, IndicatorSpec] = {
    s.key: s
    for s in (
        IndicatorSpec("coverage_share", "到達圏内の人口割合", _YLGNBU, lambda v: f"{v:.0%}", 0.01),
        IndicatorSpec("pop75_share", "75歳以上人口の割合", _ORRD, lambda v: f"{v:.1%}", 0.001),
        IndicatorSpec(
            "zaishi_per_100k", "在支診・在支病（人口10万人当たり）", _BUGN, lambda v: f"{v:.1f}", 0.1
        ),
        *(
            IndicatorSpec(k, DEMAND_INDICATORS[k], (), str, 0.0, _demand(k))
            for k in ("demand_peak", "demand_growth", "pop75_peak")
        ),
    )
}


@dataclass
class MunicipalIndicator:
    """Values of one indicator per municipality code, with their classes."""

    key: str
    label: str
    values: dict[str, float]
    breaks: list[float]  # class i holds breaks[i] <= v < breaks[i+1] (the last class includes its top)
    colors: list[str]
    class_labels: list[str] = field(default_factory=list)
    note: str = ""

    def class_of(self, value: float | None) -> int | None:
        """Class index of ``value`` (``None`` for a missing value)."""
        if value is None or not math.isfinite(value) or not self.colors:
            return None
        for i in range(len(self.colors) - 1):
            if value < self.breaks[i + 1]:
                return i
        return len(self.colors) - 1

    @property
    def has_values(self) -> bool:
        """Whether any municipality has a value (an indicator of data never imported has none)."""
        return any(v is not None and math.isfinite(v) for v in self.values.values())

    def color_of(self, code: str) -> str | None:
        c = self.class_of(self.values.get(code))
        return None if c is None else self.colors[c]


def class_breaks(values: np.ndarray, *, classes: int = 5, step: float = 0.0) -> list[float]:
    """Quantile breaks (``classes`` + 1 edges, fewer when values repeat), rounded to ``step``."""
    v = np.sort(values[np.isfinite(values)])
    if not len(v):
        return []
    k = int(min(classes, len(np.unique(v))))
    qs = np.quantile(v, np.linspace(0, 1, k + 1))
    if step > 0:
        qs = np.round(qs / step) * step
        qs[0] = min(qs[0], math.floor(v[0] / step) * step)
        qs[-1] = max(qs[-1], math.ceil(v[-1] / step) * step)
    edges = [float(qs[0])]
    for q in qs[1:]:
        if q > edges[-1]:
            edges.append(float(q))
    if len(edges) == 1:  # every value the same
        edges.append(edges[0] + (step or 1.0))
    return edges


def _classify(key: str, values: dict[str, float], note: str = "") -> MunicipalIndicator:
    spec = INDICATORS[key]
    arr = np.array([v for v in values.values() if v is not None and math.isfinite(v)], dtype=float)
    breaks = class_breaks(arr, classes=len(spec.palette), step=spec.step)
    n = max(len(breaks) - 1, 0)
    # spread the palette over fewer classes so the darkest colour stays the top class
    idx = np.round(np.linspace(0, len(spec.palette) - 1, n)).astype(int) if n else np.zeros(0, dtype=int)
    colors = [spec.palette[int(i)] for i in idx]
    labels = [f"{spec.fmt(breaks[i])} – {spec.fmt(breaks[i + 1])}" for i in range(n)]
    return MunicipalIndicator(key, spec.label, values, breaks, colors, labels, note)


def _population(project: Project) -> pd.DataFrame:
    pop = municipality_population(project)
    return pop.set_index("muni_code") if "muni_code" in pop else pd.DataFrame()


def _zaishi_counts(project: Project, munis: gpd.GeoDataFrame) -> pd.Series:
    """在支診・在支病 per municipality code: placed facilities by position, the others by their code."""
    fac = pd.read_sql_query(
        "SELECT id, muni_code, lon, lat FROM facilities WHERE status='open' "
        "AND category IN ('zaishi_clinic', 'zaishi_hospital')",
        project.conn,
    )
    placed = fac["lon"].notna() & fac["lat"].notna()
    pts = gpd.GeoDataFrame(
        fac[placed],
        geometry=gpd.points_from_xy(fac.loc[placed, "lon"], fac.loc[placed, "lat"]),
        crs="EPSG:4326",
    )
    hit = gpd.sjoin(pts, munis[["code", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated()]
    codes = pd.concat([hit["code"].fillna(hit["muni_code"]), fac.loc[~placed, "muni_code"]])
    return codes.dropna().astype(str).value_counts()


def municipal_indicator(
    project: Project, key: str, *, coverage_category: str = "zaishi", coverage_params: object = None
) -> MunicipalIndicator:
    """One indicator for every municipality (ward level in a 政令市).

    Raises
    ------
    ExportError
        For an unknown indicator key.
    """
    if key not in INDICATORS:
        raise ExportError(f"unknown municipal indicator: {key}", value=key, expected=", ".join(INDICATORS))
    compute = INDICATORS[key].compute
    if compute is not None:
        return compute(project)
    munis = load_municipalities(project)
    codes = [str(c) for c in munis["code"]]
    pop = _population(project)
    total = pop["pop_total"].reindex(codes) if "pop_total" in pop else pd.Series(np.nan, index=codes)
    values: dict[str, float] = {}
    note = ""
    if key == "pop75_share":
        p75 = pop["pop_75"].reindex(codes) if "pop_75" in pop else pd.Series(np.nan, index=codes)
        for c in codes:
            t, s = float(total.get(c, np.nan)), float(p75.get(c, np.nan))
            values[c] = s / t if t > 0 and math.isfinite(s) else math.nan
    elif key == "zaishi_per_100k":
        counts = _zaishi_counts(project, munis.to_crs("EPSG:4326"))
        for c in codes:
            t = float(total.get(c, np.nan))
            values[c] = float(counts.get(c, 0)) / t * 1e5 if t > 0 else math.nan
    else:
        from zaitaku_map.coverage import category_name, coverage_summary, resolve_coverage_params

        params = resolve_coverage_params(project, coverage_params)  # type: ignore[arg-type]
        summary = coverage_summary(project, params, categories=[coverage_category], layers=[])
        rows = summary["categories"][coverage_category]["by_municipality"]
        values = {c: math.nan for c in codes}
        for r in rows:
            share = r.get("share")
            values[str(r["muni_code"])] = math.nan if share is None else float(share)
        note = f"{category_name(coverage_category)}・{params.minutes:g}分"
    return _classify(key, values, note)
