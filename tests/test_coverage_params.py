"""The one resolver of coverage parameters (given → saved in the project → defaults) and its saver."""

from __future__ import annotations

import pytest

from zaitaku_map.coverage import (
    CoverageParams,
    resolve_coverage_params,
    save_coverage_params,
    stored_coverage_params,
)
from zaitaku_map.errors import AnalysisError
from zaitaku_map.network.speeds import SpeedTable
from zaitaku_map.store import create_project


@pytest.fixture
def project(tmp_path):  # type: ignore[no-untyped-def]
    p = create_project(tmp_path / "p.gpkg")
    yield p
    p.close()


def test_order_given_then_saved_then_default(project) -> None:  # type: ignore[no-untyped-def]
    assert stored_coverage_params(project) is None
    assert resolve_coverage_params(project) == CoverageParams()
    preferred = CoverageParams(minutes=20, bands=(10, 20))
    assert resolve_coverage_params(project, default=preferred) == preferred
    save_coverage_params(project, CoverageParams(minutes=45, mode="straight"), with_speed_table=False)
    saved = resolve_coverage_params(project, default=preferred)
    assert saved.minutes == 45 and saved.mode == "straight"
    given = CoverageParams(minutes=15)
    assert resolve_coverage_params(project, given) is given
    over = resolve_coverage_params(project, minutes=60, mode="auto")
    assert (over.minutes, over.mode, over.bands) == (60.0, "auto", (15.0, 30.0, 45.0))


def test_settings_dialog_dict_and_cli_dict_both_read(project) -> None:  # type: ignore[no-untyped-def]
    # what the GUI settings dialog stores (a subset of the fields, bands as a list)
    project.set_setting(
        "coverage_params",
        {
            "minutes": 25.0,
            "bands": [10.0, 25.0],
            "mode": "network",
            "detour_factor": 1.4,
            "straight_speed_kmh": 25,
        },
    )
    p = stored_coverage_params(project)
    assert p is not None and (p.minutes, p.bands, p.mode, p.detour_factor) == (
        25.0,
        (10.0, 25.0),
        "network",
        1.4,
    )
    # what `coverage --save` stores: to_dict() without the speed table, congestion kept
    params = CoverageParams(
        speed_table=SpeedTable(speeds={"residential": 20}), congestion_factor=0.8, speed_kmh=None
    )
    save_coverage_params(project, params, with_speed_table=False)
    back = stored_coverage_params(project)
    assert back is not None and back.speed_table is None and back.congestion_factor == 0.8
    save_coverage_params(project, params, with_speed_table=True)
    back = stored_coverage_params(project)
    assert back is not None and back.effective_table().speeds["residential"] == 20
    assert back.to_dict() == params.to_dict()


@pytest.mark.parametrize(
    "bad",
    [
        "30",  # not an object
        {"minutes": "abc"},
        {"minutes": -5},
        {"mode": "teleport"},
        {"speed_table": {"speeds_kmh": {"hyperloop": 900}}},
    ],
)
def test_unreadable_saved_parameters_are_reported_not_replaced(project, bad) -> None:  # type: ignore[no-untyped-def]
    project.set_setting("coverage_params", bad)
    with pytest.raises(AnalysisError) as exc:
        resolve_coverage_params(project)
    assert exc.value.column == "coverage_params" and "保存し直して" in (exc.value.hint or "")
    # given parameters never read the saved ones
    assert resolve_coverage_params(project, CoverageParams(minutes=10)).minutes == 10
