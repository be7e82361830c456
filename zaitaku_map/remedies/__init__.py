"""Closing the gaps: what-if scenarios and facility suggestions (location-allocation).

- Scenarios (:mod:`.scenarios`, :mod:`.state`): named sets of edits over the facility register —
  hypothetical facilities, closures, moves, existing facilities taking on a category — stored apart
  from the register, with undo/redo.
- Live what-if (:class:`LiveScenario`): coverage and the uncovered population per area updated
  edit by edit with the exact incremental engine.
- Full coverage of a scenario (:func:`scenario_coverage`) for evaluations and exports.
"""

from zaitaku_map.remedies.coverage import scenario_coverage
from zaitaku_map.remedies.facilities import GAIN_RULES, edited_facilities
from zaitaku_map.remedies.live import AreaFigures, EditOutcome, LiveScenario
from zaitaku_map.remedies.scenarios import (
    Scenario,
    ScenarioInfo,
    ScenarioNotFoundError,
    create_scenario,
    delete_scenario,
    get_scenario,
    list_scenarios,
    rename_scenario,
    save_scenario,
)
from zaitaku_map.remedies.state import Change, ScenarioState, Site

__all__ = [
    "GAIN_RULES",
    "AreaFigures",
    "Change",
    "EditOutcome",
    "LiveScenario",
    "Scenario",
    "ScenarioInfo",
    "ScenarioNotFoundError",
    "ScenarioState",
    "Site",
    "create_scenario",
    "delete_scenario",
    "edited_facilities",
    "get_scenario",
    "list_scenarios",
    "rename_scenario",
    "save_scenario",
    "scenario_coverage",
]
