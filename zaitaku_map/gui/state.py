"""The GUI's shared state: the open project, the current option, scenario and year, the selection.

One :class:`AppState` lives in the main window.  Panels, dialogs and map layers read it and
subscribe to its signals instead of reaching into the window; they change it only through its
setters, which emit a signal when (and only when) the value really changed.  It holds no widgets
and does no work: loading and computing stay in the core, called from the panels or a worker.

Signals
-------
``project_changed()``
    A project was opened, replaced or closed (``state.project`` may be ``None``).
``view_loaded()``
    The municipalities and facilities of the open project were (re)read into
    ``state.municipalities`` / ``state.facilities`` and pushed to the map.
``data_changed(kinds: frozenset[str])``
    Something in the open project changed (see :data:`DATA_KINDS`): an import, an edit of roles
    or positions, a new option.  Panels reload what they show when a kind they use is in ``kinds``.
``option_changed(name: str | None)``, ``scenario_changed(name: str | None)``, ``year_changed(year: int | None)``
    The option, what-if scenario or projection year shown on the screen.
``selection_changed(selection: Selection)``
    The shared selection (facilities, municipalities, the 圏域 being edited).
``coverage_changed(coverage: CoverageShown | None)``
    Coverage bands on the map (their parameters and categories) or none.
``layers_changed()``
    A map layer was added, removed, shown or hidden (see :meth:`AppState.screen`).
``message(text: str)``
    A line for the status bar (Japanese, for the user).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from zaitaku_map.settings import Settings

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.store import Project

# What ``data_changed`` names.  Owners of new data add their kind here (one word each).
DATA_KINDS = frozenset(
    {
        "boundaries",  # municipalities (N03)
        "areas",  # area layers (二次医療圏 …)
        "population",  # mesh / municipal / area population
        "facilities",  # the facility register (imports, closures)
        "positions",  # geocoding, manual placement
        "roles",  # 積極的役割, functions, hubs
        "references",  # geocoding references (town points, 位置参照情報)
        "roads",  # the road network
        "options",  # 圏域 options (create, edit, delete)
        "scenarios",  # what-if scenarios
        "projections",  # population projections and demand
        "agreements",  # partner agreements / links
        "settings",  # analysis settings stored in the project
    }
)


@dataclass(frozen=True)
class Selection:
    """What the user has picked: facilities, municipalities, and the 圏域 being edited."""

    facility_ids: tuple[int, ...] = ()
    municipalities: tuple[str, ...] = ()
    ken: str | None = None


@dataclass(frozen=True)
class CoverageShown:
    """Coverage drawn on the map: the parameters used and the categories with bands."""

    params: CoverageParams
    categories: tuple[str, ...]
    description: str  # the Japanese parameter line printed in the legend and the status bar


@dataclass(frozen=True)
class ScreenState:
    """What the screen shows now, for exports that follow the screen (the print dialog's defaults)."""

    option: str | None
    scenario: str | None
    year: int | None
    visible_layers: tuple[str, ...]
    categories: tuple[str, ...]  # facility categories whose layer is visible
    coverage_categories: tuple[str, ...]  # categories whose coverage bands are visible
    coverage: CoverageShown | None = None


@dataclass
class _Values:
    project: Project | None = None
    project_path: Path | None = None
    option: str | None = None
    scenario: str | None = None
    year: int | None = None
    selection: Selection = field(default_factory=Selection)
    coverage: CoverageShown | None = None


class AppState(QObject):
    """The state every panel shares.  Read the properties; change through the setters."""

    project_changed = Signal()
    view_loaded = Signal()
    data_changed = Signal(object)  # frozenset[str]
    option_changed = Signal(object)  # str | None
    scenario_changed = Signal(object)  # str | None
    year_changed = Signal(object)  # int | None
    selection_changed = Signal(object)  # Selection
    coverage_changed = Signal(object)  # CoverageShown | None
    layers_changed = Signal()
    message = Signal(str)

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._v = _Values()
        # read by panels, written by the window after a (re)load of the view
        self.facilities: list[dict[str, Any]] = []  # open facilities (store.queries.open_facilities rows)
        self.municipalities: Any = None  # display GeoDataFrame of geodata.load_municipalities, or None
        self._layers: dict[str, bool] = {}  # map layer id -> visible

    # -- the open project -----------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self._v.project

    @property
    def project_path(self) -> Path | None:
        return self._v.project_path

    def require_project(self) -> Project:
        """The open project (raises :class:`LookupError` when none is open — a programming error:
        actions that need a project are disabled without one)."""
        if self._v.project is None:
            raise LookupError("no project is open")
        return self._v.project

    def set_project(self, project: Project | None, path: Path | None = None) -> None:
        """Adopt ``project`` (closing the previous one); resets option, scenario, selection, coverage."""
        old = self._v.project
        if old is not None and old is not project:
            old.close()
        self._v = _Values(project=project, project_path=path if project is not None else None)
        self.facilities = []
        self.municipalities = None
        self._layers = {}
        self.project_changed.emit()

    def close_project(self) -> None:
        self.set_project(None)

    def notify_changed(self, *kinds: str) -> None:
        """Tell every subscriber that these kinds of data changed in the open project."""
        unknown = set(kinds) - DATA_KINDS
        if unknown:
            raise ValueError(f"unknown data kinds {sorted(unknown)}; add them to state.DATA_KINDS")
        if kinds:
            self.data_changed.emit(frozenset(kinds))

    def set_view(self, municipalities: Any, facilities: list[dict[str, Any]]) -> None:
        """The window stores what it just drew; ``view_loaded`` follows."""
        self.municipalities = municipalities
        self.facilities = facilities
        self.view_loaded.emit()

    def municipality_name(self, code: str) -> str:
        """「米子市」 for ``31202`` (the code itself when the project does not know it)."""
        gdf = self.municipalities
        if gdf is not None and len(gdf):
            hit = gdf.loc[gdf["code"].astype(str) == str(code)]
            if len(hit):
                row = hit.iloc[0]
                return str(row.get("full_name") or row.get("name") or code)
        return str(code)

    # -- what the screen shows ------------------------------------------------------------------
    @property
    def option(self) -> str | None:
        return self._v.option

    def set_option(self, name: str | None) -> None:
        if name == self._v.option:
            return
        self._v.option = name
        if name:
            self.settings.set("last_option", name)
        self.option_changed.emit(name)

    @property
    def scenario(self) -> str | None:
        return self._v.scenario

    def set_scenario(self, name: str | None) -> None:
        if name == self._v.scenario:
            return
        self._v.scenario = name
        self.scenario_changed.emit(name)

    @property
    def year(self) -> int | None:
        return self._v.year

    def set_year(self, year: int | None) -> None:
        if year == self._v.year:
            return
        self._v.year = year
        self.year_changed.emit(year)

    @property
    def selection(self) -> Selection:
        return self._v.selection

    def set_selection(self, selection: Selection) -> None:
        if selection == self._v.selection:
            return
        self._v.selection = selection
        self.selection_changed.emit(selection)

    def select_facility(self, facility_id: int | None) -> None:
        ids = () if facility_id is None else (int(facility_id),)
        self.set_selection(Selection(ids, self._v.selection.municipalities, self._v.selection.ken))

    def select_ken(self, ken: str | None) -> None:
        self.set_selection(Selection(self._v.selection.facility_ids, self._v.selection.municipalities, ken))

    @property
    def coverage(self) -> CoverageShown | None:
        return self._v.coverage

    def set_coverage(self, coverage: CoverageShown | None) -> None:
        self._v.coverage = coverage
        self.coverage_changed.emit(coverage)

    def show_message(self, text: str) -> None:
        self.message.emit(text)

    # -- map layers -----------------------------------------------------------------------------
    def set_layer_visible(self, layer_id: str, visible: bool) -> None:
        """Record a layer and its visibility (the window calls this; panels read :meth:`screen`)."""
        if self._layers.get(layer_id) == visible:
            return
        self._layers[layer_id] = visible
        self.layers_changed.emit()

    def forget_layer(self, layer_id: str) -> None:
        if self._layers.pop(layer_id, None) is not None:
            self.layers_changed.emit()

    def layer_ids(self) -> list[str]:
        return list(self._layers)

    def is_layer_visible(self, layer_id: str) -> bool:
        return self._layers.get(layer_id, False)

    def screen(self) -> ScreenState:
        """What the screen shows now (option, scenario, year, visible layers and categories)."""
        shown = tuple(k for k, v in self._layers.items() if v)
        return ScreenState(
            option=self._v.option,
            scenario=self._v.scenario,
            year=self._v.year,
            visible_layers=shown,
            categories=tuple(k[4:] for k in shown if k.startswith("fac:")),
            coverage_categories=tuple(k[5:] for k in shown if k.startswith("band:")),
            coverage=self._v.coverage,
        )
