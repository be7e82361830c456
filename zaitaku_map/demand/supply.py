"""Supply against demand: facilities per 1,000 訪問診療 receipts a month, and the 圏域 to watch.

For each 圏域 the counts of 在支診＋在支病 and of 訪問看護ステーション are divided by its demand
(レセプト件数/月) in the base year and in the target year — what the supply becomes per unit of
demand if nothing changes.  A 圏域 is flagged when its demand grows by at least ``growth_min`` and
one of its ratios in the target year is at most ``supply_ratio_max`` × the same ratio for the whole
option (settings, printed with the flags: :meth:`DemandParams.describe_ja`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zaitaku_map.demand.params import DemandParams
from zaitaku_map.demand.recut import OptionDemand

SUPPLY_GROUPS: dict[str, tuple[str, ...]] = {
    "zaishi": ("zaishi_clinic", "zaishi_hospital"),
    "home_nursing": ("home_nursing",),
}


@dataclass(frozen=True)
class SupplyRow:
    """Facilities per 1,000 receipts/month of one 圏域 (``None``: no demand figure or group not loaded)."""

    counts: dict[str, int]
    base: dict[str, float | None]  # group -> per 1,000 in the base year
    target: dict[str, float | None]  # group -> per 1,000 in the target year
    flagged: bool = False
    reasons: list[str] = field(default_factory=list)  # groups whose target ratio is thin

    def to_dict(self) -> dict[str, object]:
        return {
            "counts": self.counts,
            "per_1000_base": self.base,
            "per_1000_target": self.target,
            "flagged": self.flagged,
            "thin": self.reasons,
        }


def _per_1000(n: int, demand: float | None) -> float | None:
    return None if demand is None or demand <= 0 else round(n / demand * 1000, 2)


def _thin(ratio: float | None, whole: float | None, share: float) -> bool:
    return ratio is not None and whole is not None and ratio <= share * whole


def supply_rows(
    od: OptionDemand,
    counts: Mapping[str, Mapping[str, int]],
    *,
    loaded: set[str],
    params: DemandParams | None = None,
) -> tuple[dict[str, SupplyRow], dict[str, float | None]]:
    """Per 圏域 supply ratios and flags, and the option-wide target-year ratios.

    Parameters
    ----------
    counts:
        ``{ken_key: {category: open facilities}}`` (categories of :data:`SUPPLY_GROUPS`).
    loaded:
        Categories the project has imported; a group none of whose categories is loaded is left out.
    """
    prm = params or od.params
    groups = {g: cats for g, cats in SUPPLY_GROUPS.items() if loaded & set(cats)}
    grouped = {
        k: {g: sum(int(c.get(x, 0)) for x in cats) for g, cats in groups.items()} for k, c in counts.items()
    }
    with_values = [k for k in od.kens if k.values]
    overall: dict[str, float | None] = {}
    for g in groups:
        n = sum(grouped.get(k.ken_key, {}).get(g, 0) for k in with_values)
        d = sum((k.values or {}).get(prm.target_year, 0.0) for k in with_values)
        overall[g] = _per_1000(n, d) if with_values else None
    out: dict[str, SupplyRow] = {}
    for k in od.kens:
        c = grouped.get(k.ken_key, dict.fromkeys(groups, 0))
        vals = k.values or {}
        base = {g: _per_1000(c.get(g, 0), vals.get(prm.base_year)) for g in groups}
        target = {g: _per_1000(c.get(g, 0), vals.get(prm.target_year)) for g in groups}
        thin = [g for g in groups if _thin(target[g], overall[g], prm.supply_ratio_max)]
        grows = k.growth is not None and k.growth >= prm.growth_min
        out[k.ken_key] = SupplyRow(dict(c), base, target, bool(grows and thin), thin if grows else [])
    return out, overall
