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

import pandas as pd

from zaitaku_map.importers.normalize import coord_status
from zaitaku_map.importers.readers import to_number_series
from zaitaku_map.importers.report import ParsedFile, Rejected

IMPOSSIBLE = "緯度・経度として有り得ない値です（住所から位置を求めます）"
NO_ADDRESS = "所在地がありません（座標の位置を使います）"
UNPLACEABLE = "所在地も使える座標もないため位置を決められません"


def check_positions(pf: ParsedFile, df: pd.DataFrame, keep: pd.Series, *, address: pd.Series, addr_col: str,
                    lon_col: str, lat_col: str, rownum: pd.Series, sheet: str | None = None) -> pd.Series:
    """Log position problems of the kept rows of ``df`` in ``pf.rejected``; return ``keep`` without the
    rows that cannot be placed.  ``address`` is the address as it will be stored (same index)."""
    sel = keep[keep].index
    if not len(sel):
        return keep
    lon_t = df.loc[sel, lon_col].fillna("").astype(str).str.strip() if lon_col in df.columns \
        else pd.Series("", index=sel, dtype=object)
    lat_t = df.loc[sel, lat_col].fillna("").astype(str).str.strip() if lat_col in df.columns \
        else pd.Series("", index=sel, dtype=object)
    lon = to_number_series(lon_t)
    lat = to_number_series(lat_t)
    addr = address.reindex(sel).fillna("").astype(str).str.strip()
    bad_text_lon = lon.isna() & lon_t.ne("")
    bad_text_lat = lat.isna() & lat_t.ne("")
    swapped = coord_status(lat, lon).eq("ok")  # lat/lon exchanged: the geocoder swaps them back
    bad_lon = (bad_text_lon | (lon.abs() > 180)) & ~swapped
    bad_lat = (bad_text_lat | (lat.abs() > 90)) & ~swapped
    usable = (coord_status(lon, lat).eq("ok") | swapped) & ~bad_lon & ~bad_lat
    no_addr = addr.eq("")
    unplaceable = no_addr & ~usable
    out = keep.copy()
    for i in sel[((bad_lon | bad_lat) & ~unplaceable).to_numpy()]:
        col = lat_col if bad_lat[i] else lon_col
        pf.rejected.append(Rejected(row=int(rownum[i]), sheet=sheet, column=col, severity="warning",
                                    value=f"{lat_t[i]}, {lon_t[i]}", reason=IMPOSSIBLE, raw=df.loc[i].to_dict()))
    for i in sel[(no_addr & usable).to_numpy()]:
        pf.rejected.append(Rejected(row=int(rownum[i]), sheet=sheet, column=addr_col, value="", severity="warning",
                                    reason=NO_ADDRESS, raw=df.loc[i].to_dict()))
    for i in sel[unplaceable.to_numpy()]:
        pf.rejected.append(Rejected(row=int(rownum[i]), sheet=sheet, column=addr_col, value="",
                                    reason=UNPLACEABLE, raw=df.loc[i].to_dict()))
        out[i] = False
    return out
