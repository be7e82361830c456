"""CLI: init/info JSON, exit codes, Japanese error messages, settings robustness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zaitaku_map.cli import main
from zaitaku_map.errors import InputDataError
from zaitaku_map.messages import format_error
from zaitaku_map.settings import Settings


def test_init_and_info_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.gpkg"
    assert main(["init", str(path)]) == 0
    capsys.readouterr()
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["schema_version"] == 2
    assert info["municipalities"] == 0
    assert info["area_layers"] == {}
    assert info["facilities"]["total"] == 0
    for key in ("zaishi_clinic", "zaishi_hospital", "home_nursing", "pharmacy", "houkatsu", "care_facility"):
        assert info["facilities"][key] == 0
    assert info["geocode_levels"] == {}
    assert info["population"]["total"] == 0
    assert info["road_network"] is None
    assert info["options"] == []


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 2
    assert main(["no-such-command"]) == 2


def test_not_a_project_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.gpkg"
    bad.write_text("not sqlite", encoding="utf-8")
    assert main(["info", str(bad), "--json"]) == 3
    captured = capsys.readouterr()
    assert "プロジェクトではありません" in captured.err
    assert json.loads(captured.out)["ok"] is False


def test_error_message_names_location() -> None:
    err = InputDataError("bad code", file="/x/a.csv", sheet="S1", row=12, column="市町村コード", value="ABC")
    text = format_error(err)
    assert "a.csv" in text and "行: 12" in text and "列: 市町村コード" in text and "ABC" in text


def test_settings_survive_corruption(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    s = Settings(path)
    assert s.get("coverage_minutes") == 30
    assert s.recovered_from is not None and s.recovered_from.exists()
    s.add_recent(tmp_path / "a.gpkg")
    s.save()
    assert Settings(path).get("last_project").endswith("a.gpkg")


def test_output_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """``zaitaku-map info P --json | head -1``: no traceback when the reader leaves early."""
    import subprocess
    import sys

    proj = tmp_path / "p.gpkg"
    assert main(["init", str(proj)]) == 0
    writer = subprocess.Popen(
        [sys.executable, "-m", "zaitaku_map", "info", str(proj), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert writer.stdout is not None
    writer.stdout.close()  # the reader leaves before the command writes (start-up takes a while)
    _out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0 and b"Traceback" not in err, err.decode(errors="replace")


def test_demo_with_a_failed_step_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo whose step failed still leaves its project, but does not report success to scripts."""
    import zaitaku_map.demo as demo

    def partly_failed(path: Path, **_kw: object) -> dict[str, object]:
        return {
            "project": str(path),
            "steps": {
                "files": {"status": "ok"},
                "pack": {"status": "failed", "error": "ModuleNotFoundError: pypdf"},
            },
            "failed": ["pack"],
            "info": {},
        }

    monkeypatch.setattr(demo, "build_demo_project", partly_failed)
    assert main(["demo", str(tmp_path / "d.gpkg"), "--json"]) == 1
    assert "失敗" in capsys.readouterr().err
