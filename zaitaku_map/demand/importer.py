"""``zaitaku-map projection``: import demand, projection and rate files into the project.

Each file is recognised by content (:func:`~zaitaku_map.demand.sniff.sniff_projection_file`), read in
full, then written in one transaction with its provenance (``sources`` row of kind ``projection``:
file, checksum, the file's own 年度 and projection marker, edition) and its rejected rows
(``import_log``).  A file that cannot be read changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from zaitaku_map.demand import tables
from zaitaku_map.demand.mhlw import DemandFile, read_demand_workbook
from zaitaku_map.demand.projection_read import ProjectionFile, read_projection_table
from zaitaku_map.demand.rates_read import RateTable, read_rate_table
from zaitaku_map.demand.sniff import sniff_projection_file
from zaitaku_map.demand.tokens import OPEN, AgeBand
from zaitaku_map.errors import InputDataError, UnsupportedFormatError
from zaitaku_map.geodata.loaders import area_layer_names, area_membership
from zaitaku_map.importers.report import Rejected
from zaitaku_map.labels import DEMAND_FILE_KINDS, DEMAND_TEXT
from zaitaku_map.progress import CancelToken, Progress, ProgressCallback
from zaitaku_map.store import Project


@dataclass
class AreaMatch:
    """Which area layer of the project holds the 構想区域 codes of a demand file."""

    layer: str | None
    matched: int
    codes: int
    missing: list[str] = field(default_factory=list)  # codes of the file not in the layer


@dataclass
class FileReport:
    """What one file brought (``to_dict`` is the ``--json`` entry)."""

    file: str
    kind: str  # mhlw_demand|projection|use_rates
    kind_label: str
    source_id: int
    edition: str | None
    sheets: list[str]
    years: list[int]
    loaded: int  # rows written (area × year × measure, region × sex × age × year, rates)
    other_prefecture_rows: dict[str, int]
    rejected: list[Rejected]
    notes: list[str]
    # demand files
    measures: list[str] = field(default_factory=list)
    base_year: int | None = None
    projection_label: str | None = None
    unit: str | None = None
    areas: dict[str, str] = field(default_factory=dict)  # code -> name
    area_layer: AreaMatch | None = None
    # projection tables
    regions: int = 0
    groups: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    ages: list[str] = field(default_factory=list)
    sexes: list[str] = field(default_factory=list)
    unmatched_codes: list[str] = field(default_factory=list)  # in the study region but not in the project
    units_without_projection: list[str] = field(default_factory=list)
    # rate tables
    rate_measure: str | None = None
    rate_per: float | None = None
    rate_period: str | None = None

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["rejected"] = [asdict(r) for r in self.rejected]
        return d


@dataclass
class ProjectionImportReport:
    files: list[FileReport]

    @property
    def rejected(self) -> int:
        return sum(len(f.rejected) for f in self.files)

    def to_dict(self) -> dict[str, object]:
        return {"files": [f.to_dict() for f in self.files], "rejected": self.rejected}


def _age_order(age: AgeBand) -> tuple[bool, AgeBand]:
    return (age != (0, OPEN), age)


def age_text(age: AgeBand) -> str:
    lo, hi = age
    if (lo, hi) == (0, OPEN):
        return DEMAND_TEXT["age_total"]
    return DEMAND_TEXT["age_open" if hi == OPEN else "age_band"].format(lo=lo, hi=hi)


def study_prefectures(project: Project) -> set[str]:
    """The study region's prefectures, else those of the imported municipalities (may be empty)."""
    prefs = set(project.study_prefectures)
    if not prefs:
        prefs = {r[0] for r in project.conn.execute("SELECT DISTINCT pref_code FROM municipalities") if r[0]}
    return prefs


def area_key(code: str) -> str:
    """A 構想区域 code as the demand file writes it: digits padded to 4 (an area table typed in Excel
    may hold ``101`` for ``0101``)."""
    t = str(code).strip()
    return t.zfill(4) if t.isdigit() and len(t) < 4 else t


def layer_areas(project: Project, layer: str) -> dict[str, str]:
    """``{unit: 構想区域 code}`` of an area layer, codes as :func:`area_key` writes them."""
    return {u: area_key(a) for u, (a, _n) in area_membership(project, layer).items()}


