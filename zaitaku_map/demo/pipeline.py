"""Build the demo project from the generated files through the public functions of each domain.

No step takes a shortcut that real data could not take: boundaries, area tables, population,
facility lists, geocoding references and roads are imported from the files written by
:func:`zaitaku_map.demo.generate.generate_files`, exactly as a user would import downloads.
A step that fails is reported as ``failed`` with the error and the following steps still run (the
CLI then exits 1).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from zaitaku_map.coverage import CoverageParams, compute_coverage, coverage_summary
from zaitaku_map.demand import import_projection_files
from zaitaku_map.demo.generate import generate_files
from zaitaku_map.demo.geography import CITY_CODE3, HOKENJO, IRYOKEN2
from zaitaku_map.errors import Cancelled, ZaitakuError
from zaitaku_map.geocode import geocode_project, import_reference
from zaitaku_map.geodata import import_area_table, import_boundaries, import_population
from zaitaku_map.importers import import_files
from zaitaku_map.network import import_roads
from zaitaku_map.options import (
    add_hub,
    adjacency,
    create_option,
    evaluate_option,
    get_option,
    set_active_role,
)
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project, create_project
from zaitaku_map.store.info import project_info
from zaitaku_map.store.project import remove_project_files

LAYER_IRYOKEN = "二次医療圏"
LAYER_HOKENJO = "保健所圏域"
PROPOSED = "自動提案"
# 案B splits the interior area デモ山間: its northern coastal strip becomes its own 圏域 — the
# contiguous part of these municipalities around the first one (see :func:`_north_split`)
SPLIT_AREA_SUFFIX = "04"
SPLIT_NORTH = ["206", "382", "381"]
STEP_WEIGHTS = [
    ("files", 8),
    ("project", 1),
    ("boundaries", 6),
    ("areas", 2),
    ("population", 6),
    ("projection", 3),
    ("facilities", 8),
    ("geocode", 8),
    ("roads", 10),
    ("coverage", 20),
    ("options", 6),
    ("partners", 3),
    ("pack", 15),
]


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, int | float | str | bool) or obj is None:
        return obj
    return str(obj)


def build_demo_project(
    path: str | Path,
    *,
    seed: int = 0,
    scale: int = 1,
    files_dir: str | Path | None = None,
    overwrite: bool = False,
    pack_dir: str | Path | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Generate the demo files and build a ready project at ``path``.

    Parameters
    ----------
    path:
        The project file to create (``.gpkg``).
    files_dir:
        Where to write the source files (kept); a temporary folder (deleted) when ``None``.
    overwrite:
        Replace an existing project file.
    pack_dir:
        Also write the meeting pack (PDFs etc.) of the options there.

    Returns
    -------
    dict
        ``{"project", "files_dir", "steps": {step: {"status": ok|failed, ...}}, "failed", "import_log",
        "info"}`` where ``import_log`` counts the facility rows the imports rejected / warned about
        (the generator writes some bad rows on purpose) and ``info`` is
        :func:`zaitaku_map.store.info.project_info` of the finished project.
    """
    prog = Progress.of(progress, cancel)
    prog.total = float(sum(w for _, w in STEP_WEIGHTS))
    weights = dict(STEP_WEIGHTS)
    target = Path(path)
    if target.exists():
        if not overwrite:
            from zaitaku_map.errors import ProjectError

            raise ProjectError(
                "file already exists", file=target, hint="--overwrite を指定すると置き換えます。"
            )
        remove_project_files(target)
    tmp_dir = None
    if files_dir is None:
        tmp_dir = Path(tempfile.mkdtemp(prefix="zaitaku_demo_"))
        fdir = tmp_dir
    else:
        fdir = Path(files_dir)
    steps: dict[str, dict[str, Any]] = {}
    try:
        man = generate_files(
            fdir, seed=seed, scale=scale, progress=prog.step(weights["files"]), cancel=cancel
        )
        steps["files"] = {"status": "ok", "dir": str(fdir), "counts": man["counts"]}
        project = create_project(target, overwrite=overwrite)
        try:
            with project.transaction():
                project.set_meta("is_demo", "1")
                project.set_meta("demo_seed", str(seed))
                project.set_meta("demo_scale", str(scale))
            project.set_study_prefectures([p["code"] for p in man["prefectures"]])
            prog.step(weights["project"]).update(1, "プロジェクト作成")
            _run_steps(project, man, steps, prog, weights, pack_dir=pack_dir)
            log = _import_log_counts(project)
            info = project_info(project)
        finally:
            project.close()
    finally:
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return {
        "project": str(target),
        "files_dir": None if tmp_dir is not None else str(fdir),
        "seed": seed,
        "scale": scale,
        "steps": steps,
        "failed": sorted(k for k, v in steps.items() if v["status"] == "failed"),
        "import_log": log,
        "info": info,
    }


