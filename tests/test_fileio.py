"""The one atomic-write helper: a finished write replaces the target, a failed one leaves it as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from zaitaku_map.fileio import atomic_path, atomic_write_text, partial_path


def test_partial_name_keeps_the_extension(tmp_path: Path) -> None:
    assert partial_path(tmp_path / "a.gpkg").name == "a.part.gpkg"
    assert partial_path(tmp_path / "README").name == "README.part"


def test_success_replaces_target(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_failure_keeps_previous_version_and_removes_partial(tmp_path: Path) -> None:
    target = tmp_path / "map.pdf"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("writer failed")
    assert target.read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.pdf"]


def test_failure_without_previous_version_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.xlsx"
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"x")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