def match_area_layer(project: Project, codes: Sequence[str], *, layer: str | None = None) -> AreaMatch:
    """The area layer holding most of ``codes`` (the 構想区域 table decides), or ``layer`` when given."""
    want = set(codes)
    best = AreaMatch(None, 0, len(want), sorted(want))
    for name in [layer] if layer else area_layer_names(project):
        have = set(layer_areas(project, name).values())
        hit = len(want & have)
        if layer or hit > best.matched:
            best = AreaMatch(name, hit, len(want), sorted(want - have))
    return best


def _log(project: Project, sid: int, path: Path, rejected: list[Rejected]) -> None:
    for r in rejected:
        project.log_row(
            source_id=sid,
            reason=r.reason,
            file_name=path.name,
            sheet=r.sheet,
            row=r.row,
            column=r.column,
            value=r.value,
            severity=r.severity,
        )


def _import_demand(project: Project, df: DemandFile, *, layer: str | None) -> FileReport:
    rows: list[tuple[str, str, str | None, str | None, int, float]] = []
    areas: dict[str, str] = {}
    for s in df.sheets:
        for r in s.rows:
            areas[r.area_code] = r.area_name or r.area_code
            rows += [
                (s.measure, r.area_code, r.area_name, r.area_code[:2], y, v) for y, v in r.values.items()
            ]
            if s.measure == "home_visit" or not any(x.measure == "home_visit" for x in df.sheets):
                rows += [
                    ("population", r.area_code, r.area_name, r.area_code[:2], y, v)
                    for y, v in r.population.items()
                ]
    if not rows:
        skipped = sum(sum(s.other_prefectures.values()) for s in df.sheets)
        raise InputDataError(
            "no row of the study region's prefectures in the demand file",
            file=df.path,
            value=f"{skipped} rows of other prefectures",
            hint="init --prefecture で対象都道府県を設定してから取り込んでください。",
        )
    first = df.sheets[0]
    rejected = [r for s in df.sheets for r in s.rejected]
    other = Counter[str]()
    for s in df.sheets:
        other.update(s.other_prefectures)
    match = match_area_layer(project, sorted(areas), layer=layer)
    notes = []
    if match.layer is None or match.missing:
        notes.append(
            DEMAND_TEXT["no_area_layer"]
            if match.layer is None
            else DEMAND_TEXT["codes_not_in_layer"].format(layer=match.layer, codes="・".join(match.missing))
        )
    with project.transaction():
        tables.ensure_tables(project)
        sid = project.add_source(
            kind="projection",
            format="mhlw_demand",
            path=df.path,
            sheet=", ".join(s.sheet or "" for s in df.sheets),
            reference_date=None if first.base_year is None else str(first.base_year),
            rows_read=sum(len(s.rows) for s in df.sheets),
            rows_rejected=len(rejected),
            summary={
                "edition": df.edition,
                "base_year": first.base_year,
                "projection_label": first.projection_label,
                "unit": first.unit,
                "years": df.years,
                "measures": [s.measure for s in df.sheets],
                "titles": [s.title for s in df.sheets],
                "columns": first.columns,
                "other_prefecture_rows": sum(other.values()),
                "area_layer": match.layer,
            },
        )
        loaded = tables.write_demand(project, sid, rows)
        _log(project, sid, df.path, rejected)
    return FileReport(
        file=str(df.path),
        kind="mhlw_demand",
        kind_label=DEMAND_FILE_KINDS["mhlw_demand"],
        source_id=sid,
        edition=df.edition,
        sheets=[s.sheet or "" for s in df.sheets],
        years=df.years,
        loaded=loaded,
        other_prefecture_rows=dict(other),
        rejected=rejected,
        notes=notes + [DEMAND_TEXT["sheet_ignored"].format(name=n) for n in df.ignored_sheets],
        measures=[s.measure for s in df.sheets],
        base_year=first.base_year,
        projection_label=first.projection_label,
        unit=first.unit,
        areas=areas,
        area_layer=match,
    )


