"""大字・町丁目 of the demo region: names, representative points, and the 位置参照情報-style CSV.

Town points are drawn from the populated meshes (weighted by population), so addresses in the
facility files name towns whose points lie where people live; the geocoder resolves them through
the 大字・町丁目レベル位置参照情報 file written here (CP932, the MLIT column names).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from zaitaku_map.demo.geography import CITY_NAME, Tile, build_region
from zaitaku_map.demo.population import mesh_population

KANJI_NUM = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
URBAN_BASES = [
    "本町",
    "栄町",
    "港町",
    "緑町",
    "若葉町",
    "旭町",
    "中町",
    "新町",
    "桜町",
    "松原町",
    "青葉町",
    "東町",
    "西町",
    "南町",
    "北町",
    "大手町",
    "駅前",
    "寿町",
    "春日町",
    "昭和町",
    "朝日町",
    "末広町",
    "元町",
    "宮前町",
    "錦町",
    "幸町",
    "花園町",
    "日吉町",
    "城南町",
    "城北町",
    "明神町",
    "住吉町",
    "弥生町",
    "見晴町",
    "富士見町",
    "柳町",
    "浜町",
    "汐見町",
    "白銀町",
    "高砂町",
]
RURAL_BASES = [
    "上野",
    "下野",
    "中村",
    "山田",
    "川原",
    "宮ノ前",
    "大平",
    "小谷",
    "奥野",
    "平田",
    "森下",
    "石原",
    "岩井",
    "竹田",
    "西谷",
    "東谷",
    "大谷",
    "小川",
    "滝本",
    "杉山",
    "栗原",
    "梅木",
    "椎葉",
    "柿原",
    "和田",
    "沢井",
    "原",
    "久保",
    "向山",
    "峰",
    "長尾",
    "舟木",
    "芦田",
    "宿",
    "関",
    "畑中",
]

ISJ_HEADER = [
    "都道府県コード",
    "都道府県名",
    "市区町村コード",
    "市区町村名",
    "大字町丁目コード",
    "大字町丁目名",
    "緯度",
    "経度",
    "原典資料コード",
    "大字・字・丁目区分コード",
]


@dataclass
class Towns:
    code3: np.ndarray
    name: np.ndarray  # 大字町丁目名 as in the reference (no 大字 prefix)
    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray  # population represented
    chome: np.ndarray  # bool: 丁目 (urban) vs 大字 (rural)
    tcode: np.ndarray  # 12-digit 大字町丁目コード suffix (7 digits after the municipality)


def _kanji(n: int) -> str:
    if n <= 10:
        return KANJI_NUM[n]
    return ("" if n // 10 == 1 else KANJI_NUM[n // 10]) + "十" + (KANJI_NUM[n % 10] if n % 10 else "")


@lru_cache(maxsize=4)
def build_towns(seed: int = 0) -> Towns:
    region = build_region(seed)
    mp = mesh_population(seed)
    rng = np.random.default_rng([seed, 7702])
    out: dict[str, list[object]] = {k: [] for k in ("code3", "name", "x", "y", "weight", "chome", "tcode")}
    for c3 in sorted(region.specs):
        spec = region.specs[c3]
        sel = np.flatnonzero(mp.code3 == c3)
        pop = mp.total[sel].astype(float)
        urban = spec.kind in ("ward", "city")
        k = int(np.clip(pop.sum() // (2500 if urban else 900) + 2, 3, 48))
        # weighted picks with a minimum spacing
        order = rng.choice(len(sel), size=len(sel), replace=False, p=pop / pop.sum())
        chosen: list[int] = []
        for o in order:
            px, py = mp.x[sel[o]], mp.y[sel[o]]
            if all((px - mp.x[sel[c]]) ** 2 + (py - mp.y[sel[c]]) ** 2 > 0.8**2 for c in chosen):
                chosen.append(int(o))
            if len(chosen) >= k:
                break
        cx = mp.x[sel[chosen]] + rng.uniform(-0.2, 0.2, len(chosen))
        cy = mp.y[sel[chosen]] + rng.uniform(-0.2, 0.2, len(chosen))
        # population represented: nearest town of each mesh
        d2 = (mp.x[sel][:, None] - cx[None, :]) ** 2 + (mp.y[sel][:, None] - cy[None, :]) ** 2
        w = np.bincount(d2.argmin(axis=1), weights=pop, minlength=len(chosen))
        bases = URBAN_BASES if urban else RURAL_BASES
        start = int(rng.integers(0, len(bases)))
        names: list[str] = []
        if urban:
            bi, ch = 0, 1
            per_base = [int(rng.integers(1, 5)) for _ in range(len(chosen))]
            for _ in chosen:
                names.append(f"{bases[(start + bi) % len(bases)]}{_kanji(ch)}丁目")
                ch += 1
                if ch > per_base[bi]:
                    bi, ch = bi + 1, 1
        else:
            for i in range(len(chosen)):
                names.append(
                    bases[(start + i) % len(bases)] + ("" if i < len(bases) else _kanji(i // len(bases) + 1))
                )
        for i, nm in enumerate(names):
            out["code3"].append(c3)
            out["name"].append(nm)
            out["x"].append(float(cx[i]))
            out["y"].append(float(cy[i]))
            out["weight"].append(float(w[i]))
            out["chome"].append(urban)
            out["tcode"].append(f"{(i + 1) * 100 + 1:07d}" if not urban else f"{(i + 1) * 1000:07d}")
    return Towns(
        *(
            np.array(out[k], dtype=object if k in ("code3", "name", "tcode") else None)
            for k in ("code3", "name", "x", "y", "weight", "chome", "tcode")
        )
    )


def muni_name_for_isj(spec) -> str:  # type: ignore[no-untyped-def]
    """市区町村名 as 位置参照情報 writes it (郡 included, 政令市 ward as 市+区)."""
    if spec.kind == "ward":
        return f"{CITY_NAME}{spec.name}"
    return f"{spec.county}{spec.name}" if spec.county else spec.name


def write_isj_csv(path: Path, tile_list: list[Tile], seed: int = 0) -> Path:
    """大字・町丁目レベル位置参照情報 style CSV (CP932, all fields quoted) for the given tiles."""
    region = build_region(seed)
    towns = build_towns(seed)
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(ISJ_HEADER)
    for tile in tile_list:
        lon, lat = tile.to_lonlat(towns.x.astype(float), towns.y.astype(float))
        for i in range(len(towns.name)):
            c3 = towns.code3[i]
            spec = region.specs[c3]
            code5 = tile.muni_code(c3)
            w.writerow(
                [
                    tile.pref_code,
                    tile.pref_name,
                    code5,
                    muni_name_for_isj(spec),
                    code5 + towns.tcode[i],
                    towns.name[i],
                    f"{lat[i]:.6f}",
                    f"{lon[i]:.6f}",
                    "1" if towns.chome[i] else "2",
                    "3" if towns.chome[i] else "1",
                ]
            )
    path.write_bytes(buf.getvalue().encode("cp932"))
    return path
