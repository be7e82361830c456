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


def source_title(s: SourceInfo) -> str:
    """The Japanese title of one imported file with its edition: 「日本の地域別将来推計人口（国立社会保障・人口
    問題研究所） 令和5(2023)年推計」, 「構想区域別の医療需要推計（厚生労働省） 令和7年度」, 「利用率（file）」."""
    edition = s.summary.get("edition")
    if s.kind == "mhlw_demand":
        head = DEMAND_SOURCES["mhlw_demand"]
    elif s.kind == "projection":
        head = (
            DEMAND_SOURCES["projection"]
            if _is_ipss(s)
            else DEMAND_SOURCES["projection_other"].format(file=s.file_name)
        )
    else:
        return DEMAND_SOURCES["use_rates"].format(file=s.file_name)
    return head + (f" {edition}" if edition else "")


def source_titles(project: Project) -> dict[int, str]:
    """``{sources.id: title}`` of the demand, projection and rate files in use (see :func:`source_title`), for
    every list of sources that would otherwise name only the format."""
    return {s.source_id: source_title(s) for s in tables.sources(project)}


def _cite(s: SourceInfo) -> Citation:
    sm = s.summary
    if s.kind == "mhlw_demand":
        detail = DEMAND_TEXT["cite_demand"].format(
            base=sm.get("base_year") or "-",
            label=sm.get("projection_label") or "-",
            last=max(y) if isinstance(y := sm.get("years"), list) and y else "-",
        )
        return Citation(s.kind, source_title(s) + f"（{detail}）")
    if s.kind == "projection":
        return Citation(s.kind, source_title(s))
    base = sm.get("base_year")
    return Citation(s.kind, source_title(s) + (f" {base}年度" if base else ""))


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
