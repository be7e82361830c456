"""Hypothetical facilities placed in a meeting («ここに在支診があったら»): a live what-if scenario.

The edits go through :class:`zaitaku_map.remedies.LiveScenario` (the exact incremental coverage
engine: an edit takes milliseconds on the demo), never into the facility register.  The meeting
shows their effect at once: the 「仮」 markers, the people outside coverage, the uncovered 75+ and
在支診+在支病 per 圏域 of the option shown.  「この状態を案として保存」 keeps them as a scenario
named by the meeting date; every edit and undo is a line of the meeting record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from zaitaku_map.export.mapdraw import Coverage
from zaitaku_map.export.viewer import coverage_part
from zaitaku_map.labels import MEETING_TEXT
from zaitaku_map.options.headlines import Headlines
from zaitaku_map.options.meeting import log_event
from zaitaku_map.remedies import EditOutcome, LiveScenario, list_scenarios
from zaitaku_map.store import Project

# the 「仮」 marker's colour on the page (resources/ui/viewer/viewer.css .zm-whatif) and in the legend
WHATIF_COLOR = "#c2185b"


class MeetingWhatIf:
    """The hypothetical facilities of one meeting (the scenario is built on the first one)."""

    def __init__(self, project: Project, meeting_id: int, *, category: str, params: Any) -> None:
        self.project = project
        self.meeting_id = meeting_id
        self.category = category
        self.params = params
        self.live: LiveScenario | None = None
        self.gaps: gpd.GeoDataFrame | None = None
        self.saved_as: str | None = None

    @property
    def active(self) -> bool:
        """Whether hypothetical facilities change what the meeting shows."""
        return self.live is not None and bool(self.live.state.sites)

    def _scenario(self) -> LiveScenario:
        if self.live is None:  # ~1 s on the demo: the base coverage of the category
            self.live = LiveScenario(self.project, category=self.category, params=self.params, layers=[])
        return self.live

    def add(self, lat: float, lon: float, *, option: str) -> EditOutcome:
        """A hypothetical facility of the category's first kind (在支診 for 在支診・在支病) at lat/lon.

        Raises
        ------
        InputDataError
            (``remedies.live.PositionError``) when coverage cannot reach the place (off the roads).
        """
        live = self._scenario()
        label = MEETING_TEXT["whatif_label"].format(n=len(live.state.sites) + 1)
        out = live.add_site(lon, lat, label=label)
        self._after(out)
        log_event(self.project, self.meeting_id, "whatif_added", option=option, name=label)
        return out

    def undo(self, *, option: str) -> EditOutcome | None:
        if self.live is None or not self.live.can_undo:
            return None
        out = self.live.undo()
        self._after(out)
        log_event(self.project, self.meeting_id, "undone", option=option, what=out.description)
        return out

    def _after(self, out: EditOutcome) -> None:
        assert self.live is not None
        g = self.live.gap_points()
        self.gaps = gpd.GeoDataFrame(g, geometry=gpd.points_from_xy(g["lon"], g["lat"]), crs="EPSG:4326")
        self.saved_as = None if out.changed else self.saved_as

    def sites(self) -> list[list[Any]]:
        """``[[lat, lon, label]]`` of the hypothetical facilities."""
        if self.live is None:
            return []
        return [[s.lat, s.lon, s.label] for s in self.live.state.sites.values()]

    def coverage_part(self, *, with_bands: bool) -> dict[str, Any]:
        """The page's coverage entry of the category under the what-if (bands only when asked:
        tracing them takes ~0.7 s on the demo; ``bands`` None keeps the drawn ones)."""
        live = self._scenario()
        cov = Coverage(category=self.category, params=live.params, minutes=float(live.params.minutes))
        cov.gaps = self.gaps
        cov.bands = live.band_polygons() if with_bands else None
        part = coverage_part(cov)
        if not with_bands:
            part["bands"] = None
        return part

    def adjust(self, heads: Headlines, ken_of: Mapping[str, str]) -> Headlines:
        """``heads`` with the uncovered 75+ and 在支診+在支病 of the what-if (``ken_of``: unit → 圏域 key)."""
        if not self.active or self.live is None or self.gaps is None:
            return heads
        outside: dict[str, float] = {}
        for code, pop in zip(self.gaps["muni_code"], self.gaps["pop_75"].fillna(0.0), strict=True):
            key = ken_of.get(str(code))
            if key is not None:
                outside[key] = outside.get(key, 0.0) + float(pop)
        added: dict[str, int] = {}
        for site in self.live.state.sites.values():
            key = ken_of.get(str(site.muni_code or ""))
            if key is not None and site.category.startswith("zaishi"):
                added[key] = added.get(key, 0) + 1
        kens = [
            dataclasses.replace(
                k,
                uncovered_75=None if k.uncovered_75 is None else round(outside.get(k.key, 0.0), 1),
                zaishi=k.zaishi + added.get(k.key, 0),
            )
            for k in heads.kens
        ]
        known = [k.uncovered_75 for k in kens]
        total = dataclasses.replace(
            heads.total,
            uncovered_75=None if any(v is None for v in known) else float(sum(v or 0.0 for v in known)),
            zaishi=sum(k.zaishi for k in kens),
        )
        return dataclasses.replace(heads, kens=kens, total=total)

    def save(self, date: str) -> str | None:
        """Keep the hypothetical facilities as the scenario 「会議 <date>」 (a free name); None without any."""
        if not self.active or self.live is None:
            return None
        if self.saved_as is None:
            taken = {s.name for s in list_scenarios(self.project)}
            base = MEETING_TEXT["whatif_scenario"].format(date=date)
            name, n = base, 2
            while name in taken:
                name, n = f"{base} {n}", n + 1
            self.saved_as = self.live.save_as(name).name
            log_event(self.project, self.meeting_id, "whatif_saved", name=self.saved_as)
        return self.saved_as
