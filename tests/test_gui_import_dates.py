"""The import wizard passes the user's 基準日 to every import that takes one (not only facilities and
boundaries): area tables, A38, geocoding references and road networks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui


class _Signal:
    def connect(self, _fn: Any) -> None:
        pass


class _Jobs:
    """Runs jobs without a project (detection) at once; captures the import job instead of running
    it in a worker thread."""

    def __init__(self) -> None:
        self.job: Any = None

    def run(self, _title: str, job: Any, **kw: Any) -> Any:
        from zaitaku_map.progress import Progress

        if kw.get("project_path") is None:
            kw["on_success"](job(None, progress=Progress.of(None), cancel=None))
        else:
            self.job = job
        return type(
            "J", (), {"progressed": _Signal(), "cancel": lambda self: None, "isRunning": lambda self: False}
        )()


def test_wizard_passes_reference_date_to_areas_references_and_roads(qtbot: Any, tmp_path: Path) -> None:
    from geocode_fixtures import add_municipalities, write_town_json
    from network_fixtures import region_builder
    from PySide6.QtWidgets import QWidget

    from zaitaku_map.gui.import_wizard import ImportWizard
    from zaitaku_map.progress import Progress
    from zaitaku_map.store import create_project

    project = create_project(tmp_path / "p.gpkg")
    add_municipalities(project)
    table = tmp_path / "医師会.csv"
    table.write_text("code,area\n31201,A\n31302,A\n31364,B\n", encoding="utf-8")
    files = [
        table,
        write_town_json(tmp_path / "towns.json"),
        region_builder(step=0.02, with_island=False).write_pbf(tmp_path / "demo-latest.osm.pbf"),
    ]

    from zaitaku_map.gui.state import AppState
    from zaitaku_map.settings import Settings

    parent = QWidget()
    qtbot.addWidget(parent)
    state = AppState(Settings(tmp_path / "settings.json"))
    state.set_project(project, project.path)

    class Bench:  # the parts of the Workbench the wizard uses
        def __init__(self) -> None:
            self.state = state
            self.jobs = _Jobs()

        def dialog_parent(self) -> QWidget:
            return parent

    win = Bench()
    wiz = ImportWizard(win)  # type: ignore[arg-type]
    wiz.add_paths([str(f) for f in files])
    for row, kind in enumerate(("areas", "reference", "roads")):
        wiz.set_kind(row, kind)
    wiz.do_geocode.setChecked(False)
    wiz.ref_date.setText("2025-10-01")
    wiz.start_import()
    report = win.jobs.job(project, progress=Progress.of(None), cancel=None)
    assert [r.error for r in report.results] == [None, None, None]
    assert sorted((r.step.kind, (r.result or {})["reference_date"]) for r in report.results) == [
        ("areas", "2025-10-01"),
        ("reference", "2025-10-01"),
        ("roads", "2025-10-01"),
    ]
    dates = dict(project.conn.execute("SELECT kind, reference_date FROM sources").fetchall())
    assert dates == {"areas": "2025-10-01", "geocode_reference": "2025-10-01", "roads": "2025-10-01"}
    state.close_project()
