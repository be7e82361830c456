"""All-or-nothing imports (injected failure, SIGKILL), re-import/closure/reopen, and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.import_fixtures import iryojoho_row, kousei_row, write_iryojoho, write_kouseikyoku
from zaitaku_map.cli import main
from zaitaku_map.importers import import_files
from zaitaku_map.store import open_project

REPO = Path(__file__).resolve().parents[1]


def _meibo(
    tmp_path: Path, name: str = "m.xlsx", n: int = 5, title: str = "[令和７年１０月１日 現在 ]"
) -> Path:
    rows = [
        kousei_row(f"01{i:05d}", f"診療所{i}", f"テスト市{i}町1", "支援診３", "令和 4年 4月 1日")
        for i in range(n)
    ]
    return write_kouseikyoku(tmp_path / name, rows, title=title)


def _counts(project) -> tuple[int, ...]:
    c = project.conn
    return tuple(
        c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("facilities", "facility_records", "designations", "sources", "import_log")
    )


def test_failure_mid_file_commits_nothing(project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zaitaku_map.importers.register as reg

    import_files(project, [_meibo(tmp_path, n=3)])
    before = _counts(project)
    real = reg.sync_designations
    calls = {"n": 0}

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(reg, "sync_designations", failing)
    with pytest.raises(RuntimeError):
        import_files(project, [_meibo(tmp_path, "m2.xlsx", n=6, title="[令和８年１月１日 現在 ]")])
    assert calls["n"] == 3  # the failure really happened after rows were written
    assert _counts(project) == before
    assert not project.conn.in_transaction


def test_sigkill_mid_import_leaves_project_intact(tmp_path: Path) -> None:
    from zaitaku_map.store import create_project

    proj_path = tmp_path / "p.gpkg"
    create_project(proj_path).close()
    rows = [
        iryojoho_row(f"31{i:011d}", f"病院{i}", "31", "201", f"鳥取県鳥取市{i}町", "35.5", "134.2")
        for i in range(2000)
    ]
    z = write_iryojoho(tmp_path / "01-1_hospital_facility_info_20250601.zip", rows)
    script = textwrap.dedent(f"""
        import sys
        import zaitaku_map.importers.register as reg
        from zaitaku_map.importers import import_files
        from zaitaku_map.store import open_project
        real = reg.recompute_facilities
        def hook(*a, **k):
            real(*a, **k)
            print("READY", flush=True)
            sys.stdin.readline()   # block until killed
        reg.recompute_facilities = hook
        p = open_project({str(proj_path)!r})
        import_files(p, [{str(z)!r}])
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=str(REPO),
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == b"READY"
    # rows are written but not committed: the journal exists
    assert proj_path.with_name(proj_path.name + "-journal").exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with open_project(proj_path) as p:
        assert _counts(p) == (0, 0, 0, 0, 0)
        (rep,) = import_files(p, [z])
        assert rep.added == 2000


def test_reopen_after_close(project, tmp_path: Path) -> None:
    import_files(project, [_meibo(tmp_path, "a.xlsx", n=3, title="[令和７年１月１日 現在 ]")])
    (r2,) = import_files(project, [_meibo(tmp_path, "b.xlsx", n=2, title="[令和７年４月１日 現在 ]")])
    assert r2.closed == 1
    (r3,) = import_files(project, [_meibo(tmp_path, "c.xlsx", n=3, title="[令和７年７月１日 現在 ]")])
    assert (r3.reopened, r3.unchanged, r3.added) == (1, 2, 0)
    assert (
        project.conn.execute(
            "SELECT count(*) FROM facilities WHERE status='open' AND closed_date IS NULL"
        ).fetchone()[0]
        == 3
    )


