"""Settlement pattern of the demo region and e-Stat-style 500 m mesh population files.

The density model: every municipality has a main settlement (broad for 政令市 wards, tight for
villages), mountain municipalities have a few hamlets in valleys, rural land carries a thin
population that fades with altitude; each municipality is then scaled to its target total.
High interior meshes and the small offshore islets stay empty, so 30-minute gaps appear in the
interior (people there live along long, slow mountain roads, see :mod:`zaitaku_map.demo.roads`).

Files follow 国勢調査 地域メッシュ統計 text files (``tblT001102Q<1次メッシュ>.txt``): CP932, CRLF,
a row of item codes and a row of Japanese labels, ``KEY_CODE`` 9-digit 500 m mesh codes,
``HTKSYORI``/``HTKSAKI``/``GASSAN`` for secret cells merged into a neighbour (values ``*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from zaitaku_map.demo.geography import KM_PER_DEG_LAT, KM_PER_DEG_LON, Tile, build_region, elevation

MESH_DLON, MESH_DLAT = 1 / 160, 1 / 240  # 500 m mesh (2分の1地域メッシュ)
STAT_ID = "T001102"
BAND_LABELS = [f"{a}～{a + 4}歳" for a in range(0, 95, 5)] + ["95歳以上"]
# share of each 5-year band in a population with 28.9 % aged 65+ (shape of the 2020 census)
_BASE = np.array(
    [3.6, 3.9, 4.1, 4.3, 4.9, 4.9, 5.4, 6.0, 6.8, 7.8, 7.1, 6.4, 6.0, 6.8, 7.3, 5.6, 4.4, 3.0, 1.4, 0.4]
)
_OLD = np.arange(20) >= 13  # 65+


@dataclass
class MeshPopulation:
    """Populated 500 m meshes of the template tile (km frame)."""

    ii: np.ndarray  # lon index of the mesh inside the tile
    jj: np.ndarray  # lat index
    x: np.ndarray
    y: np.ndarray
    code3: np.ndarray  # municipality (3-digit suffix)
    bands: np.ndarray  # (n, 20) integers
    male: np.ndarray

    @property
    def total(self) -> np.ndarray:
        total: np.ndarray = self.bands.sum(axis=1)
        return total


def _to_zen(s: str) -> str:
    return s.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


@lru_cache(maxsize=4)
def mesh_population(seed: int = 0) -> MeshPopulation:
    """Population per 500 m mesh of the template (deterministic per seed)."""
    region = build_region(seed)
    rng = np.random.default_rng([seed, 5501])
    ni = round(1.3 * 160)
    nj = round(1.0 * 240)
    ii2d, jj2d = np.meshgrid(np.arange(ni), np.arange(nj), indexing="ij")
    ii, jj = ii2d.ravel(), jj2d.ravel()
    x = (ii + 0.5) * MESH_DLON * KM_PER_DEG_LON
    y = (jj + 0.5) * MESH_DLAT * KM_PER_DEG_LAT
    code3 = np.full(len(x), "", dtype=object)
    for c3, g in sorted(region.muni_geoms.items()):
        inside = shapely.contains_xy(g, x, y)
        code3[inside] = c3
    keep = code3 != ""
    ii, jj, x, y, code3 = ii[keep], jj[keep], x[keep], y[keep], code3[keep]
    elev = elevation(x, y)
    islet = ~(shapely.contains_xy(region.mainland, x, y) | shapely.contains_xy(region.island, x, y))
    dens = np.zeros(len(x))
    for c3, spec in sorted(region.specs.items()):
        sel = code3 == c3
        cx, cy = spec.center
        sigma = {"ward": 4.0, "city": 2.6, "town": 1.6, "village": 0.9}[spec.kind]
        d2 = (x[sel] - cx) ** 2 + (y[sel] - cy) ** 2
        local = np.exp(-d2 / (2 * sigma**2)) * 10.0
        # hamlets: a few small settlements on low ground of the municipality
        n_ham = 6 if spec.mountain else 3
        cand = np.flatnonzero(elev[sel] < (650 if spec.mountain else 300))
        if len(cand):
            pick = rng.choice(cand, size=min(n_ham, len(cand)), replace=False)
            for k in np.sort(pick):
                hx, hy = x[sel][k], y[sel][k]
                local += rng.uniform(0.6, 2.0) * np.exp(
                    -((x[sel] - hx) ** 2 + (y[sel] - hy) ** 2) / (2 * 0.7**2)
                )
        base = 0.15 if spec.kind in ("ward", "city") else 0.06
        local += base * np.exp(-elev[sel] / 220.0)
        local[elev[sel] > 900] = 0.0
        local[islet[sel]] = 0.0  # the small islets of coastal municipalities are uninhabited (無人島)
        local *= rng.uniform(0.7, 1.3, sel.sum())
        dens[sel] = local / local.sum() * spec.pop
    dens[dens < 0.6] = 0
    pop = np.floor(dens + rng.uniform(0, 1, len(dens))).astype(np.int64)
    keep = pop > 0
    ii, jj, x, y, code3, pop = ii[keep], jj[keep], x[keep], y[keep], code3[keep], pop[keep]
    elev = elev[keep]
    # age structure: municipality aging +/- local variation (higher in the hills)
    aging = np.array([region.specs[c].aging for c in code3]) + np.clip(elev / 4000.0, 0, 0.12)
    aging = np.clip(aging + rng.normal(0, 0.03, len(pop)), 0.12, 0.75)
    share = np.where(
        _OLD[None, :],
        _BASE[None, :] / _BASE[_OLD].sum() * aging[:, None],
        _BASE[None, :] / _BASE[~_OLD].sum() * (1 - aging[:, None]),
    )
    bands = _round_rows(pop[:, None] * share)
    male = np.round(pop * rng.uniform(0.46, 0.5, len(pop))).astype(np.int64)
    order = np.lexsort((ii, jj))
    return MeshPopulation(ii[order], jj[order], x[order], y[order], code3[order], bands[order], male[order])


def _round_rows(a: np.ndarray) -> np.ndarray:
    """Round each row to integers keeping the row sums (largest remainder)."""
    fl: np.ndarray = np.floor(a).astype(np.int64)
    need = np.round(a.sum(axis=1)).astype(np.int64) - fl.sum(axis=1)
    frac = a - fl
    rank = np.argsort(-frac, axis=1, kind="stable")
    add = np.arange(a.shape[1])[None, :] < need[:, None]
    rows = np.repeat(np.arange(a.shape[0]), a.shape[1]).reshape(a.shape)
    fl[rows, rank] += add
    return fl


def mesh_codes(tile: Tile, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """9-digit 500 m mesh codes (JIS X 0410) from tile-relative mesh indices (exact integers)."""
    gi = round(tile.lon0 * 160) + ii  # global lon index
    gj = round(tile.lat0 * 240) + jj
    p, jr = np.divmod(gj, 160)
    u, ir = np.divmod(gi, 160)
    u = u - 100
    q, r20 = np.divmod(jr, 20)
    r, s = np.divmod(r20, 2)
    v, w20 = np.divmod(ir, 20)
    w, xx = np.divmod(w20, 2)
    m = s * 2 + xx + 1
    code = ((((((p * 100 + u) * 10 + q) * 10 + v) * 10 + r) * 10 + w) * 10) + m
    codes: np.ndarray = code.astype(np.int64)
    return codes


def item_columns() -> list[tuple[str, str]]:
    """(code, label) of the statistic columns after KEY_CODE/HTKSYORI/HTKSAKI/GASSAN."""
    items = [("人口（総数）", None), ("人口（総数）　男", None), ("人口（総数）　女", None)]
    items += [(_to_zen(lbl) + "人口　総数", None) for lbl in BAND_LABELS]
    items += [
        ("０～１４歳人口　総数", None),
        ("１５～６４歳人口　総数", None),
        ("６５歳以上人口　総数", None),
        ("７５歳以上人口　総数", None),
        ("８５歳以上人口　総数", None),
    ]
    return [(f"{STAT_ID}{i + 1:03d}", lbl) for i, (lbl, _) in enumerate(items)]


def mesh_table(tile: Tile, mp: MeshPopulation) -> pd.DataFrame:
    """Values of one tile as the file rows (secret cells merged into a neighbour)."""
    codes = mesh_codes(tile, mp.ii, mp.jj)
    b = mp.bands.astype(np.int64)
    total = b.sum(axis=1)
    vals = np.column_stack(
        [
            total,
            mp.male,
            total - mp.male,
            b,
            b[:, :3].sum(axis=1),
            b[:, 3:13].sum(axis=1),
            b[:, 13:].sum(axis=1),
            b[:, 15:].sum(axis=1),
            b[:, 17:].sum(axis=1),
        ]
    ).astype(np.int64)
    n = len(codes)
    htk = np.zeros(n, dtype=np.int64)
    saki = np.full(n, "", dtype=object)
    gassan = np.full(n, "", dtype=object)
    # secret: tiny meshes merged into the most populated 8-neighbour (not itself secret)
    index = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(mp.ii, mp.jj, strict=True))}
    small = np.flatnonzero(total <= 3)
    for k in small[::2]:
        best = None
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                t = index.get((int(mp.ii[k]) + di, int(mp.jj[k]) + dj))
                if t is None or t == k or htk[t] == 1 or total[t] <= 3:
                    continue
                if best is None or total[t] > total[best]:
                    best = t
        if best is None:
            continue
        htk[k] = 1
        saki[k] = str(codes[best])
        htk[best] = 2
        gassan[best] = (gassan[best] + ";" if gassan[best] else "") + str(codes[k])
        vals[best] += vals[k]
    cols = [c for c, _ in item_columns()]
    df = pd.DataFrame(vals, columns=cols)
    df.insert(0, "GASSAN", gassan)
    df.insert(0, "HTKSAKI", saki)
    df.insert(0, "HTKSYORI", htk)
    df.insert(0, "KEY_CODE", codes)
    df["secret"] = htk == 1
    return df


def write_mesh_files(out_dir: Path, tile_list: list[Tile], seed: int = 0) -> list[Path]:
    """Write ``tblT001102Q<1次メッシュ>.txt`` files covering all tiles; returns the paths."""
    mp = mesh_population(seed)
    frames = [mesh_table(t, mp) for t in tile_list]
    df = pd.concat(frames, ignore_index=True).sort_values("KEY_CODE", kind="stable")
    first = (df["KEY_CODE"] // 100000).to_numpy()
    cols = item_columns()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for m1 in np.unique(first):
        part = df[first == m1]
        lines = [
            "KEY_CODE,HTKSYORI,HTKSAKI,GASSAN," + ",".join(c for c, _ in cols),
            ",,,," + ",".join(lbl for _, lbl in cols),
        ]
        # C-speed CSV of the numbers, then the few secret rows get their '*' cells
        body = part.drop(columns=["secret"]).to_csv(header=False, index=False, lineterminator="\n")
        rows = body.rstrip("\n").split("\n")
        stars = ",".join("*" for _ in cols)
        for k in np.flatnonzero(part["secret"].to_numpy()):
            head = rows[k].split(",", 4)[:4]
            rows[k] = ",".join(head) + "," + stars
        lines.extend(rows)
        p = out_dir / f"tbl{STAT_ID}Q{int(m1)}.txt"
        p.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
        paths.append(p)
    return paths
