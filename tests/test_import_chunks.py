"""Large lists are read and registered in chunks (``limits().chunk_rows``): the result must be the same
as reading the file whole — the same facilities, records, rejected rows and report — also when a
duplicate identity or the rows naming the list's issuer lie in different chunks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from import_fixtures import KAIGO_HEADER, iryojoho_row, kaigo_row, write_iryojoho, write_kaigo

from zaitaku_map.importers import import_files
from zaitaku_map.store import create_project
from zaitaku_map.tabular import iter_csv_tables, read_csv_table


def _state(project) -> tuple[list[tuple], list[tuple], list[tuple]]:
    c = project.conn
    fac = c.execute(
        "SELECT category, name, address, muni_code, lon, lat FROM facilities ORDER BY name"
    ).fetchall()
    rec = c.execute(
        "SELECT source_family, record_key, row, status FROM facility_records ORDER BY record_key"
    ).fetchall()
    log = c.execute(
        "SELECT row, column_name, reason, severity FROM import_log ORDER BY row, reason"
    ).fetchall()
    return fac, rec, log


def _import_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[Path], **kw: object):
    out = []
    for chunk in (None, 3):
        if chunk:
            monkeypatch.setenv("ZAITAKU_MAP_LIMITS", json.dumps({"chunk_rows": chunk}))
        p = create_project(tmp_path / f"p{chunk}.gpkg")
        reps = import_files(p, files, **kw)  # type: ignore[arg-type]
        out.append(([r.to_dict() | {"source_id": None} for r in reps], _state(p)))
        p.close()
    return out


def test_kaigo_in_chunks_equals_whole(tmp_path, monkeypatch):
    rows = [
        kaigo_row(
            "312011",
            f"31601000{i:02d}",
            f"訪問看護ステーション{i}",
            "訪問看護",
            f"鳥取市青葉町{i}",
            "35.50",
            "134.23",
        )
        for i in range(10)
    ]
    rows.insert(7, rows[1])  # the same office again, in another chunk
    rows[4] = list(rows[4])
    rows[4][KAIGO_HEADER.index("事業所名")] = ""  # no name: rejected
    f = write_kaigo(tmp_path / "jigyosho_130.csv", rows)
    (whole, s1), (chunked, s2) = _import_both(tmp_path, monkeypatch, [f])
    assert whole == chunked and s1 == s2
    assert whole[0]["rows_read"] == 11 and whole[0]["added"] == 9 and whole[0]["rejected"] == 2


def test_iryojoho_in_chunks_equals_whole(tmp_path, monkeypatch):
    rows = [
        iryojoho_row(
            f"310{i:010d}",
            f"テスト病院{i}",
            "31",
            "201",
            f"鳥取県鳥取市{i}",
            "35.5",
            "134.2" if i % 3 else "0.0",
        )
        for i in range(11)
    ]
    rows.append(rows[2])  # the same ID again, in the last chunk
    f = write_iryojoho(tmp_path / "01-1_hospital_facility_info_20250601.zip", rows)
    (whole, s1), (chunked, s2) = _import_both(tmp_path, monkeypatch, [f])
    assert whole == chunked and s1 == s2 and whole[0]["added"] > 0


def test_table_family_from_all_chunks(tmp_path, monkeypatch):
    """The issuer (鳥取市) is named only by rows of the first chunk; every chunk gets its family."""
    f = tmp_path / "包括一覧.csv"
    lines = ["センター名,所在地,市町村"]
    lines += [f"地域包括支援センター{i},鳥取県鳥取市尚徳町{i},{'鳥取市' if i < 2 else ''}" for i in range(8)]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (whole, s1), (chunked, s2) = _import_both(tmp_path, monkeypatch, [f], category="houkatsu")
    assert whole == chunked and s1 == s2
    assert {r[0] for r in s1[1]} == {"table:地域包括支援センター@鳥取市"}


def test_csv_chunks_cover_the_file(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(
        "タイトル\n名称,住所\n" + "".join(f"a{i},b{i}\n" for i in range(10)) + "x,y,z\n", encoding="cp932"
    )
    whole = read_csv_table(f, header_keys=["名称"])
    parts = list(iter_csv_tables(f, header_keys=["名称"], chunk_rows=4))
    assert [len(p.frame) for p in parts] == [4, 4, 2]
    assert [r for p in parts for r in p.frame.values.tolist()] == whole.frame.values.tolist()
    assert [n for p in parts for n in p.rows.tolist()] == whole.rows.tolist() == list(range(3, 13))
    assert [p.row for p in parts[-1].problems] == [13] and all(p.title_rows == [["タイトル"]] for p in parts)
