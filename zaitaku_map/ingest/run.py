"""Import a folder (or zip, or list) of mixed downloads in dependency order, file by file.

boundaries → A38 / area tables → population → projections → facility lists → geocoding references
→ roads → geocode → 協力医療機関 agreements.  Each file is its own transaction (the core import functions are): a file that
fails is reported with its error and the others stay imported.  One progress bar covers the whole
run (weighted by file size); cancelling stops after the file being imported rolls back, and the
report says which files were done.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zaitaku_map.errors import Cancelled, InputDataError, ZaitakuError
from zaitaku_map.importers.report import ImportReport
from zaitaku_map.ingest.detect import KIND_ORDER, DataKind, Detection, detect_file
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.demand import FileReport

GEOCODE_SHARE = 0.15  # of the progress bar, when geocoding follows


@dataclass
class Step:
    """One import call: a file, or all e-Stat mesh files together."""

    kind: DataKind
    detections: list[Detection]
    layer: str | None = None
    category: str | None = None
    municipality: str | None = None  # of a town-point list that names none (references)

    @property
    def paths(self) -> list[Path]:
        return [d.path for d in self.detections]

    @property
    def detail(self) -> str:
        return self.detections[0].detail

    def weight(self) -> float:
        return sum(max(_size_mb(p), 0.05) for p in self.paths)


@dataclass
class StepResult:
    """What one step did: the core's report (facilities: one per file or zip member), or its error."""

    step: Step
    facilities: list[ImportReport] = field(default_factory=list)
    result: dict[str, Any] | None = None
    projection: FileReport | None = None
    error: ZaitakuError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and not any(r.error for r in self.facilities)


@dataclass
class Plan:
    """The steps of an import in order, and the files left out (with the reason)."""

    steps: list[Step]
    skipped: list[Detection] = field(default_factory=list)
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)  # (left out, same data as)

    @property
    def files(self) -> int:
        return sum(len(s.detections) for s in self.steps)