def _unit_codes(project: Project) -> tuple[set[str], set[str]]:
    """(option unit codes — municipalities and wards, 政令市 codes)."""
    units: set[str] = set()
    cities: set[str] = set()
    for code, kind in project.conn.execute("SELECT code, kind FROM municipalities"):
        (cities if kind == "designated_city" else units).add(code)
    return units, cities


def _import_projection(project: Project, pf: ProjectionFile) -> FileReport:
    units, cities = _unit_codes(project)
    regions = {c: r for s in pf.sheets for c, r in s.regions.items()}
    values = [v for s in pf.sheets for v in s.values if v.code in regions]
    rejected = [r for s in pf.sheets for r in s.rejected]
    other = Counter[str]()
    for s in pf.sheets:
        other.update(s.other_prefectures)
    known = units | cities
    unmatched = sorted(c for c, r in regions.items() if r.kind == "municipality" and c not in known)
    covered = {c for c, r in regions.items() if r.kind == "municipality"}
    covered |= {m for r in regions.values() if r.kind == "group" for m in r.members}
    cities_with = {c for c, r in regions.items() if r.kind == "designated_city"}
    wards_of = {
        c: {w for (w,) in project.conn.execute("SELECT code FROM municipalities WHERE parent_code=?", (c,))}
        for c in cities_with
    }
    covered |= {w for ws in wards_of.values() for w in ws}
    missing = sorted(units - covered)
    notes = [n for s in pf.sheets for n in s.notes]
    groups = [
        DEMAND_TEXT["group_region"].format(code=r.code, name=r.name or "", n=len(r.members))
        for r in regions.values()
        if r.kind == "group"
    ]
    if any(r.kind == "group" and not r.members for r in regions.values()):
        notes.append(DEMAND_TEXT["group_unknown_members"])
    with project.transaction():
        tables.ensure_tables(project)
        sid = project.add_source(
            kind="projection",
            format="projection",
            path=pf.path,
            sheet=", ".join(s.sheet or "" for s in pf.sheets),
            reference_date=str(min(v.year for v in values)) if values else None,
            rows_read=sum(len(s.regions) for s in pf.sheets),
            rows_rejected=len(rejected),
            summary={
                "edition": pf.edition,
                "titles": [s.title for s in pf.sheets],
                "layouts": sorted({s.layout for s in pf.sheets}),
                "years": sorted({v.year for v in values}),
                "ages": [age_text(a) for a in sorted({v.age for v in values}, key=_age_order)],
                "sexes": sorted({v.sex for v in values}),
                "other_prefecture_rows": sum(other.values()),
            },
        )
        tables.write_regions(project, sid, [(r.code, r.name, r.kind, r.members) for r in regions.values()])
        loaded = tables.write_projection(
            project,
            sid,
            [(v.code, v.sex, v.age, v.year, "share_pct" if v.share else "count", v.value) for v in values],
        )
        _log(project, sid, pf.path, rejected)
    return FileReport(
        file=str(pf.path),
        kind="projection",
        kind_label=DEMAND_FILE_KINDS["projection"],
        source_id=sid,
        edition=pf.edition,
        sheets=[s.sheet or "" for s in pf.sheets],
        years=sorted({v.year for v in values}),
        loaded=loaded,
        other_prefecture_rows=dict(other),
        rejected=rejected,
        notes=notes + [DEMAND_TEXT["sheet_ignored"].format(name=n) for n in pf.ignored_sheets],
        regions=len(regions),
        groups=groups,
        aggregates=sorted(cities_with),
        ages=[age_text(a) for a in sorted({v.age for v in values}, key=_age_order)],
        sexes=sorted({v.sex for v in values}),
        unmatched_codes=unmatched,
        units_without_projection=missing,
    )


