"""Coverage parameters: the user's settings, printed on every map and table that uses them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zaitaku_map.errors import AnalysisError
from zaitaku_map.network.snap import DEFAULT_ACCESS_SPEED_KMH, DEFAULT_MAX_SNAP_M
from zaitaku_map.network.speeds import SpeedTable

MODES = ("auto", "network", "straight")


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
        for name, val in checks.items():
            if not (float(val) > 0):
                raise AnalysisError("parameter must be positive", column=name, value=val)
        if any(b <= 0 for b in self.bands):
            raise AnalysisError("bands must be positive minutes", value=self.bands)
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
        st = data.get("speed_table")
        return cls(
            minutes=float(data.get("minutes", 30)),
            bands=tuple(data.get("bands", (15, 30, 45))),
            mode=str(data.get("mode", "auto")),
            speed_table=SpeedTable.from_dict(st) if isinstance(st, dict) else None,
            speed_kmh=data.get("speed_kmh"),
            detour_factor=float(data.get("detour_factor", 1.3)),
            straight_speed_kmh=float(data.get("straight_speed_kmh", 30)),
            access_speed_kmh=float(data.get("access_speed_kmh", DEFAULT_ACCESS_SPEED_KMH)),
            max_snap_m=float(data.get("max_snap_m", DEFAULT_MAX_SNAP_M)),
        )

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