@dataclass
class IngestReport:
    """The result of :func:`import_paths`."""

    plan: Plan
    results: list[StepResult] = field(default_factory=list)
    geocode: dict[str, Any] | None = None
    geocode_error: ZaitakuError | None = None
    cancelled: bool = False
    study_prefectures: list[str] = field(default_factory=list)
    municipality_names: dict[str, str] = field(default_factory=dict)  # code -> 「西伯郡大山町」

    @property
    def failed(self) -> list[StepResult]:
        return [r for r in self.results if not r.ok]

    @property
    def not_run(self) -> list[Step]:
        done = {id(r.step) for r in self.results}
        return [s for s in self.plan.steps if id(s) not in done]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--json``)."""
        return {
            "ok": not self.failed and not self.cancelled and self.geocode_error is None,
            "cancelled": self.cancelled,
            "study_prefectures": list(self.study_prefectures),
            "steps": [_result_dict(r) for r in self.results],
            "not_run": [{"kind": s.kind, "files": [p.name for p in s.paths]} for s in self.not_run],
            "skipped": [{"file": d.path.name, "reason": d.reason} for d in self.plan.skipped],
            "duplicates": [{"file": a.name, "same_as": b.name} for a, b in self.plan.duplicates],
            "geocode": self.geocode,
            "geocode_error": self.geocode_error.to_dict() if self.geocode_error else None,
        }


def _result_dict(r: StepResult) -> dict[str, Any]:
    return {
        "kind": r.step.kind,
        "detail": r.step.detail,
        "files": [p.name for p in r.step.paths],
        "layer": r.step.layer,
        "ok": r.ok,
        "facilities": [f.to_dict() for f in r.facilities],
        "result": r.result if r.projection is None else r.projection.to_dict(),
        "error": r.error.to_dict() if r.error else None,
        "seconds": round(r.seconds, 2),
    }


def _size_mb(p: Path) -> float:
    try:
        return p.stat().st_size / 2**20
    except OSError:
        return 0.0


# -- inputs ---------------------------------------------------------------------------------------
def expand_inputs(paths: Sequence[str | Path], *, workdir: Path | None = None) -> list[Path]:
    """Files of the given paths: folders recursively (sorted), a zip that is not itself an official
    download extracted into ``workdir`` (a zipped folder of downloads)."""
    from zaitaku_map.ingest.grid import extract

    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(f for f in sorted(p.rglob("*")) if f.is_file())
        elif p.suffix.lower() == ".zip" and workdir is not None and _is_container(p):
            dest = workdir / p.stem
            dest.mkdir(parents=True, exist_ok=True)
            extract(p, dest)
            out.extend(f for f in sorted(dest.rglob("*")) if f.is_file())
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _is_container(p: Path) -> bool:
    """A zip of downloads (files of several kinds, or zips inside), not an official zip."""
    from zaitaku_map.ingest.grid import archive_names

    d = detect_file(p)
    if d.usable or d.error is not None:  # an official zip, or one refused by the limits (never unpacked)
        return False
    names = [n.lower() for n in archive_names(p)]
    return any(n.endswith((".zip", ".xlsx", ".json", ".txt", ".pbf")) for n in names) or len(names) > 1


def plan_import(
    detections: Sequence[Detection],
    *,
    layers: dict[Path, str] | None = None,
    categories: dict[Path, str | None] | None = None,
) -> Plan:
    """Order the usable files by kind (:data:`KIND_ORDER`); mesh files of one import together.

    ``layers`` / ``categories`` override the detected area layer or facility category of a file.
    """
    layers = layers or {}
    categories = categories or {}
    plan = Plan(steps=[])
    seen_boundaries: dict[str, Path] = {}
    mesh: list[Detection] = []
    by_kind: dict[str, list[Detection]] = {}
    # N03 comes as GeoJSON and as a Shapefile zip of the same data: import it once (the GeoJSON)
    ordered = sorted(detections, key=lambda d: d.kind == "boundaries" and d.path.suffix.lower() == ".zip")
    for d in ordered:
        if not d.usable:
            plan.skipped.append(d)
            continue
        if d.kind == "boundaries":
            stem = d.path.name.split(".")[0].removesuffix("_shp").removesuffix("_GML")
            if stem in seen_boundaries:
                plan.duplicates.append((d.path, seen_boundaries[stem]))
                continue
            seen_boundaries[stem] = d.path
        if d.kind == "population" and d.detail == "mesh":
            mesh.append(d)
            continue
        by_kind.setdefault(str(d.kind), []).append(d)
    for kind in KIND_ORDER:
        if kind == "population" and mesh:
            plan.steps.append(Step("population", mesh))
        for d in by_kind.get(kind, []):
            plan.steps.append(
                Step(
                    kind,
                    [d],
                    layer=layers.get(d.path, d.layer),
                    category=categories.get(d.path, d.category),
                )
            )
    return plan


# -- running --------------------------------------------------------------------------------------
def run_plan(
    project: Project,
    plan: Plan,
    *,
    reference_date: str | None = None,
    geocode: bool = True,
    mapping: dict[Path, dict[str, Any]] | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> IngestReport:
    """Run the steps of ``plan`` (see module docstring); never raises for a failing file."""
    prog = Progress.of(progress, cancel)
    report = IngestReport(plan=plan)
    total = sum(s.weight() for s in plan.steps) or 1.0
    places = geocode and any(s.kind in ("facilities", "reference") for s in plan.steps)
    share = 1.0 - (GEOCODE_SHARE if places else 0.0)
    late = [s for s in plan.steps if s.kind == "agreements"]  # they match facilities: after geocoding
    try:
        for step in [s for s in plan.steps if s.kind != "agreements"]:
            sub = prog.step(share * step.weight() / total)
            report.results.append(
                _run_step(project, step, reference_date=reference_date, mapping=mapping or {}, progress=sub)
            )
        if places and any(r.ok for r in report.results if r.step.kind in ("facilities", "reference")):
            from zaitaku_map.geocode import geocode_project

            try:
                report.geocode = dict(
                    geocode_project(project, progress=prog.step(GEOCODE_SHARE), cancel=cancel)
                )
            except Cancelled:
                raise
            except ZaitakuError as err:
                report.geocode_error = err
        for step in late:
            sub = prog.step(share * step.weight() / total)
            report.results.append(
                _run_step(project, step, reference_date=reference_date, mapping=mapping or {}, progress=sub)
            )
    except Cancelled:
        report.cancelled = True
    report.study_prefectures = list(project.study_prefectures)
    from zaitaku_map.ingest.report import municipality_names

    report.municipality_names = municipality_names(project)
    return report


def _run_step(
    project: Project,
    step: Step,
    *,
    reference_date: str | None,
    mapping: dict[Path, dict[str, Any]],
    progress: Progress,
) -> StepResult:
    t0 = time.monotonic()
    out = StepResult(step)
    first = step.paths[0]
    progress.update(0, first.name, force=True)
    try:
        if step.kind == "facilities":
            out.facilities = _import_facilities(project, step, reference_date, mapping, progress)
        elif step.kind == "projection":
            from zaitaku_map.demand import import_projection_file

            out.projection = import_projection_file(project, first, progress=progress, cancel=progress.cancel)
        elif step.kind == "agreements":
            from zaitaku_map.partners import import_agreements

            out.result = import_agreements(
                project, first, reference_date=reference_date, progress=progress, cancel=progress.cancel
            ).to_dict()
        else:
            out.result = _import_other(project, step, reference_date, progress)
    except Cancelled:
        raise
    except ZaitakuError as err:
        out.error = err
    except (OSError, ValueError) as err:  # a file the readers could not open or parse
        out.error = InputDataError(f"{type(err).__name__}: {err}", file=first)
    out.seconds = time.monotonic() - t0
    progress.update(progress.total, first.name, force=True)
    return out


def _import_facilities(
    project: Project,
    step: Step,
    reference_date: str | None,
    mapping: dict[Path, dict[str, Any]],
    progress: Progress,
) -> list[ImportReport]:
    from zaitaku_map.importers import import_files

    path = step.paths[0]
    return import_files(
        project,
        [path],
        category=step.category,
        mapping=mapping.get(path),
        reference_date=reference_date,
        on_error="report",
        progress=progress,
        cancel=progress.cancel,
    )


def _import_other(
    project: Project, step: Step, reference_date: str | None, progress: Progress
) -> dict[str, Any]:
    path = step.paths[0]
    cancel = progress.cancel
    if step.kind == "boundaries":
        from zaitaku_map.geodata import import_boundaries

        return dict(
            import_boundaries(project, path, reference_date=reference_date, progress=progress, cancel=cancel)
        )
    if step.kind in ("a38", "areas"):
        from zaitaku_map.geodata import import_a38, import_area_table

        fn = import_a38 if step.kind == "a38" else import_area_table
        return dict(
            fn(
                project,
                path,
                layer=step.layer or "二次医療圏",
                reference_date=reference_date,
                progress=progress,
                cancel=cancel,
            )
        )
    if step.kind == "population":
        from zaitaku_map.geodata import import_population

        return dict(import_population(project, step.paths, progress=progress, cancel=cancel))
    if step.kind == "reference":
        from zaitaku_map.geocode import import_reference

        return dict(
            import_reference(
                project,
                path,
                municipality=step.municipality,
                reference_date=reference_date,
                progress=progress,
                cancel=cancel,
            )
        )
    if step.kind == "roads":
        from zaitaku_map.network import import_roads

        return dict(
            import_roads(project, path, reference_date=reference_date, progress=progress, cancel=cancel)
        )
    raise InputDataError(f"unknown data kind {step.kind!r}", file=path)


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="zaitaku-ingest-") as d:
        yield Path(d)


def import_paths(
    project: Project,
    paths: Sequence[str | Path],
    *,
    reference_date: str | None = None,
    geocode: bool = True,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> IngestReport:
    """Detect, order and import every file of ``paths`` (files, folders, zips of downloads)."""
    prog = Progress.of(progress, cancel)
    with _workdir() as work:
        files = expand_inputs(paths, workdir=work)
        look = prog.step(0.03)
        detections = [detect_file(f) for f in look.iterate(files, message="ファイルの種類を判定中")]
        plan = plan_import(detections)
        return run_plan(
            project,
            plan,
            reference_date=reference_date,
            geocode=geocode,
            progress=prog.step(0.97),
            cancel=cancel,
        )


def import_references(
    project: Project,
    paths: Sequence[str | Path],
    *,
    municipality: str | None = None,
    reference_date: str | None = None,
    geocode: bool = True,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> IngestReport:
    """Import geocoding references, then (``geocode``) geocode every facility.

    A folder (e.g. Geolonia's one JSON per municipality, ``西伯郡大山町.json``) gives its reference
    files, each imported on its own with the municipality read from the file name or, failing that,
    from where its points lie; other files in the folder are listed as skipped.  Files named
    directly are imported as references whatever they look like (a wrong one is reported).
    """
    prog = Progress.of(progress, cancel)
    steps: list[Step] = []
    skipped: list[Detection] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for d in (detect_file(f) for f in expand_inputs([p])):
                if d.kind == "reference":
                    steps.append(Step("reference", [d]))
                elif d.reason != "note":
                    skipped.append(
                        d if not d.usable else Detection(d.path, None, d.detail, reason="not_reference")
                    )
        else:
            steps.append(Step("reference", [Detection(p, "reference", "")]))
    if municipality and len(steps) == 1:
        steps[0].municipality = municipality
    return run_plan(
        project,
        Plan(steps, skipped=skipped),
        reference_date=reference_date,
        geocode=geocode,
        progress=prog,
        cancel=cancel,
    )
