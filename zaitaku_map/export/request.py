"""What an export is asked to draw, and what it wrote: the one request and result type of every exporter.

Every exporter of :mod:`zaitaku_map.export` takes ``(project, request, path)`` and keyword-only
``progress``/``cancel``; the request carries the choices a user makes on the screen or the command line
(option, scenario, year, layers, categories, title, paper …), so the print follows the screen and a new
choice is added in one place instead of nine signatures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from zaitaku_map.coverage import COMBINED, CoverageParams
from zaitaku_map.errors import ExportError
from zaitaku_map.labels import CATEGORIES, CORE_CATEGORIES

PAPERS = ("A4", "A3")

# what a map can show; the GUI's layer names map onto these keys
MAP_LAYERS: dict[str, str] = {
    "kens": "圏域",
    "municipalities": "市区町村の境界",
    "muni_labels": "市区町村名",
    "facilities": "施設",
    "coverage": "到達圏",
    "gaps": "到達圏外の人口",
    "partners": "協力医療機関の候補",  # the HTML map only, when asked for (not a default layer)
}
DEFAULT_LAYERS: frozenset[str] = frozenset(
    {"kens", "municipalities", "muni_labels", "facilities", "coverage", "gaps"}
)

# many-row categories a committee rarely needs on a map or in a printed list unless asked for
BULKY_CATEGORIES: tuple[str, ...] = ("pharmacy", "clinic")
# what the one-PDF pack lists by default: the core categories except the bulky ones
DEFAULT_LIST_CATEGORIES: tuple[str, ...] = tuple(c for c in CORE_CATEGORIES if c not in BULKY_CATEGORIES)
# what a map draws when no categories are asked for: the facilities a 在宅医療 plan is about (the
# coverage category's members are added); 薬局・診療所 (hundreds in a city) would bury them
DEFAULT_MAP_CATEGORIES: tuple[str, ...] = ("zaishi_clinic", "zaishi_hospital", "home_nursing", "hospital")
# ``categories=("all",)``: every category (the CLI's ``--categories all``)
ALL_CATEGORIES = "all"


def expand_categories(categories: Iterable[str] | None) -> frozenset[str] | None:
    """Category keys (combined keys such as ``zaishi`` expanded); ``None``, empty or ``all`` means all.

    Raises
    ------
    ExportError
        For a key that is neither a category nor a combined category.
    """
    if not categories:
        return None
    out: set[str] = set()
    for key in categories:
        if key == ALL_CATEGORIES:
            return None
        if key in COMBINED:
            out.update(COMBINED[key])
        elif key in CATEGORIES:
            out.add(key)
        else:
            raise ExportError(
                f"unknown facility category: {key}",
                value=key,
                expected=", ".join([ALL_CATEGORIES, *COMBINED, *CATEGORIES]),
                hint="施設種別のキー（例 zaishi, home_nursing、すべてなら all）を指定してください",
            )
    return frozenset(out)


def parse_keys(text: str | None) -> tuple[str, ...] | None:
    """``"zaishi,home_nursing"`` (also 、 separated) as a tuple of keys; ``None`` for an empty text."""
    keys = tuple(k.strip() for k in (text or "").replace("、", ",").split(",") if k.strip())
    return keys or None


def _check_year(year: object) -> None:
    """A projection 年度 must be a plain western year (``None``: no projection)."""
    if year is None:
        return
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ExportError(
            f"not a year: {year}", value=year, hint="年度は 2040 のように西暦で指定してください"
        )


@dataclass(frozen=True)
class MeetingInfo:
    """The cover page of a meeting pack: 会議名, 日付, 事務局 (project setting ``meeting``)."""

    name: str = ""
    date: str = ""
    secretariat: str = ""

    @classmethod
    def from_setting(cls, value: Any) -> MeetingInfo:
        """From the project's stored ``meeting`` setting (anything else gives an empty cover)."""
        if not isinstance(value, dict):
            return cls()
        return cls(**{k: str(value.get(k) or "") for k in ("name", "date", "secretariat")})

    def to_setting(self) -> dict[str, str]:
        return {"name": self.name, "date": self.date, "secretariat": self.secretariat}