def test_cli_import_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = tmp_path / "p.gpkg"
    assert main(["init", str(proj), "--json"]) == 0
    capsys.readouterr()
    m = _meibo(tmp_path, n=2)
    code = main(["import", str(proj), str(m), "--json", "--prefecture", "99"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    f = data["files"][0]
    assert data["study_prefectures"] == ["99"]
    assert f["format"] == "kouseikyoku" and f["reference_date"] == "2025-10-01" and f["added"] == 2
    for key in (
        "rows_read",
        "updated",
        "closed",
        "unchanged",
        "matched_across_sources",
        "unmatched",
        "rejected",
        "rejected_reasons",
    ):
        assert key in f
    # human output
    assert main(["import", str(proj), str(m)]) == 0
    assert "変更なし 2" in capsys.readouterr().out


def test_cli_bad_inputs_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = tmp_path / "p.gpkg"
    main(["init", str(proj)])
    capsys.readouterr()  # only the JSON of the import below
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.4")
    assert main(["import", str(proj), str(bad), "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and "expected" in out
    mp = tmp_path / "map.json"
    mp.write_text("[1, 2]", encoding="utf-8")
    t = tmp_path / "t.csv"
    t.write_text("名称,住所\nA,B\n", encoding="utf-8")
    assert main(["import", str(proj), str(t), "--mapping", str(mp)]) == 3
    assert main(["import", str(proj), str(t), "--reference-date", "someday"]) == 3
    assert main(["import", str(proj), str(t), "--category", "nope"]) == 3


def test_cancel_commits_nothing(project, tmp_path: Path) -> None:
    from zaitaku_map.errors import Cancelled
    from zaitaku_map.progress import CancelToken

    token = CancelToken()
    seen: list[str] = []

    def progress(done: float, total: float, message: str) -> None:
        seen.append(message)
        if message == "既存データと照合":
            token.cancel()

    with pytest.raises(Cancelled):
        import_files(project, [_meibo(tmp_path, n=4)], progress=progress, cancel=token)
    assert _counts(project) == (0, 0, 0, 0, 0)
    assert seen  # progress was reported before the cancel


def test_preview_real_files(realdata: Path) -> None:
    from zaitaku_map.importers import preview_file

    k = preview_file(realdata / "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx", rows=5)
    assert k["format"] == "kouseikyoku" and k["reference_date"] == "2025-10-01" and len(k["rows"]) == 5
    assert "受理記号" in k["header"] and k["mapping"]["name"] == "医療機関名称"
    z = preview_file(realdata / "iryojoho/01-1_hospital_facility_info_20250601.zip", rows=3)
    assert z["format"] == "iryojoho" and z["reference_date"] == "2025-06-01" and z["header"][1] == "正式名称"
    assert z["members"] == ["01-1_hospital_facility_info_20250601.csv"]


def test_zaishi_dropped_reverts_to_hospital_and_manual_position_kept(project, tmp_path: Path) -> None:
    hosp = [
        iryojoho_row(
            "9900000000001", "みどり病院", "99", "201", "テスト県テスト市緑町3", "34.1", "133.1", "120"
        ),
        iryojoho_row(
            "9900000000002", "あおば病院", "99", "201", "テスト県テスト市青葉町1", "34.2", "133.2", "80"
        ),
    ]
    z1 = write_iryojoho(tmp_path / "01-1_hospital_facility_info_20250601.zip", hosp)
    m1 = write_kouseikyoku(
        tmp_path / "m1.xlsx",
        [
            kousei_row(
                "0100002", "みどり病院", "テスト市緑町３", "支援病３", "令和 5年 1月 1日", kind="病院"
            ),
            kousei_row(
                "0100003", "あおば病院", "テスト市青葉町１", "支援病１", "令和 5年 1月 1日", kind="病院"
            ),
        ],
    )
    _, k1 = import_files(project, [z1, m1])
    assert k1.matched_across_sources == 2
    c = project.conn
    fid = c.execute("SELECT id FROM facilities WHERE name='みどり病院'").fetchone()[0]
    # the user moved あおば病院 by hand
    c.execute("UPDATE facilities SET lon=133.25, lat=34.25, geocode_level='manual' WHERE name='あおば病院'")
    project.conn.commit()
    # newer 名簿: みどり病院 is no longer 在支病
    m2 = write_kouseikyoku(
        tmp_path / "m2.xlsx",
        [
            kousei_row(
                "0100003", "あおば病院", "テスト市青葉町１", "支援病１", "令和 5年 1月 1日", kind="病院"
            )
        ],
        title="[令和８年１月１日 現在 ]",
    )
    (k2,) = import_files(project, [m2])
    assert k2.closed == 1
    row = c.execute("SELECT category, status, beds, lon FROM facilities WHERE id=?", (fid,)).fetchone()
    assert row == ("hospital", "open", 120, 133.1)
    assert c.execute("SELECT max(current) FROM designations WHERE facility_id=?", (fid,)).fetchone()[0] == 0
    # newer hospital list moves あおば病院's source point: the manual position stays
    hosp[1] = iryojoho_row(
        "9900000000002", "あおば病院", "99", "201", "テスト県テスト市青葉町1", "34.3", "133.3", "80"
    )
    z2 = write_iryojoho(tmp_path / "01-1_hospital_facility_info_20260101.zip", hosp)
    (h2,) = import_files(project, [z2])
    assert h2.updated == 1 and h2.unchanged == 1
    assert c.execute(
        "SELECT lon, lat, geocode_level, src_lon, category FROM facilities WHERE name='あおば病院'"
    ).fetchone() == (133.25, 34.25, "manual", 133.3, "zaishi_hospital")


def test_merge_moves_references(project, tmp_path: Path) -> None:
    z = write_iryojoho(
        tmp_path / "01-1_hospital_facility_info_20250601.zip",
        [
            iryojoho_row(
                "9900000000001", "みどり病院", "99", "201", "テスト県テスト市緑町3", "34.1", "133.1", "120"
            )
        ],
    )
    import_files(project, [z])
    c = project.conn
    hid = c.execute("SELECT id FROM facilities").fetchone()[0]
    with project.transaction():
        c.execute("INSERT INTO options (id, name) VALUES (1, '案A')")
        c.execute(
            "INSERT INTO option_hubs (option_id, ken_key, facility_id, name) VALUES (1, 'k1', ?, 'みどり病院')",
            (hid,),
        )
        c.execute("INSERT INTO facility_functions VALUES (?, 3, 1, 'user')", (hid,))
        c.execute("UPDATE facilities SET active_role=1 WHERE id=?", (hid,))
    m = write_kouseikyoku(
        tmp_path / "m.xlsx",
        [kousei_row("0100002", "みどり病院", "テスト市緑町３", "支援病３", "令和 5年 1月 1日", kind="病院")],
    )
    (k,) = import_files(project, [m])
    assert k.matched_across_sources == 1
    (fid, active) = c.execute("SELECT id, active_role FROM facilities").fetchone()
    assert fid != hid and active == 1
    assert c.execute("SELECT facility_id FROM option_hubs").fetchone()[0] == fid
    assert c.execute("SELECT facility_id, function FROM facility_functions").fetchall() == [(fid, 3)]


def test_cli_batch_goes_on_past_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proj = tmp_path / "p.gpkg"
    main(["init", str(proj)])
    bad = tmp_path / "notes.txt"
    bad.write_text("これは表ではありません", encoding="utf-8")
    capsys.readouterr()
    code = main(["import", str(proj), str(bad), str(_meibo(tmp_path, n=2)), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 3 and data["ok"] is False  # the good file is imported; the exit code still tells scripts
    assert data["files"][0]["error"] and data["files"][1]["added"] == 2