def _import_rates(project: Project, path: Path, rts: list[RateTable]) -> FileReport:
    rejected = [r for t in rts for r in t.rejected]
    other = Counter[str]()
    for t in rts:
        other.update(t.other_prefectures)
    with project.transaction():
        tables.ensure_tables(project)
        sid = project.add_source(
            kind="projection",
            format="use_rates",
            path=path,
            sheet=", ".join(t.sheet or "" for t in rts),
            reference_date=None if rts[0].base_year is None else str(rts[0].base_year),
            rows_read=sum(len(t.rates) for t in rts),
            rows_rejected=len(rejected),
            summary={
                "titles": [t.title for t in rts],
                "measures": [t.measure for t in rts],
                "per": rts[0].per,
                "period": rts[0].period,
                "per_origin": rts[0].per_origin,
                "period_origin": rts[0].period_origin,
                "base_year": rts[0].base_year,
            },
        )
        loaded = sum(tables.write_rates(project, sid, t.measure, t.per, t.rates) for t in rts)
        _log(project, sid, path, rejected)
    return FileReport(
        file=str(path),
        kind="use_rates",
        kind_label=DEMAND_FILE_KINDS["use_rates"],
        source_id=sid,
        edition=None,
        sheets=[t.sheet or "" for t in rts],
        years=[y for y in [rts[0].base_year] if y is not None],
        loaded=loaded,
        other_prefecture_rows=dict(other),
        rejected=rejected,
        notes=[n for t in rts for n in t.notes],
        ages=[age_text(a) for a in sorted(rts[0].ages, key=_age_order)],
        sexes=rts[0].sexes,
        rate_measure=rts[0].measure,
        rate_per=rts[0].per,
        rate_period=rts[0].period,
    )


@dataclass(frozen=True)
class ImportOptions:
    """What the user says about files that do not say it themselves."""

    layer: str | None = None  # area layer of the 構想区域 codes (default: the one holding them)
    mapping: Mapping[str, str] | None = None  # column roles of a projection table
    year: int | None = None  # year of a projection table that names none
    rate_per: float | None = None
    rate_period: str | None = None  # month|year
    rate_measure: str | None = None
    kind: str | None = None  # force mhlw_demand|projection|use_rates


def import_projection_file(
    project: Project,
    path: str | Path,
    *,
    options: ImportOptions | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> FileReport:
    """Import one demand, projection or rate file (see module doc); cancel is checked before writing."""
    prog = Progress.of(progress, cancel)
    opts = options or ImportOptions()
    p = Path(path)
    if not p.is_file():
        raise InputDataError("file not found", file=p)
    prog.update(0.0, p.name, force=True)
    kind = opts.kind or sniff_projection_file(p)
    if kind is None and opts.mapping:
        kind = "projection"
    prefs = study_prefectures(project)
    if kind == "mhlw_demand":
        df = read_demand_workbook(p, prefectures=prefs or None)
        prog.update(0.8, p.name, force=True)
        return _import_demand(project, df, layer=opts.layer)
    if kind == "projection":
        units, cities = _unit_codes(project)
        if not units:
            raise InputDataError(
                "the project has no municipalities yet",
                file=p,
                hint="先に zaitaku-map boundaries で行政区域を取り込んでください。",
            )
        pf = read_projection_table(
            p, prefectures=prefs, project_codes=units | cities, mapping=opts.mapping, year=opts.year
        )
        prog.update(0.8, p.name, force=True)
        return _import_projection(project, pf)
    if kind == "use_rates":
        rts = read_rate_table(
            p, prefectures=prefs, per=opts.rate_per, period=opts.rate_period, measure=opts.rate_measure
        )
        prog.update(0.8, p.name, force=True)
        return _import_rates(project, p, rts)
    raise UnsupportedFormatError(
        "not a demand, projection or rate table",
        file=p,
        expected="・".join(DEMAND_FILE_KINDS.values()),
        hint="列の対応を --mapping で指定すると、市区町村×年×年齢の表として読み込めます。",
    )


def import_projection_files(
    project: Project,
    paths: Sequence[str | Path],
    *,
    options: ImportOptions | None = None,
    progress: ProgressCallback | Progress | None = None,
    cancel: CancelToken | None = None,
) -> ProjectionImportReport:
    """Import several files, each in its own transaction, in the order given."""
    prog = Progress.of(progress, cancel)
    out: list[FileReport] = []
    for p in paths:
        step = prog.step(1.0 / max(len(paths), 1))
        out.append(import_projection_file(project, p, options=options, progress=step))
    prog.update(prog.total, "", force=True)
    return ProjectionImportReport(out)
