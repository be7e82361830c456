"""Coverage parameters: the user's settings, printed on every map and table that uses them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from zaitaku_map.errors import AnalysisError, NetworkDataError
from zaitaku_map.network.snap import DEFAULT_ACCESS_SPEED_KMH, DEFAULT_MAX_SNAP_M
from zaitaku_map.network.speeds import SpeedTable
from zaitaku_map.store import Project

MODES = ("auto", "network", "straight")
SETTING = "coverage_params"  # the project setting holding the user's saved parameters


MAX_MINUTES = 24 * 60.0  # a travel time threshold beyond a day is a typing error
POSITIVE_HINT = "時間（分）・速度・係数は 0 より大きい有限の数で指定してください。"


@dataclass
class CoverageParams:
    """How travel time is modelled and which thresholds are reported.

    Parameters
    ----------
    minutes:
        The threshold of "covered" (default 30).
    bands:
        Display/report bands in minutes (nested: within 15 ⊂ within 30 ⊂ within 45).
    mode:
        ``"network"`` (road network), ``"straight"`` (distance × detour ÷ speed) or ``"auto"``
        (network when the project has one).
    speed_table:
        Average speed per road class (``None`` = the project's saved table or the defaults).
    speed_kmh:
        Uniform speed on every road (for hand checks); overrides the table.
    congestion_factor:
        Multiplies road speeds (``None`` = the table's own factor).
    detour_factor, straight_speed_kmh:
        The straight-line model.
    access_speed_kmh, max_snap_m:
        Off-network access leg speed and the farthest a point may be from a road node.
    """

    minutes: float = 30.0
    bands: tuple[float, ...] = (15.0, 30.0, 45.0)
    mode: str = "auto"
    speed_table: SpeedTable | None = None
    speed_kmh: float | None = None
    congestion_factor: float | None = None
    detour_factor: float = 1.3
    straight_speed_kmh: float = 30.0
    access_speed_kmh: float = DEFAULT_ACCESS_SPEED_KMH
    max_snap_m: float = DEFAULT_MAX_SNAP_M
    network_label: str = field(default="OSM", compare=False)
    resolved_mode: str | None = field(default=None, compare=False)  # set by a run: the model actually used

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise AnalysisError("unknown coverage mode", value=self.mode, expected="/".join(MODES))
        if isinstance(self.speed_table, dict):  # e.g. from to_dict() stored as a project setting
            self.speed_table = SpeedTable.from_dict(self.speed_table)
        if isinstance(self.bands, int | float):
            self.bands = (float(self.bands),)
        self.bands = tuple(sorted({float(b) for b in self.bands}))
        self.minutes = float(self.minutes)
        checks = {
            "minutes": self.minutes,
            "detour_factor": self.detour_factor,
            "straight_speed_kmh": self.straight_speed_kmh,
            "access_speed_kmh": self.access_speed_kmh,
            "max_snap_m": self.max_snap_m,
        }
        if self.speed_kmh is not None:
            checks["speed_kmh"] = self.speed_kmh
        if self.congestion_factor is not None:
            checks["congestion_factor"] = self.congestion_factor
        for name, val in checks.items():  # finite and positive: inf minutes would cover everyone
            if not (math.isfinite(float(val)) and float(val) > 0):
                raise AnalysisError("parameter must be positive", column=name, value=val, hint=POSITIVE_HINT)
        if any(not (0 < b <= MAX_MINUTES) for b in (self.minutes, *self.bands)):
            raise AnalysisError(
                "bands must be positive minutes",
                column="minutes",
                value=", ".join(f"{b:g}" for b in (self.minutes, *self.bands)),
                expected=f"0 より大きく {MAX_MINUTES:g} 分以下",
                hint=POSITIVE_HINT,
            )
        if self.detour_factor < 1.0:
            raise AnalysisError("detour factor must be at least 1", value=self.detour_factor)

    # ------------------------------------------------------------------------------------------
    @property
    def max_minutes(self) -> float:
        """The largest threshold any output needs (search limit)."""
        return max((self.minutes, *self.bands))

    def effective_table(self) -> SpeedTable:
        base = self.speed_table or SpeedTable()
        if self.congestion_factor is None:
            return base
        return SpeedTable(
            speeds=dict(base.speeds), congestion_factor=self.congestion_factor, use_maxspeed=base.use_maxspeed
        )

    def resolve(self, has_network: bool) -> str:
        """``"network"`` or ``"straight"`` for a project that has (or lacks) a network."""
        if self.mode == "auto":
            return "network" if has_network else "straight"
        if self.mode == "network" and not has_network:
            raise AnalysisError(
                "coverage mode 'network' needs a road network in the project",
                hint="zaitaku-map roads PROJECT FILE で道路網を取り込むか、--mode straight を指定してください。",
            )
        return self.mode

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (also the cache key)."""
        return {
            "minutes": self.minutes,
            "bands": list(self.bands),
            "mode": self.mode,
            "speed_table": self.effective_table().to_dict(),
            "speed_kmh": self.speed_kmh,
            "detour_factor": self.detour_factor,
            "straight_speed_kmh": self.straight_speed_kmh,
            "access_speed_kmh": self.access_speed_kmh,
            "max_snap_m": self.max_snap_m,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CoverageParams:
        """Parameters from :meth:`to_dict` output or a saved setting (missing keys take the defaults).

        Raises :class:`~zaitaku_map.errors.AnalysisError` naming the bad value when one does not parse.
        """
        st = data.get("speed_table")
        bands = data.get("bands", (15, 30, 45))
        try:
            return cls(
                minutes=float(data.get("minutes", 30)),
                bands=tuple(bands) if isinstance(bands, list | tuple) else bands,
                mode=str(data.get("mode", "auto")),
                speed_table=SpeedTable.from_dict(st) if isinstance(st, dict) else None,
                speed_kmh=None if data.get("speed_kmh") is None else float(data["speed_kmh"]),
                congestion_factor=(
                    None if data.get("congestion_factor") is None else float(data["congestion_factor"])
                ),
                detour_factor=float(data.get("detour_factor", 1.3)),
                straight_speed_kmh=float(data.get("straight_speed_kmh", 30)),
                access_speed_kmh=float(data.get("access_speed_kmh", DEFAULT_ACCESS_SPEED_KMH)),
                max_snap_m=float(data.get("max_snap_m", DEFAULT_MAX_SNAP_M)),
            )
        except (TypeError, ValueError, NetworkDataError) as exc:
            raise AnalysisError(
                "coverage parameters are not readable", value=str(exc), expected="CoverageParams.to_dict()"
            ) from None

    def describe_ja(self, mode: str | None = None) -> str:
        """One line for maps and tables.

        ``mode`` is the resolved mode (``"network"``/``"straight"``); without it, the mode of the
        last :func:`~zaitaku_map.coverage.compute_coverage` run with these parameters, else 「自動」.
        """
        m = mode or self.resolved_mode or self.mode
        mins = f"{self.minutes:g}分"
        if m == "straight":
            return (
                f"直線距離モデル（迂回係数{self.detour_factor:g}・時速{self.straight_speed_kmh:g}km）・{mins}"
            )
        if m == "network":
            if self.speed_kmh is not None:
                speed = f"一律時速{self.speed_kmh:g}km"
            else:
                t = self.effective_table()
                speed = t.describe_ja()
                if t.congestion_factor != 1.0:
                    speed += f"・混雑係数{t.congestion_factor:g}"
            return (
                f"道路ネットワーク（{self.network_label}）・{mins}・{speed}"
                f"・道路外アクセス時速{self.access_speed_kmh:g}km（{self.max_snap_m:g}m以内）"
            )
        return f"自動（道路網があれば道路ネットワーク、なければ直線距離：迂回係数{self.detour_factor:g}・時速{self.straight_speed_kmh:g}km）・{mins}"


def stored_coverage_params(project: Project) -> CoverageParams | None:
    """The parameters saved in the project (``coverage --save``, the settings dialog), or ``None``.

    Raises :class:`~zaitaku_map.errors.AnalysisError` with a hint when the saved value is unreadable
    (never silently replaced by the defaults: every map and table prints the parameters it used).
    """
    raw = project.setting(SETTING)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise AnalysisError(
            "the saved coverage parameters are not readable",
            column=SETTING,
            value=raw,
            hint="「分析の設定」で保存し直すか、zaitaku-map coverage PROJECT --save で保存し直してください。",
        )
    try:
        return CoverageParams.from_dict(raw)
    except AnalysisError as err:
        if err.column:  # the field at fault goes with the value
            err.value = f"{err.column}={err.value!r}"
        err.column = SETTING
        err.hint = (
            "「分析の設定」で保存し直すか、zaitaku-map coverage PROJECT --save で保存し直してください。"
        )
        raise


def resolve_coverage_params(
    project: Project,
    params: CoverageParams | None = None,
    *,
    minutes: float | None = None,
    mode: str | None = None,
    default: CoverageParams | None = None,
) -> CoverageParams:
    """THE resolver of coverage parameters: every caller (CLI, GUI, evaluation, exports) uses it.

    ``params`` when given; else the parameters saved in the project (:func:`stored_coverage_params`);
    else ``default`` (the GUI passes the user's preferences), else :class:`CoverageParams` defaults.
    ``minutes`` / ``mode`` then override the chosen parameters (``--minutes``, ``--mode``).
    """
    chosen = params or stored_coverage_params(project) or default or CoverageParams()
    changes: dict[str, Any] = {}
    if minutes is not None:
        changes["minutes"] = float(minutes)
    if mode is not None:
        changes.update(mode=mode, resolved_mode=None)
    return replace(chosen, **changes) if changes else chosen


def save_coverage_params(project: Project, params: CoverageParams, *, with_speed_table: bool) -> None:
    """Save ``params`` as the project's coverage parameters (read back by :func:`resolve_coverage_params`).

    ``with_speed_table=False`` leaves the speed table out so coverage keeps following the project's
    own table (``roads --speed-table``, the settings dialog); a congestion factor is kept either way.
    """
    stored = params.to_dict()
    if not with_speed_table:
        stored.pop("speed_table", None)
        if params.congestion_factor is not None:
            stored["congestion_factor"] = params.congestion_factor
    project.set_setting(SETTING, stored)
