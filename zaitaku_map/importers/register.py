"""Merge parsed records into the facility register with provenance.

Model (documented for other domains)
------------------------------------
- One ``facilities`` row per institution.  Each source record is a ``facility_records`` row
  (``source_family`` + ``record_key`` identify it across releases; ``record_hash`` detects change;
  ``raw_json`` = ``{"fields": <standard fields>, "raw": <source columns>}``).
- A facility's attributes are recomputed from its *current* records by family priority:
  category/subtype from the 名簿 (most specific: ``zaishi_*``), everything else from 医療情報ネット
  first, then 介護, 名簿, GIS, tables.  So a 在支病 matched to its 医療情報ネット hospital record is
  ONE facility of category ``zaishi_hospital`` with the hospital's coordinates and beds, and the
  ``hospital`` category counts exclude hospitals that are 在支病.
- Re-import: same hash → unchanged (``last_seen`` moves on); different hash → updated; a record
  of the same family and prefecture scope missing from a newer release → record ``closed``; the
  facility is closed (``status='closed'``, ``closed_date``) when no current record is left.
- Positions: a usable source coordinate sets ``lon/lat/geom`` with ``geocode_level='source'``;
  placeholders never do.  A manual position or a geocoder result is never overwritten by a
  missing/placeholder source coordinate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from zaitaku_map.importers.normalize import coord_status, norm_names, norm_texts
from zaitaku_map.importers.report import ImportReport, ParsedFile, Rejected
from zaitaku_map.progress import Progress
from zaitaku_map.store import gpkg
from zaitaku_map.store.project import Project, now_iso

FIELD_COLUMNS = (
    "category",
    "subtype",
    "name",
    "name_kana",
    "address",
    "postal_code",
    "pref_code",
    "muni_code",
    "phone",
    "beds",
    "src_lon",
    "src_lat",
    "match_class",
)
# family prefix priority for facility attributes (first non-empty wins)
ATTR_PRIORITY = ("iryojoho", "kaigo", "kouseikyoku", "gis", "table")
CATEGORY_PRIORITY = ("kouseikyoku", "iryojoho", "kaigo", "gis", "table")
FAC_COLUMNS = (
    "id",
    "category",
    "subtype",
    "name",
    "name_kana",
    "name_norm",
    "address",
    "address_norm",
    "postal_code",
    "pref_code",
    "muni_code",
    "phone",
    "beds",
    "status",
    "closed_date",
    "src_lon",
    "src_lat",
    "src_coord_status",
    "lon",
    "lat",
    "geocode_level",
    "updated_at",
    "geom",
)


def _split_json_array(text: str, sep: str, n: int) -> list[str] | None:
    """Split pandas' one-line JSON array of ``n`` rows into row texts (``None`` when unsure)."""
    inner = text[1:-1]
    parts = inner.split(sep)
    if len(parts) != n:
        return None
    if n == 1:
        return [inner]
    opener, closer = sep[-2:], sep[:1]  # e.g. '},{"' → '{"' and '}'
    out = [parts[0] + closer]
    out += [opener + p + closer for p in parts[1:-1]]
    out.append(opener + parts[-1])
    return out


def json_rows(df: pd.DataFrame, *, orient: str = "records") -> list[str]:
    """One JSON text per row (``records``: objects, ``values``: arrays), encoded by pandas in C.

    A row boundary ``},{"`` / ``],["`` cannot occur inside a JSON string (quotes are escaped), so
    the one-shot encoding can be split safely when every row starts with a key / a string.
    """
    n = len(df)
    if n == 0:
        return []
    if orient == "values":
        if len(df.columns) and all(
            pd.api.types.is_string_dtype(df[c]) and not df[c].isna().any() for c in df.columns
        ):
            out = _split_json_array(df.to_json(orient="values", force_ascii=False), '],["', n)
            if out is not None:
                return out
        return [
            json.dumps(list(r), ensure_ascii=False, default=str)
            for r in df.itertuples(index=False, name=None)
        ]
    if len(df.columns):
        out = _split_json_array(df.to_json(orient="records", force_ascii=False), '},{"', n)
        if out is not None:
            return out
    return [json.dumps(r, ensure_ascii=False, default=str) for r in df.to_dict("records")]