def _import_log_counts(project: Project) -> dict[str, int]:
    """Facility rows the imports rejected / warned about (as logged in ``import_log``)."""
    rows = dict(
        project.conn.execute(
            "SELECT l.severity, count(*) FROM import_log l JOIN sources s ON s.id = l.source_id "
            "WHERE s.kind = 'facilities' GROUP BY l.severity"
        ).fetchall()
    )
    return {"rejected": int(rows.get("rejected", 0)), "warnings": int(rows.get("warning", 0))}


def _run_steps(
    project: Project,
    man: dict[str, Any],
    steps: dict[str, dict[str, Any]],
    prog: Progress,
    weights: Mapping[str, float],
    *,
    pack_dir: str | Path | None,
) -> None:
    def run(name: str, func: Callable[[Progress], Any]) -> Any:
        sub = prog.step(weights[name])
        try:
            result = func(sub)
        except Cancelled:
            raise
        except (ZaitakuError, Exception) as exc:  # report and continue with the next step
            from zaitaku_map.ingest.report import error_text

            # the class and message for logs and --json; the same in Japanese for people
            steps[name] = {
                "status": "failed",
                "error": f"{type(exc).__name__}: {exc}",
                "error_ja": error_text(exc),
            }
            return None
        steps[name] = {"status": "ok", "result": _jsonable(result)}
        return result

    # dates the user reads off the downloads (N03 file name, census year): every source is dated
    run(
        "boundaries",
        lambda p: import_boundaries(project, man["geojson"], reference_date=man["n03_date"], progress=p),
    )

    def areas(p: Progress) -> dict[str, Any]:
        return {
            LAYER_IRYOKEN: import_area_table(
                project,
                man["iryoken_csv"],
                layer=LAYER_IRYOKEN,
                reference_date="2025-10-01",
                progress=p.step(0.5),
            ),
            LAYER_HOKENJO: import_area_table(
                project,
                man["hokenjo_xlsx"],
                layer=LAYER_HOKENJO,
                reference_date="2025-10-01",
                progress=p.step(0.5),
            ),
        }

    run("areas", areas)
    run(
        "population",
        lambda p: import_population(project, man["mesh_files"], year=man["census_year"], progress=p),
    )
    # projected population, the 構想区域 demand file and the use rates, as a user imports the downloads
    run("projection", lambda p: import_projection_files(project, man["projection_files"], progress=p))

    def facilities(p: Progress) -> list[Any]:
        others = [f for f in man["files"]["facilities"] if f not in man["houkatsu"]]
        reports = list(import_files(project, others, progress=p.step(0.85)))
        reports += list(import_files(project, man["houkatsu"], category="houkatsu", progress=p.step(0.15)))
        return reports

    run("facilities", facilities)

    def geocode(p: Progress) -> dict[str, Any]:
        ref = import_reference(project, man["isj"], reference_date="2024", progress=p.step(0.3))
        res = geocode_project(project, progress=p.step(0.7))
        return {"reference": ref, "geocode": res}

    run("geocode", geocode)
    run("roads", lambda p: import_roads(project, man["pbf"], reference_date="2025-10-01", progress=p))

    def coverage(p: Progress) -> Any:
        params = CoverageParams()
        res = compute_coverage(project, params, progress=p)
        summary = coverage_summary(project, params)
        return {"params": params.to_dict(), "summary": _coverage_brief(summary), "result": type(res).__name__}

    run("coverage", coverage)
    opts = run("options", lambda p: _options(project, man))
    run("partners", lambda p: _partners(project, man, p))
    if pack_dir is not None:
        names = list(opts["options"]) if opts else []
        # matplotlib/reportlab only when a pack is asked for
        from zaitaku_map.export import ExportRequest, export_pack

        # the pack shows 30-minute coverage of 在支診・在支病 on the maps and in the evaluation tables:
        # one PDF (cover, contents, page numbers) and the same parts as separate files beside it
        def pack(p: Progress) -> Any:
            request = ExportRequest(option=names[0], compare=tuple(names[1:]), coverage_category="zaishi")
            return export_pack(project, request, Path(pack_dir) / "会議資料.pdf", folder=pack_dir, progress=p)

        run("pack", pack)
    else:
        prog.step(weights["pack"]).update(1.0, "完了", force=True)  # the bar ends at 100 %


def _partners(project: Any, man: dict[str, Any], prog: Progress) -> dict[str, Any]:
    """The prefecture's agreements table, then the 協力医療機関 candidate lists and their flags."""
    from zaitaku_map.partners import agreement_status, import_agreements, partner_lists

    rep = import_agreements(project, man["agreements"], progress=prog.step(0.3))
    lists = partner_lists(project, progress=prog.step(0.6))
    status = agreement_status(project, lists)
    prog.update(1.0, "完了", force=True)
    return {
        "agreements": {k: v for k, v in rep.to_dict().items() if k not in ("mapping",)},
        "care_facilities": len(lists.facilities),
        "flagged": [f.name for f in lists.flagged()],
        "linked": len(status.linked()),
        "unlinked": len(status.unlinked()),
        "description": lists.description_ja,
    }


