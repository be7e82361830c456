"""Side-by-side comparison of two or more options with the differences made obvious.

Indicators per option come from :func:`~zaitaku_map.options.evaluate.evaluate_option`.  The first
option is the baseline; every other option gets ``flags`` saying how each indicator differs from it
(``better`` / ``worse`` / ``same`` / ``different``).  Unit-level differences are partition-based: a
unit "changes" (``changed_in``) when the set of units it shares a 圏域 with differs from the baseline —
so renaming or re-keying a 圏域 is not a change.  Each 圏域 of another option is matched one-to-one to
the baseline 圏域 it overlaps most (``ken_matches``; unmatched = a new 圏域); a unit has "moved"
(``moved_in``) when its 圏域 there does not match its baseline 圏域 — the municipalities to colour
on a difference map.
"""

from __future__ import annotations

from typing import Any

from zaitaku_map.coverage import CoverageParams
from zaitaku_map.errors import InputDataError
from zaitaku_map.options import _data
from zaitaku_map.options.evaluate import evaluate_option
from zaitaku_map.store import Project

# indicator -> True when larger is better, False when smaller is better, None when neutral
INDICATORS: dict[str, bool | None] = {
    "n_kens": None,
    "population_min": None,
    "population_max": None,
    "population_ratio": False,
    "n_warnings": False,
    "n_unassigned": False,
    "n_non_contiguous": False,
    "n_without_active_role": False,
    "n_without_hub": False,
    "n_missing_functions": False,
    "n_crossing_kens": False,
}


def _indicators(ev: dict[str, Any]) -> dict[str, Any]:
    t = ev["totals"]
    rng = t["population_range"]
    ind: dict[str, Any] = {
        "n_kens": sum(1 for r in ev["kens"] if r["n_municipalities"]),
        "population_min": rng[0] if rng else None,
        "population_max": rng[1] if rng else None,
        "population_ratio": round(rng[1] / rng[0], 2) if rng and rng[0] > 0 else None,
        "n_warnings": t["n_warnings"],
        "n_unassigned": len(t["unassigned"]),
        "n_non_contiguous": len(t["non_contiguous"]),
        "n_without_active_role": len(t["kens_without_active_role"]),
        "n_without_hub": len(t["kens_without_hub"]),
        "n_missing_functions": len(t["kens_missing_functions"]),
        "n_crossing_kens": sum(1 for r in ev["kens"] if r["crosses"]),
    }
    if t.get("min_coverage"):
        for cat, share in t["min_coverage"].items():
            ind[f"min_coverage.{cat}"] = share
    return ind


def _flag(base: Any, value: Any, higher_better: bool | None) -> str:
    if base == value:
        return "same"
    if base is None or value is None or higher_better is None:
        return "different"
    return "better" if (value > base) == higher_better else "worse"