def facility_frame(recs: pd.DataFrame, *, now: str) -> pd.DataFrame:
    """Facility column values (without id) computed vectorised from standard record fields."""
    status = coord_status(recs["src_lon"], recs["src_lat"])
    ok = (status == "ok").to_numpy()
    lon = pd.to_numeric(recs["src_lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(recs["src_lat"], errors="coerce").to_numpy(dtype=float)
    beds = pd.to_numeric(recs["beds"], errors="coerce")
    out = pd.DataFrame(
        {
            "category": recs["category"],
            "subtype": recs["subtype"].where(recs["subtype"].notna() & recs["subtype"].ne(""), None),
            "name": recs["name"],
            "name_kana": recs["name_kana"].replace("", None),
            "name_norm": norm_names(recs["name"]),
            "address": recs["address"].replace("", None),
            "address_norm": norm_texts(recs["address"]).replace("", None),
            "postal_code": recs["postal_code"].replace("", None),
            "pref_code": recs["pref_code"].replace("", None),
            "muni_code": recs["muni_code"].replace("", None),
            "phone": recs["phone"].replace("", None),
            "beds": beds.round().astype("Int64").astype(object).where(beds.notna(), None),
            "status": "open",
            "closed_date": None,
            "src_lon": pd.Series(lon, index=recs.index).astype(object).where(~np.isnan(lon), None),
            "src_lat": pd.Series(lat, index=recs.index).astype(object).where(~np.isnan(lat), None),
            "src_coord_status": status,
            "lon": pd.Series(np.where(ok, lon, np.nan), index=recs.index).astype(object).where(ok, None),
            "lat": pd.Series(np.where(ok, lat, np.nan), index=recs.index).astype(object).where(ok, None),
            "geocode_level": pd.Series("source", index=recs.index, dtype=object).where(ok, None),
            "updated_at": now,
            "geom": gpkg.point_blobs(lon, lat, ok),
        },
        index=recs.index,
    )
    return out


def record_payloads(pf: ParsedFile) -> tuple[list[str], list[str]]:
    """``(raw_json, record_hash)`` per record.

    ``raw_json`` is ``{"fields": {standard fields}, "values": "v1␟v2␟…"}``; the source
    header is stored once in ``sources.summary_json["header"]`` (see :func:`record_raw`).  The hash
    covers the standard fields and the designations (what the register shows).
    """
    recs = pf.records
    fields_json = json_rows(recs[list(FIELD_COLUMNS)])
    raw = pf.raw if len(pf.raw) == len(recs) else pd.DataFrame(index=range(len(recs)))
    raw_json = raw_value_texts(raw) if len(raw.columns) else ['""'] * len(recs)
    hashes: list[str] = []
    payloads: list[str] = []
    desig = pf.designations
    sha1 = hashlib.sha1
    for key, f, r in zip(recs["record_key"], fields_json, raw_json, strict=True):
        d = desig.get(key) if desig else None
        dj = (
            json.dumps(
                [(x["kind"], x["code"], x["subtype"], x["effective_date"]) for x in d], ensure_ascii=False
            )
            if d
            else ""
        )
        hashes.append(sha1((f + dj).encode("utf-8")).hexdigest())
        payloads.append('{"fields":' + f + ',"values":' + r + "}")
    return payloads, hashes


RAW_SEP = "\u241f"  # ␟ (SYMBOL FOR UNIT SEPARATOR): printable, so JSON stores it as is (3 bytes)


def raw_value_texts(raw: pd.DataFrame) -> list[str]:
    """The source values of each row as ONE JSON string joined by :data:`RAW_SEP`.

    Encoding 80k × 65 values as one short JSON string per row is ~5× faster than JSON arrays and
    keeps ``raw_json`` small; a row whose values contain the separator (or are not text) is
    stored as a JSON array instead.  :func:`record_raw` turns either back into ``{column: value}``.
    """
    cols = [raw[c].tolist() for c in raw.columns]
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    out = []
    for row in zip(*cols, strict=True):
        try:
            text = RAW_SEP.join(row)
        except TypeError:
            text = None
        if text is None or text.count(RAW_SEP) != len(row) - 1:
            out.append(json.dumps(list(row), ensure_ascii=False, default=str))
        else:
            out.append(dumps(text))
    return out


def record_raw(project: Project, record_id: int) -> dict[str, Any]:
    """The source columns of one ``facility_records`` row as ``{column: value}``."""
    row = project.conn.execute(
        "SELECT r.raw_json, s.summary_json FROM facility_records r JOIN sources s ON s.id=r.source_id WHERE r.id=?",
        (record_id,),
    ).fetchone()
    if row is None:
        return {}
    payload = json.loads(row[0] or "{}")
    header = (json.loads(row[1]) if row[1] else {}).get("header") or []
    values = payload.get("values") or ""
    return dict(zip(header, values.split(RAW_SEP) if isinstance(values, str) else values, strict=False))


@dataclass(frozen=True)
class _Chunk:
    """One chunk's records with what the register writes for each (in record order)."""

    pf: ParsedFile
    keys: list[str]
    sheets: list[Any]
    rownos: list[int | None]
    payloads: list[str]
    hashes: list[str]


class Registrar:
    """Writes one file into the register, chunk by chunk (call inside ``project.transaction()``).

    :meth:`add` takes the parsed chunks of the file in row order (a whole file is one chunk); an
    identity already seen in an earlier chunk is rejected as a duplicate.  :meth:`finish` closes the
    records of the family's scope that did not appear, re-derives the facilities that changed and
    returns the report.  Memory stays bounded by the chunk size: only the keys seen are kept.
    """

    def __init__(self, project: Project, first: ParsedFile, *, source_id: int) -> None:
        self.project = project
        self.source_id = source_id
        self.family = first.family
        self.file_name = first.file_name
        self.seen_date = first.reference_date or dt.date.today().isoformat()
        self.now = now_iso()
        self.rep = ImportReport(
            file=first.file_name,
            format=first.format,
            family=first.family,
            reference_date=first.reference_date,
            reference_date_origin=first.reference_date_origin,
            source_id=source_id,
            encoding=first.encoding,
            notes=list(first.notes),
        )
        self.existing: dict[str, tuple[int, int, str, str]] = {
            r[0]: (r[1], r[2], r[3], r[4])
            for r in project.conn.execute(
                "SELECT record_key, id, facility_id, record_hash, status FROM facility_records "
                "WHERE source_family=? AND status IN ('current','closed') ORDER BY id",
                (first.family,),
            )
        }
        self.keys: set[str] = set()
        self.touched: set[int] = set()
        self.rejected: list[Rejected] = []  # duplicates found here (the parser's own are in each chunk)
        self.skipped: Counter[str] = Counter()
        self.scope: set[str] = set()
        self.by_category: Counter[str] = Counter()
        self.by_subtype: Counter[str] = Counter()
        self.coords: Counter[str] = Counter()
        self.last: ParsedFile = first

    def add(self, pf: ParsedFile) -> None:
        """Register one chunk."""
        self.last = pf
        self.rep.rows_read += pf.rows_read
        self.skipped.update({k: v for k, v in pf.skipped.items() if v})
        self.scope |= pf.scope_prefs
        recs, raw = self._without_duplicates(pf)
        if not len(recs):
            return
        chunk = ParsedFile(**{**pf.__dict__, "records": recs, "raw": raw})
        payloads, hashes = record_payloads(chunk)
        keys = recs["record_key"].tolist()
        self.keys.update(keys)
        new_idx = [i for i, k in enumerate(keys) if k not in self.existing]
        same_idx = [
            i
            for i, k in enumerate(keys)
            if k in self.existing and self.existing[k][2:] == (hashes[i], "current")
        ]
        same_set = set(same_idx)
        changed_idx = [i for i, k in enumerate(keys) if k in self.existing and i not in same_set]
        c = _Chunk(
            chunk, keys, recs["sheet"].tolist(), [_int(v) for v in recs["row"].tolist()], payloads, hashes
        )
        self._insert_new(c, new_idx)
        self.project.conn.executemany(
            "UPDATE facility_records SET last_seen=?, row=?, sheet=? WHERE id=?",
            [(self.seen_date, c.rownos[i], c.sheets[i], self.existing[keys[i]][0]) for i in same_idx],
        )
        self.rep.unchanged += len(same_idx)
        self._update_changed(c, changed_idx)
        self._count(recs)

    def _without_duplicates(self, pf: ParsedFile) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chunk's records without identities seen before in this file (those are rejected)."""
        recs = pf.records.reset_index(drop=True)
        raw = pf.raw.reset_index(drop=True) if len(pf.raw) == len(recs) else pf.raw
        dup = recs["record_key"].duplicated(keep="first") | recs["record_key"].isin(self.keys)
        if not dup.any():
            return recs, raw
        for i in recs.index[dup]:  # the same identity twice in one file (e.g. on two sheets): keep the first
            r = Rejected(
                row=_int(recs.at[i, "row"]),
                sheet=recs.at[i, "sheet"],
                column="record_key",
                value=recs.at[i, "record_key"],
                reason="同じ施設（同じ番号）がこのファイルの前の行にもあります（最初の行を採用）",
            )
            self.rejected.append(r)
            self.project.log_row(
                source_id=self.source_id,
                file_name=self.file_name,
                sheet=r.sheet,
                row=r.row,
                column=r.column,
                value=r.value,
                reason=r.reason,
            )
        keep = ~dup
        recs = recs[keep].reset_index(drop=True)
        if len(raw) == len(keep):
            raw = raw[keep.to_numpy()].reset_index(drop=True)
        return recs, raw

    def _insert_new(self, c: _Chunk, new_idx: list[int]) -> None:
        """New records become new facilities, in bulk."""
        self.rep.added += len(new_idx)
        if not new_idx:
            return
        conn = self.project.conn
        pf, keys, sheets, rownos, payloads, hashes = c.pf, c.keys, c.sheets, c.rownos, c.payloads, c.hashes
        fac = facility_frame(pf.records.iloc[new_idx], now=self.now)
        start = (conn.execute("SELECT coalesce(max(id), 0) FROM facilities").fetchone()[0] or 0) + 1
        fac.insert(0, "id", range(start, start + len(fac)))
        conn.executemany(
            f"INSERT INTO facilities ({','.join(FAC_COLUMNS)}) VALUES ({','.join('?' * len(FAC_COLUMNS))})",
            zip(*[fac[c].tolist() for c in FAC_COLUMNS], strict=True),
        )
        ids = fac["id"].tolist()
        day = self.seen_date
        conn.executemany(
            "INSERT INTO facility_records (facility_id, source_id, source_family, record_key, sheet, row, "
            "record_hash, raw_json, first_seen, last_seen, status) VALUES (?,?,?,?,?,?,?,?,?,?, 'current')",
            [
                (
                    int(fid),
                    self.source_id,
                    self.family,
                    keys[i],
                    sheets[i],
                    rownos[i],
                    hashes[i],
                    payloads[i],
                    day,
                    day,
                )
                for fid, i in zip(ids, new_idx, strict=True)
            ],
        )
        if pf.designations:
            for fid, i in zip(ids, new_idx, strict=True):
                if keys[i] in pf.designations:
                    sync_designations(
                        self.project, int(fid), pf.designations[keys[i]], source_id=self.source_id
                    )

    def _update_changed(self, c: _Chunk, changed_idx: list[int]) -> None:
        """Changed (or reopened) records get their new content; their facilities are re-derived later."""
        pf, keys, sheets, rownos, payloads, hashes = c.pf, c.keys, c.sheets, c.rownos, c.payloads, c.hashes
        for i in changed_idx:
            rid, fid, _h, status = self.existing[keys[i]]
            self.project.conn.execute(
                "UPDATE facility_records SET source_id=?, sheet=?, row=?, record_hash=?, raw_json=?, last_seen=?, "
                "status='current' WHERE id=?",
                (self.source_id, sheets[i], rownos[i], hashes[i], payloads[i], self.seen_date, rid),
            )
            if keys[i] in pf.designations:
                sync_designations(self.project, fid, pf.designations[keys[i]], source_id=self.source_id)
            self.touched.add(fid)
            if status == "closed":
                self.rep.reopened += 1
            else:
                self.rep.updated += 1

    def _count(self, recs: pd.DataFrame) -> None:
        self.by_category.update(str(k) for k in recs["category"].tolist())
        st = recs["subtype"].fillna("").astype(str)
        self.by_subtype.update(
            f"{c}:{s}" for c, s in zip(recs["category"].tolist(), st.tolist(), strict=True) if s
        )
        self.coords.update(str(k) for k in coord_status(recs["src_lon"], recs["src_lat"]).tolist())

    def finish(self) -> ImportReport:
        """Close the records that disappeared, re-derive touched facilities; the report."""
        rep = self.rep
        scope_pf = ParsedFile(**{**self.last.__dict__, "scope_prefs": self.scope})
        rep.closed = (
            _close_missing(
                self.project, scope_pf, self.keys, seen=self.seen_date, rep=rep, touched=self.touched
            )
            if self.existing
            else 0
        )
        recompute_facilities(self.project, sorted(self.touched), closed_date=self.seen_date)
        rep.records = sum(self.by_category.values())
        rep.skipped = dict(self.skipped)
        rep.by_category = dict(self.by_category)
        rep.by_subtype = dict(self.by_subtype)
        rep.coord_status = dict(self.coords)
        return rep


def register_file(
    project: Project, pf: ParsedFile, *, source_id: int, progress: Progress | None = None
) -> ImportReport:
    """Write one parsed file into the register (call inside ``project.transaction()``); see
    :class:`Registrar` for a file read in chunks."""
    prog = progress or Progress()
    reg = Registrar(project, pf, source_id=source_id)
    prog.update(0.2, "既存データと照合")
    reg.add(pf)
    prog.update(0.6, "変更を反映")
    pf.rejected.extend(reg.rejected)
    rep = reg.finish()
    prog.update(1.0, "完了", force=True)
    return rep


def _int(v: Any) -> int | None:
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def _close_missing(
    project: Project, pf: ParsedFile, keys: set[str], *, seen: str, rep: ImportReport, touched: set[int]
) -> int:
    conn = project.conn
    scope = pf.scope_prefs
    if not scope:
        return 0
    rows = conn.execute(
        "SELECT r.id, r.record_key, r.facility_id, coalesce(f.pref_code, ''), r.last_seen FROM facility_records r "
        "JOIN facilities f ON f.id = r.facility_id WHERE r.source_family=? AND r.status='current'",
        (pf.family,),
    ).fetchall()
    gone = [r for r in rows if r[1] not in keys and (r[3] in scope or "*" in scope)]
    if not gone:
        return 0
    latest = max((r[4] or "") for r in rows)
    if pf.reference_date and latest and pf.reference_date < latest:
        rep.notes.append(
            f"この一覧 ({pf.reference_date}) は取込済みの版 ({latest}) より古いため、"
            f"掲載終了の判定をしませんでした（{len(gone)} 件）。"
        )
        return 0
    conn.executemany("UPDATE facility_records SET status='closed' WHERE id=?", [(r[0],) for r in gone])
    if pf.designations is not None and pf.format == "kouseikyoku":
        conn.executemany("UPDATE designations SET current=0 WHERE facility_id=?", [(r[2],) for r in gone])
    touched.update(r[2] for r in gone)
    return len(gone)


def sync_designations(
    project: Project, facility_id: int, desigs: list[dict[str, Any]], *, source_id: int
) -> None:
    """Add missing designations, keep history; per kind the latest effective date is current."""
    conn = project.conn
    existing = {
        (r[1], r[2], r[3]): r[0]
        for r in conn.execute(
            "SELECT id, kind, code, effective_date FROM designations WHERE facility_id=?", (facility_id,)
        )
    }
    incoming_ids: set[int] = set()
    latest: dict[str, tuple[str, int]] = {}
    for d in desigs:
        k = (d["kind"], d["code"], d["effective_date"])
        if k in existing:
            did = existing[k]
            conn.execute(
                "UPDATE designations SET name=?, subtype=?, source_id=? WHERE id=?",
                (d["name"], d["subtype"], source_id, did),
            )
        else:
            cur = conn.execute(
                "INSERT INTO designations (facility_id, kind, code, name, subtype, effective_date, source_id, current)"
                " VALUES (?,?,?,?,?,?,?,0)",
                (facility_id, d["kind"], d["code"], d["name"], d["subtype"], d["effective_date"], source_id),
            )
            did = int(cur.lastrowid or 0)
            existing[k] = did
        incoming_ids.add(did)
        rank = (d["effective_date"] or "", did)
        if d["kind"] not in latest or rank > latest[d["kind"]]:
            latest[d["kind"]] = rank
    conn.execute("UPDATE designations SET current=0 WHERE facility_id=?", (facility_id,))
    conn.executemany("UPDATE designations SET current=1 WHERE id=?", [(v[1],) for v in latest.values()])


def _family_rank(family: str, order: tuple[str, ...]) -> int:
    head = family.split(":", 1)[0]
    return order.index(head) if head in order else len(order)


def recompute_facilities(
    project: Project, facility_ids: list[int], *, closed_date: str | None = None
) -> None:
    """Re-derive facility attributes from their current records (after updates, merges, closures)."""
    conn = project.conn
    now = now_iso()
    for fid in facility_ids:
        recs = conn.execute(
            "SELECT source_family, raw_json FROM facility_records WHERE facility_id=? AND status='current'",
            (fid,),
        ).fetchall()
        if not recs:
            conn.execute(
                "UPDATE facilities SET status='closed', closed_date=coalesce(closed_date, ?), updated_at=? "
                "WHERE id=? AND status != 'closed'",
                (closed_date, now, fid),
            )
            continue
        fields = [(fam, json.loads(rj).get("fields", {})) for fam, rj in recs]
        merged: dict[str, Any] = {}
        by_attr = sorted(fields, key=lambda x: _family_rank(x[0], ATTR_PRIORITY))
        for col in FIELD_COLUMNS:
            for _fam, f in by_attr:
                v = f.get(col)
                if v not in (None, "") and not (isinstance(v, float) and np.isnan(v)):
                    merged[col] = v
                    break
            else:
                merged[col] = None
        by_cat = sorted(fields, key=lambda x: _family_rank(x[0], CATEGORY_PRIORITY))
        merged["category"] = by_cat[0][1].get("category")
        merged["subtype"] = by_cat[0][1].get("subtype")
        # the coordinate comes from the best record that has a usable one, else the best with any
        coords = [(f.get("src_lon"), f.get("src_lat")) for _fam, f in by_attr]
        statuses = [coord_status(pd.Series([x]), pd.Series([y]))[0] for x, y in coords]
        pick = next(
            (i for i, s in enumerate(statuses) if s == "ok"),
            next((i for i, s in enumerate(statuses) if s != "missing"), None),
        )
        merged["src_lon"], merged["src_lat"] = coords[pick] if pick is not None else (None, None)
        row = {c: merged.get(c) for c in FIELD_COLUMNS}
        for c in ("name_kana", "address", "postal_code", "pref_code", "muni_code", "phone", "subtype"):
            row[c] = row[c] or ""
        frame = pd.DataFrame([row])
        frame["src_lon"] = pd.to_numeric(frame["src_lon"], errors="coerce")
        frame["src_lat"] = pd.to_numeric(frame["src_lat"], errors="coerce")
        fac = facility_frame(frame, now=now).iloc[0].to_dict()
        cur = conn.execute("SELECT geocode_level FROM facilities WHERE id=?", (fid,)).fetchone()
        level = cur[0] if cur else None
        sets = [
            "category",
            "subtype",
            "name",
            "name_kana",
            "name_norm",
            "address",
            "address_norm",
            "postal_code",
            "pref_code",
            "muni_code",
            "phone",
            "beds",
            "src_lon",
            "src_lat",
            "src_coord_status",
            "updated_at",
        ]
        vals = [fac[c] for c in sets]
        if fac["src_coord_status"] == "ok" and level != "manual":
            sets += ["lon", "lat", "geom", "geocode_level"]
            vals += [fac["lon"], fac["lat"], fac["geom"], "source"]
        elif level == "source":  # the source coordinate became unusable: position unresolved again
            sets += ["lon", "lat", "geom", "geocode_level"]
            vals += [None, None, None, None]
        sets += ["status", "closed_date"]
        vals += ["open", None]
        conn.execute(f"UPDATE facilities SET {', '.join(c + '=?' for c in sets)} WHERE id=?", [*vals, fid])
