"""Facilities of the demo region: where they are, what they are called, their addresses.

Facility density follows population: each facility picks a town (大字・町丁目) with probability
proportional to the town's population to a power (hospitals concentrate in cities, care homes
spread out), and sits within a few hundred metres of the town point.  The writers in
:mod:`zaitaku_map.demo.facility_files` turn this model into the official file formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely

from zaitaku_map.demo.geography import Tile, address_prefix, build_region
from zaitaku_map.demo.towns import build_towns

# per template tile: category -> (count, concentration exponent)
COUNTS: dict[str, tuple[int, float]] = {
    "hospital": (58, 1.6),
    "clinic": (600, 1.15),
    "pharmacy": (420, 1.1),
    "home_nursing": (74, 1.0),
    "tokuyo": (44, 0.6),  # 510 介護老人福祉施設
    "roken": (22, 0.8),  # 520 介護老人保健施設
    "gh": (68, 0.8),  # 320 認知症対応型共同生活介護
    "iryoin": (6, 0.9),  # 550 介護医療院
}
N_ZAISHI_HOSPITAL = 11
ISLAND_CODE3 = "421"  # デモ島町: no road to the mainland
N_ZAISHI_CLINIC = 86
CLINIC_SUFFIX = [
    "クリニック",
    "内科医院",
    "診療所",
    "内科クリニック",
    "ファミリークリニック",
    "医院",
    "整形外科",
    "こどもクリニック",
    "在宅クリニック",
    "内科・消化器科",
    "ホームケアクリニック",
    "眼科",
]
PHARM_FMT = [
    "{b}薬局",
    "みほん薬局{b}店",
    "デモ調剤薬局{b}店",
    "{b}調剤薬局",
    "ためし薬局{b}店",
    "さくら見本薬局{b}店",
]
NURSE_FMT = [
    "訪問看護ステーション{b}",
    "{b}訪問看護ステーション",
    "デモ訪問看護ステーション{b}",
    "見本ナース{b}",
]
TOKUYO_FMT = ["特別養護老人ホーム{b}荘", "特別養護老人ホーム{b}の里", "特別養護老人ホーム{b}苑"]
ROKEN_FMT = ["介護老人保健施設{b}", "介護老人保健施設{b}ケアセンター"]
GH_FMT = ["グループホーム{b}", "グループホーム{b}の家", "認知症グループホーム{b}"]
IRYOIN_FMT = ["介護医療院{b}"]
HOSP_FMT = ["{b}病院", "{b}中央病院", "{b}記念病院", "{b}総合病院", "{b}リハビリテーション病院"]


@dataclass
class Facility:
    kind: str  # COUNTS key, or houkatsu
    code3: str
    town: int  # index into Towns (-1: none)
    name: str
    kana: str
    x: float
    y: float
    street: str  # address after the town name (番地)
    seq: int
    zaishi: str = ""  # 支援診１–３ / 支援病１–３
    beds: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def address(self, tile: Tile, towns, region, *, with_pref: bool = True, ooaza: bool = False) -> str:  # type: ignore[no-untyped-def]
        head = address_prefix(tile, region.specs[self.code3])
        if not with_pref:
            head = head[len(tile.pref_name) :]
        town = towns.name[self.town] if self.town >= 0 else ""
        if ooaza and town and not towns.chome[self.town]:
            town = "大字" + town
        return f"{head}{town}{self.street}"


def _base(town_name: str) -> str:
    for suf in ("丁目",):
        if town_name.endswith(suf):
            town_name = town_name[: -len(suf)].rstrip("一二三四五六七八九十")
    return town_name.removesuffix("町") or town_name


@lru_cache(maxsize=4)
def build_facilities(seed: int = 0) -> list[Facility]:
    """All facilities of the template tile (deterministic), sorted by kind then sequence."""
    region = build_region(seed)
    towns = build_towns(seed)
    rng = np.random.default_rng([seed, 9901])
    out: list[Facility] = []
    used: set[tuple[str, str]] = set()
    weights = np.asarray(towns.weight, dtype=float)
    for kind in sorted(COUNTS):
        n, alpha = COUNTS[kind]
        p = weights**alpha
        # care homes and hospitals also exist in the hills; the island always gets a clinic
        p = p / p.sum()
        picks = rng.choice(len(weights), size=n, p=p)
        for seq, t in enumerate(np.sort(picks)):
            out.append(_make(kind, int(t), seq, towns, region, rng, used))
    # the island and every municipality have at least one clinic and one pharmacy
    for c3 in sorted(region.specs):
        idx = np.flatnonzero(towns.code3 == c3)
        for kind in ("clinic", "pharmacy"):
            if not any(f.kind == kind and f.code3 == c3 for f in out):
                out.append(_make(kind, int(idx[0]), 900 + len(out), towns, region, rng, used))
    # 地域包括支援センター: wards/cities 2–3, towns and villages 1 (at the town hall = first town)
    for c3 in sorted(region.specs):
        spec = region.specs[c3]
        idx = np.flatnonzero(towns.code3 == c3)
        n = {"ward": 2, "city": 3 if spec.pop > 60000 else 2}.get(spec.kind, 1)
        order = idx[np.argsort(-weights[idx], kind="stable")][:n]
        for j, t in enumerate(order):
            nm = (
                f"{spec.name}地域包括支援センター"
                if n == 1
                else f"{spec.name}{_base(towns.name[t])}地域包括支援センター"
            )
            if spec.kind == "ward":
                nm = f"デモ市{nm}"
            out.append(
                Facility(
                    "houkatsu",
                    c3,
                    int(t),
                    nm,
                    "",
                    *_jitter(int(t), towns, region, rng),
                    _street(int(t), towns, rng),
                    j,
                )
            )
    # 在支診 / 在支病: the largest hospitals and a share of clinics, spread over municipalities
    hosp = [f for f in out if f.kind == "hospital"]
    for f in hosp:
        f.beds = int(rng.choice([60, 99, 120, 150, 199, 240, 300, 420, 560]))
    zh = sorted(hosp, key=lambda f: (f.beds > 199, f.seq))[:N_ZAISHI_HOSPITAL]
    for i, f in enumerate(zh):
        f.zaishi = ["支援病１", "支援病２", "支援病３", "支援病３"][i % 4]
    clin = [f for f in out if f.kind == "clinic"]
    zc_idx = rng.choice(len(clin), size=N_ZAISHI_CLINIC, replace=False)
    for i, k in enumerate(np.sort(zc_idx)):
        clin[k].zaishi = ["支援診３", "支援診３", "支援診２", "支援診３", "支援診１", "支援診２"][i % 6]
    # by design a 特養 on the island, which has no hospital and no road to the mainland: it has no
    # 協力医療機関 candidate within 30 minutes (zaitaku_map.partners); a generator of its own, so
    # nothing else of the region moves
    isl = np.flatnonzero(towns.code3 == ISLAND_CODE3)
    n_tokuyo = sum(1 for f in out if f.kind == "tokuyo")
    out.append(
        _make("tokuyo", int(isl[0]), n_tokuyo, towns, region, np.random.default_rng([seed, 9902]), used)
    )
    return out


def _jitter(t: int, towns, region, rng) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    geom = region.muni_geoms[towns.code3[t]]
    for _ in range(8):
        x = towns.x[t] + rng.normal(0, 0.25)
        y = towns.y[t] + rng.normal(0, 0.25)
        if shapely.contains_xy(geom, x, y):
            return float(x), float(y)
    return float(towns.x[t]), float(towns.y[t])


def _street(t: int, towns, rng) -> str:  # type: ignore[no-untyped-def]
    if towns.chome[t]:
        b, g = int(rng.integers(1, 30)), int(rng.integers(1, 25))
        style = int(rng.integers(0, 4))
        if style == 0:
            return f"{b}番{g}号"
        if style == 1:
            return f"{b}-{g}"
        if style == 2:  # full-width digits and hyphen
            return f"{b}－{g}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return f"{b}番地{g}"
    n = int(rng.integers(1, 3200))
    return f"{n}番地" if rng.random() < 0.5 else f"{n}"


def _make(kind: str, t: int, seq: int, towns, region, rng, used) -> Facility:  # type: ignore[no-untyped-def]
    c3 = towns.code3[t]
    b = _base(towns.name[t])
    fmt = {
        "hospital": HOSP_FMT,
        "pharmacy": PHARM_FMT,
        "home_nursing": NURSE_FMT,
        "tokuyo": TOKUYO_FMT,
        "roken": ROKEN_FMT,
        "gh": GH_FMT,
        "iryoin": IRYOIN_FMT,
    }.get(kind)
    for attempt in range(30):
        if kind == "clinic":
            fam = ["見本", "試験", "仮名", "架空", "模範", "例示", "手本", "草稿", "雛形", "試行"][
                int(rng.integers(0, 10))
            ]
            stem = fam if rng.random() < 0.5 else b
            name = stem + CLINIC_SUFFIX[int(rng.integers(0, len(CLINIC_SUFFIX)))]
        else:
            assert fmt is not None
            name = fmt[int(rng.integers(0, len(fmt)))].format(b=b)
        if attempt > 10:
            name = f"{name}（第{attempt - 9}）"
        if (c3, name) not in used:
            break
    used.add((c3, name))
    x, y = _jitter(t, towns, region, rng)
    return Facility(kind, c3, t, name, "", x, y, _street(t, towns, rng), seq)
