"""Progress of imports (monotone, ends at total) and reference dates of generic tables."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.import_fixtures import (
    iryojoho_row,
    kaigo_row,
    kousei_row,
    write_iryojoho,
    write_kaigo,
    write_kouseikyoku,
)
from zaitaku_map.importers import import_files, preview_file


def _list(path: Path) -> Path:
    path.write_text("センター名,所在地\n中央包括,鳥取市尚徳町116\n南包括,鳥取市的場1-1\n", encoding="utf-8")
    return path


def test_table_reference_date_from_its_title_row(project, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["鳥取市 地域包括支援センター一覧（令和７年１０月１日現在）"])
    ws.append(["センター名", "所在地"])
    ws.append(["中央包括", "鳥取市尚徳町116"])
    f = tmp_path / "list.xlsx"
    wb.save(f)
    (rep,) = import_files(project, [f], category="houkatsu")
    assert (rep.reference_date, rep.reference_date_origin) == ("2025-10-01", "title")
    assert preview_file(f)["reference_date"] == "2025-10-01"
    (rep2,) = import_files(project, [f], category="houkatsu", reference_date="2025-11-01")
    assert (rep2.reference_date, rep2.reference_date_origin) == ("2025-11-01", "user")


def test_progress_is_monotone_and_ends_at_total(project, tmp_path: Path) -> None:
    k = write_kaigo(
        tmp_path / "jigyosho_130.csv",
        [
            kaigo_row("312011", f"31601000{i:02d}", f"A{i}", "訪問看護", f"鳥取市青葉町{i}", "35.5", "134.2")
            for i in range(30)
        ],
    )
    m = write_kouseikyoku(
        tmp_path / "m.xlsx",
        [
            kousei_row(f"01{i:05d}", f"診療所{i}", f"テスト市{i}町1", "支援診３", "令和 4年 4月 1日")
            for i in range(5)
        ],
    )
    h = write_iryojoho(
        tmp_path / "01-1_hospital_facility_info_20250601.zip",
        [
            iryojoho_row(f"31{i:011d}", f"病院{i}", "31", "201", f"鳥取県鳥取市{i}", "35.5", "134.2")
            for i in range(5)
        ],
    )
    t = _list(tmp_path / "houkatsu.csv")
    seen: list[tuple[float, float]] = []
    import_files(
        project, [k, m, h, t], category="houkatsu", progress=lambda d, tot, msg: seen.append((d, tot))
    )
    done = [d for d, _ in seen]
    assert len(seen) > 8
    assert all(b >= a for a, b in itertools.pairwise(done)), done
    assert all(0 <= d <= tot for d, tot in seen)
    assert seen[-1][0] == seen[-1][1]


def test_progress_reporter_stays_in_its_range_and_never_goes_back() -> None:
    from zaitaku_map.progress import Progress

    seen: list[float] = []
    root = Progress(lambda d, t, m: seen.append(d))
    a = root.step(0.5)
    a.step(0.8).update(1.0, force=True)  # 0.4
    a.update(1.0, force=True)  # the end of a's range (0.5), not past it
    a.update(0.2, force=True)  # late and smaller: reported as 0.5 again
    b = root.step(0.5)
    b.update(0.5, force=True)  # 0.75
    root.update(1.0, force=True)
    assert seen == [0.4, 0.5, 0.5, 0.75, 1.0]
    for n in (3, 7, 10):  # weights that do not add up exactly in floating point still end at total
        last: list[tuple[float, float]] = []
        p = Progress(lambda d, t, m, out=last: out.append((d, t)))
        for _ in range(n):
            p.step(1 / n).update(1, force=True)
        assert last[-1][0] == last[-1][1] == 1.0
    got: list[tuple[float, float]] = []
    Progress(lambda d, t, m: got.append((d, t)), total=4).update(4, force=True)
    assert got == [(4.0, 4.0)]
