"""What the project holds about future demand (``zaitaku-map projection PROJECT`` without files)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from zaitaku_map.demand import tables
from zaitaku_map.demand.params import DemandParams
from zaitaku_map.demand.peaks import DEMAND_LEGEND, growth, peak
from zaitaku_map.demand.recut import load_context, unit_demand
from zaitaku_map.labels import DEMAND_TEXT
from zaitaku_map.store import Project


@dataclass
class AreaRow:
    area_code: str
    area_name: str | None
    values: dict[int, float]
    peak_year: int | None
    peak_label: str | None
    growth: float | None


@dataclass
class DemandStatus:
    sources: list[dict[str, Any]]
    params: DemandParams
    layer: str | None
    areas: list[AreaRow]
    projection_source: str  # projection|mesh_projection|none
    units_with_projection: int
    units: int
    projection_years: list[int]
    rates: bool
    municipal_method: str | None
    municipal_key: str | None
    notes: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)  # what to import for the missing parts

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["params"] = self.params.to_dict()
        d["thresholds"] = self.params.describe_ja()
        return d


def demand_status(project: Project) -> DemandStatus:
    ctx = load_context(project)
    prm = ctx.params
    areas = []
    for code, vals in sorted(ctx.area_values.items()):
        pk = peak(vals, DEMAND_LEGEND)
        areas.append(
            AreaRow(
                code,
                ctx.area_names.get(code),
                vals,
                None if pk is None else pk.year,
                None if pk is None else pk.cls.label,
                growth(vals, prm.base_year, prm.target_year),
            )
        )
    units = [
        r[0] for r in project.conn.execute("SELECT code FROM municipalities WHERE kind != 'designated_city'")
    ]
    ud = unit_demand(project, ctx=ctx)
    needs: list[str] = []
    if not ctx.has_file:
        needs.append(DEMAND_TEXT["need_demand_file"])
    elif ctx.layer is None:
        needs.append(DEMAND_TEXT["need_area_layer"])
    if ctx.projection.source == "none":
        needs.append(DEMAND_TEXT["need_projection"])
    return DemandStatus(
        sources=[
            {
                "source_id": s.source_id,
                "kind": s.kind,
                "file": s.file_name,
                "reference_date": s.reference_date,
                "imported_at": s.imported_at,
                **{
                    k: s.summary.get(k)
                    for k in ("edition", "base_year", "projection_label", "unit", "years", "ages")
                },
            }
            for s in tables.sources(project)
        ],
        params=prm,
        layer=ctx.layer,
        areas=areas,
        projection_source=ctx.projection.source,
        units_with_projection=sum(1 for u in units if u in ctx.projection.groups),
        units=len(units),
        projection_years=ctx.projection.years,
        rates=bool(ctx.rates),
        municipal_method=ud.method,
        municipal_key=ud.key,
        notes=ud.notes,
        needs=needs,
    )
