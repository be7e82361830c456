"""How the pack, the maps and the tables cite the demand sources, with their 年度 and editions."""

from __future__ import annotations

from dataclasses import dataclass

from zaitaku_map.demand import tables
from zaitaku_map.demand.tables import SourceInfo
from zaitaku_map.labels import DEMAND_SOURCES, DEMAND_TEXT
from zaitaku_map.store import Project

IPSS_WORDS = ("地域別将来推計人口", "社人研", "国立社会保障")


@dataclass(frozen=True)
class Citation:
    kind: str  # mhlw_demand|projection|mesh_projection|use_rates
    text: str


def _is_ipss(s: SourceInfo) -> bool:
    edition = str(s.summary.get("edition") or "")
    raw = s.summary.get("titles")
    titles = " ".join(str(t) for t in raw) if isinstance(raw, list) else ""
    return edition.endswith("年推計") or any(w in titles for w in IPSS_WORDS)


def _cite(s: SourceInfo) -> Citation:
    sm = s.summary
    edition = sm.get("edition")
    if s.kind == "mhlw_demand":
        detail = DEMAND_TEXT["cite_demand"].format(
            base=sm.get("base_year") or "-",
            label=sm.get("projection_label") or "-",
            last=max(y) if isinstance(y := sm.get("years"), list) and y else "-",
        )
        return Citation(
            s.kind, DEMAND_SOURCES["mhlw_demand"] + (f" {edition}" if edition else "") + f"（{detail}）"
        )
    if s.kind == "projection":
        head = (
            DEMAND_SOURCES["projection"]
            if _is_ipss(s)
            else DEMAND_SOURCES["projection_other"].format(file=s.file_name)
        )
        return Citation(s.kind, head + (f" {edition}" if edition else ""))
    base = sm.get("base_year")
    return Citation(
        s.kind, DEMAND_SOURCES["use_rates"].format(file=s.file_name) + (f" {base}年度" if base else "")
    )


def citations(project: Project) -> list[Citation]:
    """One line per imported demand, projection or rate source in use (several projection tables of the
    same edition are one line)."""
    out: list[Citation] = []
    for s in tables.sources(project):
        c = _cite(s)
        if c not in out:
            out.append(c)
    if (
        not any(c.kind == "projection" for c in out)
        and project.conn.execute(
            "SELECT 1 FROM demand_points WHERE bands_json LIKE '%year_%' LIMIT 1"
        ).fetchone()
    ):
        out.append(Citation("mesh_projection", DEMAND_SOURCES["mesh_projection"]))
    return out