def _coverage_brief(summary: Any) -> Any:
    """Per category totals only (the full summary is large)."""
    if not isinstance(summary, dict):
        return summary
    out: dict[str, Any] = {}
    cats = summary.get("categories", summary)
    if isinstance(cats, dict):
        for k, v in cats.items():
            if isinstance(v, dict):
                out[k] = {kk: v[kk] for kk in ("pop_total", "covered", "uncovered", "share") if kk in v}
    return out or {"keys": sorted(summary)}


def _north_split(project: Project, prefs: list[str]) -> dict[str, list[str]]:
    """案B's new 圏域 per prefecture: the municipalities of :data:`SPLIT_NORTH` connected (by shared
    boundaries) to the first of them, so the 圏域 is contiguous whatever the generated coastline."""
    adj = adjacency(project)
    out: dict[str, list[str]] = {}
    for pc in prefs:
        cands = [pc + c3 for c3 in SPLIT_NORTH]
        part, todo = [cands[0]], [cands[0]]
        while todo:
            u = todo.pop()
            for v in sorted(adj.get(u, ())):
                if v in cands and v not in part:
                    part.append(v)
                    todo.append(v)
        out[f"{IRYOKEN2[3][1]}北部{'' if pc == '99' else pc}"] = sorted(part)
    return out


def _options(project: Project, man: dict[str, Any]) -> dict[str, Any]:
    """案A (= 二次医療圏), 案B (デモ山間 split), 案C (政令市 as its own 圏域), 自動提案 (template
    ``proposed``), with roles and hubs."""
    prefs = [p["code"] for p in man["prefectures"]]
    create_option(
        project,
        "案A",
        template="area",
        layer=LAYER_IRYOKEN,
        author="デモ",
        notes="二次医療圏をそのまま在宅医療の圏域とする案（デモデータ）",
    )
    a = get_option(project, "案A")
    # active roles: per 圏域 the 在支病 with most beds, else the first 在支診; in デモ山間 pick one
    # in the southern (remaining) part so the split-off northern 圏域 of 案B lacks a role.
    split = _north_split(project, prefs)
    north = {u for codes in split.values() for u in codes}
    rows = project.conn.execute(
        "SELECT id, category, muni_code, coalesce(beds, 0) FROM facilities "
        "WHERE category IN ('zaishi_hospital', 'zaishi_clinic') AND status='open' "
        "ORDER BY category DESC, coalesce(beds, 0) DESC, id"
    ).fetchall()
    roles = 0
    for key in sorted(a.kens):
        members = {u for u, k in a.assignments.items() if k == key}
        cands = [r for r in rows if r[2] in members and r[2] not in north]
        if cands:
            set_active_role(project, cands[0][0], True)
            roles += 1
        hub_fac = next((r for r in rows if r[2] in members and r[1] == "zaishi_hospital"), None)
        if hub_fac is not None:
            add_hub(project, "案A", key, facility_id=hub_fac[0])
        else:
            add_hub(
                project, "案A", key, name=f"{a.kens[key]['name']}地区医師会", body_type="medical_association"
            )
    # 案B: groups of municipalities inside one 二次医療圏
    # the northern coastal strip of デモ山間 (area suffix SPLIT_AREA_SUFFIX) becomes its own 圏域
    create_option(
        project,
        "案B",
        template="area_split",
        layer=LAYER_IRYOKEN,
        base="案A",
        split=split,
        author="デモ",
        notes="デモ山間を北部（沿岸）と山間部に分ける案（デモデータ）",
    )
    create_option(
        project,
        "案C",
        template="designated_city",
        layer=LAYER_IRYOKEN,
        base="案A",
        author="デモ",
        notes=f"政令市（{CITY_CODE3}）を独立した圏域とする案（デモデータ）",
    )
    # the automatic proposal, as a user would ask for it: contiguous 圏域 with 在支診/在支病 and 訪問看護,
    # each of at least 1/8 of the population
    pop = float(project_info(project)["population"].get("total") or 0)
    create_option(
        project,
        PROPOSED,
        template="proposed",
        layer=LAYER_IRYOKEN,
        min_population=round(pop / 8),
        author="デモ",
        notes="連続性・在支診/在支病・訪問看護・最小人口の条件による自動提案（デモデータ）",
    )
    out: dict[str, Any] = {"active_roles": roles, "options": {}}
    for name in ("案A", "案B", "案C", PROPOSED):
        tot = evaluate_option(project, name).totals
        out["options"][name] = {
            "n_kens": tot.n_kens,
            "n_warnings": tot.n_warnings,
            "kens_without_hub": list(tot.kens_without_hub),
            "kens_without_active_role": list(tot.kens_without_active_role),
            "kens_missing_functions": list(tot.kens_missing_functions),
        }
    out["hokenjo_layer_areas"] = len(HOKENJO)
    return out
