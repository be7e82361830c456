"""Example options A, B, C and a proposal on any project (test fixture: the demo project makes its own
in :mod:`zaitaku_map.demo.pipeline`).

- 案A: template A on the 二次医療圏; in each 圏域 the 在支病 with the most beds (else a 在支診) is
  marked 積極的役割 and a 郡市医師会 is entered as 連携拠点 — so A shows complete roles.
- 案B: A with its most populous 圏域 split into two contiguous halves (template B); the new half has
  no 拠点 (and usually no 積極的役割), which the evaluation flags.
- 案C: the 政令市 as its own 圏域 (template C), only when the project has one.
- 自動提案: the proposal with a population floor of 1/8 of the total population.
"""

from __future__ import annotations

from typing import Any

from zaitaku_map.options import inputs
from zaitaku_map.options.evaluate import evaluate_option
from zaitaku_map.options.geometry import adjacency, components
from zaitaku_map.options.model import OptionNotFoundError, get_option
from zaitaku_map.options.roles import add_hub, set_active_role
from zaitaku_map.options.templates import create_option


def _halves(units: list[str], project: Any) -> list[str]:
    """A contiguous part of ``units`` holding about half their population (grown from the westmost unit)."""
    adj = adjacency(project)
    info = inputs.load_units(project)
    pops = {u: v.get("pop_total", 0.0) for u, v in inputs.unit_population(project).items()}
    total = sum(pops.get(u, 0.0) for u in units) or float(len(units))
    start = min(units, key=lambda u: (info[u].rep_lon or 0.0, u))
    part, frontier, acc = [start], [start], pops.get(start, 0.0) or 1.0
    members = set(units)
    while frontier and acc < total / 2 and len(part) < len(units) - 1:
        u = frontier.pop(0)
        for v in sorted(adj.get(u, ())):
            if v in members and v not in part and acc < total / 2 and len(part) < len(units) - 1:
                rest = members - set(part) - {v}
                if len(components(rest, adj)) == 1:  # keep the remainder contiguous
                    part.append(v)
                    frontier.append(v)
                    acc += pops.get(v, 0.0) or 1.0
    return part


def create_demo_options(project: Any, *, layer: str = "二次医療圏") -> dict[str, Any]:
    """Create 案A, 案B, 案C (when a 政令市 exists) and 自動提案; returns a summary per option."""
    out: dict[str, Any] = {}
    create_option(
        project,
        "案A",
        template="area",
        layer=layer,
        author="デモ",
        notes="二次医療圏をそのまま在宅医療の圏域とする案",
    )
    a = get_option(project, "案A")
    facs = inputs.FacilitySet.from_project(project)
    fu = inputs.facility_units(project, facs, inputs.load_units(project))
    for key, ken in a.kens.items():
        inside = [f for f in facs if a.assignments.get(fu.get(f.id) or "") == key]
        hosp = sorted((f for f in inside if f.category == "zaishi_hospital"), key=lambda f: -(f.beds or 0))
        clinics = [f for f in inside if f.category == "zaishi_clinic"]
        chosen = (hosp or clinics)[:1]
        for f in chosen:
            set_active_role(project, f.id, True)
        add_hub(project, "案A", key, name=f"{ken['name']}地区医師会", body_type="medical_association")
    members = a.members()
    pops = {u: v.get("pop_total", 0.0) for u, v in inputs.unit_population(project).items()}
    biggest = max(members, key=lambda k: (sum(pops.get(u, 0.0) for u in members[k]), len(members[k])))
    if len(members[biggest]) >= 2:
        part = _halves(members[biggest], project)
        create_option(
            project,
            "案B",
            template="area_split",
            layer=layer,
            base="案A",
            author="デモ",
            split={f"{a.kens[biggest]['name']}北": part},
            notes=f"{a.kens[biggest]['name']}を2つの圏域に分ける案",
        )
    if inputs.designated_cities(project):
        create_option(
            project,
            "案C",
            template="designated_city",
            layer=layer,
            base="案A",
            author="デモ",
            notes="政令市を独立した圏域とする案",
        )
    total = sum(pops.values())
    create_option(
        project,
        "自動提案",
        template="proposed",
        layer=layer,
        min_population=round(total / 8),
        author="デモ",
        notes="連続性・在支診/在支病・訪問看護・最小人口の条件による自動提案",
    )
    for name in ("案A", "案B", "案C", "自動提案"):
        try:
            ev = evaluate_option(project, name)
        except OptionNotFoundError:  # not created (e.g. no 政令市)
            continue
        out[name] = {
            "n_kens": ev.totals.n_kens,
            "n_warnings": ev.totals.n_warnings,
            "kens_without_hub": list(ev.totals.kens_without_hub),
            "kens_without_active_role": list(ev.totals.kens_without_active_role),
            "kens_missing_functions": list(ev.totals.kens_missing_functions),
        }
    return out
