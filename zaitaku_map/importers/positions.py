"""Row checks on a facility's position (address and source coordinates) for the official lists.

- A coordinate that is no latitude/longitude at all (text, ``|lat| > 90``, ``|lon| > 180``, and not
  just lat/lon exchanged) is logged as a **warning** (the row is kept; the geocoder positions it
  from the address).  Placeholders that are valid numbers (``0.0``, a shared office point, swapped,
  outside Japan) are not logged per row: they are common in real files and counted in
  ``coord_status`` (the geocoder swaps exchanged pairs back).
- No address but a usable coordinate: **warning** (the row is kept, positioned by the coordinate).
- Neither an address nor a usable coordinate: the facility cannot be placed — **rejected**.

Only rows still kept (inside the study region, not otherwise rejected) are checked, so a national
file imported for one prefecture does not log rows of the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zaitaku_map.geo import in_japan
from zaitaku_map.importers.normalize import to_number_series
from zaitaku_map.importers.report import ParsedFile, Rejected

IMPOSSIBLE = "緯度・経度として有り得ない値です（住所から位置を求めます）"
NO_ADDRESS = "所在地がありません（座標の位置を使います）"
UNPLACEABLE = "所在地も使える座標もないため位置を決められません"


def _numbers(df: pd.DataFrame, col: str) -> tuple[pd.Series, np.ndarray]:
    """Column as floats and a mask of cells holding text that is no number."""
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype=float), np.zeros(len(df), dtype=bool)
    raw = df[col]
    num = to_number_series(raw)
    bad = num.isna().to_numpy().copy()
    if bad.any():
        bad[bad] = raw[bad].fillna("").astype(str).str.strip().ne("").to_numpy()
    return num, bad


def check_positions(
    pf: ParsedFile,
    df: pd.DataFrame,
    keep: pd.Series,
    *,
    address: pd.Series,
    addr_col: str,
    lon_col: str,
    lat_col: str,
    rownum: pd.Series,
    sheet: str | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Log position problems of the kept rows of ``df`` in ``pf.rejected``.

    Returns ``(keep, lon, lat)``: ``keep`` without the rows that cannot be placed, and the source
    coordinates as floats (index of ``df``; NaN when missing) for the records.  ``address`` is the
    address as it will be stored (same index).
    """
    lon, text_lon = _numbers(df, lon_col)
    lat, text_lat = _numbers(df, lat_col)
    x, y = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    k = keep.to_numpy(dtype=bool)
    swapped = in_japan(y, x)  # lat/lon exchanged: the geocoder swaps them back
    with np.errstate(invalid="ignore"):
        bad_lon = (text_lon | (np.abs(x) > 180)) & ~swapped
        bad_lat = (text_lat | (np.abs(y) > 90)) & ~swapped
    usable = (in_japan(x, y) | swapped) & ~bad_lon & ~bad_lat
    no_addr = address.fillna("").astype(str).str.strip().eq("").to_numpy()
    unplaceable = k & no_addr & ~usable
    out = keep.copy()
    idx = df.index
    for j in np.flatnonzero(k & (bad_lon | bad_lat) & ~unplaceable):
        i = idx[j]
        col = lat_col if bad_lat[j] else lon_col
        value = f"{df.at[i, lat_col] if lat_col in df.columns else ''}, {df.at[i, lon_col] if lon_col in df.columns else ''}"
        pf.rejected.append(
            Rejected(
                row=int(rownum[i]),
                sheet=sheet,
                column=col,
                severity="warning",
                value=value,
                reason=IMPOSSIBLE,
                raw=df.loc[i].to_dict(),
            )
        )
    for j in np.flatnonzero(k & no_addr & usable):
        i = idx[j]
        pf.rejected.append(
            Rejected(
                row=int(rownum[i]),
                sheet=sheet,
                column=addr_col,
                value="",
                severity="warning",
                reason=NO_ADDRESS,
                raw=df.loc[i].to_dict(),
            )
        )
    for j in np.flatnonzero(unplaceable):
        i = idx[j]
        pf.rejected.append(
            Rejected(
                row=int(rownum[i]),
                sheet=sheet,
                column=addr_col,
                value="",
                reason=UNPLACEABLE,
                raw=df.loc[i].to_dict(),
            )
        )
        out[i] = False
    return out, lon, lat