@dataclass(frozen=True)
class ExportRequest:
    """Everything an exporter is asked to show.

    Parameters
    ----------
    option:
        The 圏域 option (the baseline of a comparison or pack).
    compare:
        Further options for the comparison and the pack (duplicates of ``option`` are dropped).
    scenario:
        A stored what-if scenario: coverage and evaluation use its facility set; maps draw its
        hypothetical facilities (★ 仮想) and edits; lists, CSV and XLSX list only real facilities
        (``None``: the register as imported).
    year:
        A 年度 of the imported projections: maps, evaluation tables and layers give each 圏域's
        訪問診療 demand and 75+ population of that year (``None``: no projection).
    layers:
        Map layers to draw (keys of :data:`MAP_LAYERS`); ``None`` means :data:`DEFAULT_LAYERS`.
    categories:
        Facility categories (combined keys allowed) on maps and in tables.  ``None``: tables list
        every category, maps draw :data:`DEFAULT_MAP_CATEGORIES` (and the coverage category);
        ``("all",)``: every category everywhere.
    list_categories:
        Categories of the resource lists in the one-PDF pack; ``None`` means
        :data:`DEFAULT_LIST_CATEGORIES` (薬局・診療所 off).
    title, subtitle:
        Map title (default 「在宅医療の圏域（案）」) and a line under it.
    paper, landscape:
        ``"A4"`` or ``"A3"``; orientation.
    coverage_category:
        Category (or combined one) whose coverage is drawn and tabulated; ``None`` for none.
    coverage_params:
        Coverage parameters; ``None`` means the project's stored ones (with ``coverage_minutes``).
    coverage_minutes:
        Minutes that override the stored parameters' threshold.
    sections:
        Pack sections, in registry order (``None``: the sections on by default).
    meeting:
        The pack's cover (``None``: the project's ``meeting`` setting).
    choropleth:
        A municipal indicator drawn as a class map instead of the 圏域 fills (keys of
        :data:`zaitaku_map.export.choropleth.INDICATORS`).
    """

    option: str
    compare: tuple[str, ...] = ()
    scenario: str | None = None
    year: int | None = None
    layers: frozenset[str] | None = None
    categories: tuple[str, ...] | None = None
    list_categories: tuple[str, ...] | None = None
    title: str | None = None
    subtitle: str | None = None
    paper: str = "A4"
    landscape: bool = True
    coverage_category: str | None = None
    coverage_params: CoverageParams | None = None
    coverage_minutes: float | None = None
    sections: tuple[str, ...] | None = None
    meeting: MeetingInfo | None = None
    choropleth: str | None = None

    def __post_init__(self) -> None:
        paper = str(self.paper).upper()
        if paper not in PAPERS:
            raise ExportError(
                f"unknown paper size: {self.paper}",
                value=self.paper,
                expected=" or ".join(PAPERS),
                hint="用紙は A4 か A3 を指定してください",
            )
        object.__setattr__(self, "paper", paper)
        object.__setattr__(self, "compare", tuple(dict.fromkeys(n for n in self.compare if n != self.option)))
        if self.categories is not None:
            object.__setattr__(self, "categories", tuple(self.categories) or None)
        expand_categories(self.categories)
        expand_categories(self.list_categories)
        if self.layers is not None:
            unknown = set(self.layers) - set(MAP_LAYERS)
            if unknown:
                raise ExportError(
                    f"unknown map layer: {', '.join(sorted(unknown))}",
                    value=", ".join(sorted(unknown)),
                    expected=", ".join(MAP_LAYERS),
                )
            object.__setattr__(self, "layers", frozenset(self.layers))
        if self.coverage_category is not None and self.coverage_category not in {*CATEGORIES, *COMBINED}:
            raise ExportError(
                f"unknown facility category: {self.coverage_category}",
                value=self.coverage_category,
                expected=", ".join([*COMBINED, *CATEGORIES]),
            )
        if self.choropleth is not None:
            from zaitaku_map.export.choropleth import INDICATORS

            if self.choropleth not in INDICATORS:
                raise ExportError(
                    f"unknown municipal indicator: {self.choropleth}",
                    value=self.choropleth,
                    expected=", ".join(INDICATORS),
                )
        if self.coverage_minutes is not None and not float(self.coverage_minutes) > 0:
            raise ExportError("coverage minutes must be positive", value=self.coverage_minutes)
        if self.scenario is not None and not str(self.scenario).strip():
            object.__setattr__(self, "scenario", None)
        _check_year(self.year)

    # ------------------------------------------------------------------------------------------
    @property
    def options(self) -> list[str]:
        """The option and the compared ones, baseline first."""
        return [self.option, *self.compare]

    @property
    def shown_layers(self) -> frozenset[str]:
        return DEFAULT_LAYERS if self.layers is None else self.layers

    def shows(self, layer: str) -> bool:
        """Whether the map draws ``layer`` (coverage layers only when a coverage category is set)."""
        if layer in ("coverage", "gaps") and self.coverage_category is None:
            return False
        return layer in self.shown_layers

    @property
    def category_set(self) -> frozenset[str] | None:
        """Expanded facility categories, ``None`` for all."""
        return expand_categories(self.categories)

    @property
    def map_category_set(self) -> frozenset[str] | None:
        """Categories a map draws: those asked for (``None`` for ``all``), else
        :data:`DEFAULT_MAP_CATEGORIES` with the members of the coverage category."""
        if self.categories is not None:
            return expand_categories(self.categories)
        shown = set(DEFAULT_MAP_CATEGORIES)
        if self.coverage_category is not None:
            shown |= set(COMBINED.get(self.coverage_category, (self.coverage_category,)))
        return frozenset(shown)

    @property
    def list_category_set(self) -> frozenset[str]:
        return expand_categories(self.list_categories) or frozenset(DEFAULT_LIST_CATEGORIES)

    def for_option(self, name: str) -> ExportRequest:
        """The same request about another option (the pack's per-option parts)."""
        return replace(self, option=name, compare=())

    def with_(self, **changes: Any) -> ExportRequest:
        """A copy with ``changes`` (validated again)."""
        return replace(self, **changes)


@dataclass
class ExportResult:
    """What one export wrote.

    ``kind`` is one of map_pdf, atlas_pdf, html, list_pdf, comparison_pdf, pack_pdf, pack_dir, csv,
    xlsx, gpkg.  ``counts`` holds what was drawn or listed, ``details`` the exporter's own facts
    (legend fits, scale bar, coverage parameters, pack parts …); both are JSON-ready.
    """

    kind: str
    path: str
    pages: int = 0
    seconds: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--json`` output)."""
        return asdict(self)


class Timer:
    """Seconds since creation, rounded for results."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def seconds(self) -> float:
        return round(time.perf_counter() - self.t0, 2)
