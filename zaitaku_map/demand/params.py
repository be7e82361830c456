"""Demand settings of a project (stored as the project setting ``demand``), printed where they are used."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from zaitaku_map.errors import InputDataError
from zaitaku_map.labels import DEMAND_TEXT
from zaitaku_map.store import Project

KEYS = ("75+", "65+", "total")
SETTING = "demand"


@dataclass(frozen=True)
class DemandParams:
    """How demand is re-cut and which 圏域 are flagged.

    Attributes
    ----------
    key:
        Population share a 構想区域's demand is apportioned by (``75+``, ``65+`` or ``total``); when the
        projection lacks it the next one down is used and the output says so.
    use_rates:
        Compute demand from imported use rates × projected population when both exist.
    calibrate_rates:
        With the official 構想区域 file imported too, scale the rates' estimates to its values.
    base_year, target_year:
        Years of the growth and of the supply ratios (年度).
    growth_min:
        Flag a 圏域 whose demand grows by at least this share from ``base_year`` to ``target_year`` …
    supply_ratio_max:
        … while its supply per 1,000 monthly receipts in ``target_year`` is at most this share of
        the whole option's (在支診・在支病 or 訪問看護).
    area_layer:
        Area layer holding the 構想区域 codes (``None``: the layer holding most of them).
    """

    key: str = "75+"
    use_rates: bool = True
    calibrate_rates: bool = True
    base_year: int = 2024
    target_year: int = 2040
    growth_min: float = 0.15
    supply_ratio_max: float = 0.8
    area_layer: str | None = None

    def __post_init__(self) -> None:
        if self.key not in KEYS:
            raise InputDataError("unknown apportioning key", value=self.key, expected="・".join(KEYS))
        if self.target_year <= self.base_year:
            raise InputDataError(
                "target year must follow the base year", value=f"{self.base_year}→{self.target_year}"
            )
        if not 0 < self.supply_ratio_max <= 10:
            raise InputDataError(
                "supply ratio threshold out of range", value=self.supply_ratio_max, expected="0–10"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DemandParams:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def describe_ja(self) -> str:
        """The flag thresholds in words (printed on every table that shows flags)."""
        return DEMAND_TEXT["thresholds"].format(
            base=self.base_year, target=self.target_year, growth=self.growth_min, ratio=self.supply_ratio_max
        )


def load_params(project: Project) -> DemandParams:
    stored = project.setting(SETTING)
    return DemandParams.from_dict(stored) if isinstance(stored, dict) else DemandParams()


def save_params(project: Project, params: DemandParams) -> None:
    project.set_setting(SETTING, params.to_dict())


def updated(params: DemandParams, **changes: Any) -> DemandParams:
    """``params`` with the given fields changed (``None`` values leave a field as it is)."""
    return replace(params, **{k: v for k, v in changes.items() if v is not None})