def compare_options(
    project: Project, names: list[str], *, coverage_params: CoverageParams | None = None
) -> dict[str, Any]:
    """Compare options ``names`` (at least two; the first is the baseline)."""
    names = list(dict.fromkeys(names))
    if len(names) < 2:
        raise InputDataError(
            "comparison needs at least two options",
            value=", ".join(names),
            hint="比較する案を2つ以上指定してください。",
        )
    evals = {n: evaluate_option(project, n, coverage_params=coverage_params) for n in names}
    units = _data.load_units(project)
    base = names[0]
    per_option: dict[str, Any] = {}
    base_ind = _indicators(evals[base])
    for n in names:
        ind = _indicators(evals[n])
        flags = (
            {
                k: _flag(
                    base_ind.get(k), v, INDICATORS.get(k, True if k.startswith("min_coverage") else None)
                )
                for k, v in ind.items()
            }
            if n != base
            else {}
        )
        ev = evals[n]
        per_option[n] = {
            "template": ev["template"],
            "layer": ev["layer"],
            "notes": ev["notes"],
            "indicators": ind,
            "flags": flags,
            "kens": [
                {
                    "ken_key": r["ken_key"],
                    "name": r["name"],
                    "n_municipalities": r["n_municipalities"],
                    "pop_total": r["population"]["pop_total"],
                    "zaishi_total": r["zaishi_total"],
                    "active_role": r["active_role"]["present"],
                    "hub": r["hub"]["present"],
                    "missing_functions": r["missing_functions"],
                    "contiguous": r["contiguous"],
                    "n_warnings": sum(1 for w in r["warnings"] if w["level"] == "warning"),
                }
                for r in ev["kens"]
            ],
        }

    # partition of each option: unit -> frozenset of co-members
    ken_of: dict[str, dict[str, str | None]] = {}
    groups: dict[str, dict[str, frozenset[str]]] = {}
    for n in names:
        ev = evals[n]
        kmap: dict[str, str | None] = {u: None for u in units}
        g: dict[str, frozenset[str]] = {}
        for r in ev["kens"]:
            codes = frozenset(m["code"] for m in r["municipalities"])
            for c in codes:
                kmap[c] = r["name"]
                g[c] = codes
        ken_of[n] = kmap
        groups[n] = g
    # one-to-one matching of 圏域: pairs by decreasing overlap (same name first on ties), each 圏域 used once
    base_key = {
        c: r["ken_key"] for r in evals[base]["kens"] for c in (m["code"] for m in r["municipalities"])
    }
    base_names = {r["ken_key"]: r["name"] for r in evals[base]["kens"]}
    matches: dict[str, dict[str, str | None]] = {}
    for n in names[1:]:
        pairs: list[tuple[int, bool, str, str]] = []
        for r in evals[n]["kens"]:
            tally: dict[str, int] = {}
            for m in r["municipalities"]:
                bk = base_key.get(m["code"])
                if bk is not None:
                    tally[bk] = tally.get(bk, 0) + 1
            pairs.extend((cnt, base_names[bk] != r["name"], r["name"], bk) for bk, cnt in tally.items())
        pairs.sort(key=lambda t: (-t[0], t[1], t[2], t[3]))
        mm: dict[str, str | None] = {r["name"]: None for r in evals[n]["kens"]}
        used: set[str] = set()
        for _cnt, _diff, kname, bk in pairs:
            if mm.get(kname) is None and bk not in used:
                mm[kname] = base_names[bk]
                used.add(bk)
        matches[n] = mm
    differences = []
    unchanged = 0
    for code, unit in units.items():
        changed_in = [n for n in names[1:] if groups[n].get(code) != groups[base].get(code)]
        moved_in = [
            n
            for n in names[1:]
            if (ken_of[n][code] is None) != (ken_of[base][code] is None)
            or (ken_of[n][code] is not None and matches[n].get(ken_of[n][code] or "") != ken_of[base][code])
        ]
        if changed_in:
            differences.append(
                {
                    "code": code,
                    "name": unit.full_name,
                    "kens": {n: ken_of[n][code] for n in names},
                    "changed_in": changed_in,
                    "moved_in": moved_in,
                }
            )
        else:
            unchanged += 1
    # 圏域 that are identical (same members) in every option, whatever their names
    base_sets = {
        frozenset(m["code"] for m in r["municipalities"]): r["name"]
        for r in evals[base]["kens"]
        if r["municipalities"]
    }
    identical = []
    for members, bname in base_sets.items():
        if all(
            members in {frozenset(m["code"] for m in r["municipalities"]) for r in evals[n]["kens"]}
            for n in names[1:]
        ):
            identical.append({"name": bname, "codes": sorted(members)})
    return {
        "options": names,
        "baseline": base,
        "per_option": per_option,
        "indicator_order": list(base_ind),
        "unit_differences": differences,
        "n_changed_units": len(differences),
        "n_unchanged_units": unchanged,
        "n_moved_units": sum(1 for d in differences if d["moved_in"]),
        "ken_matches": matches,
        "identical_kens": identical,
        "coverage_note": next((evals[n]["coverage_note"] for n in names if evals[n]["coverage_note"]), None),
    }
