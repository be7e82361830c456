"""圏域 options: draft, check and compare ways of dividing the prefecture into 在宅医療の圏域.

Public API (see the module docs for details):

- :func:`create_option` (templates ``area`` / ``area_split`` / ``designated_city`` / ``municipal`` /
  ``proposed``; :func:`template_choices` says which apply to a project, why not, and which parameters
  each uses; :func:`default_min_population` the proposal's default), :func:`list_options`, :func:`get_option`, :func:`duplicate_option`,
  :func:`rename_option`, :func:`delete_option`, :func:`set_option_info`;
- edits (each undoable with :func:`undo` / :func:`redo`): :func:`assign`, :func:`unassign`,
  :func:`set_ken`, :func:`rename_ken`, :func:`delete_ken`, :func:`add_hub`, :func:`remove_hub`;
- facility roles and functions (shared by all options): :func:`set_active_role`,
  :func:`set_function`, :func:`facility_functions`, :func:`default_functions`;
- geometry: :func:`ken_polygons`, :func:`contiguity`, :func:`adjacency`;
- analysis: :func:`evaluate_option` (→ :class:`OptionEvaluation`), :func:`compare_options`
  (→ :class:`OptionComparison`; entries may be :class:`EvaluationTarget`, an option under a
  scenario's facility set), :func:`propose`;
- extension sections other domains add to the evaluation and comparison:
  :class:`EvaluationSection`, :class:`EvaluationContext`, :class:`SectionResult`, :class:`Indicator`
  (see :mod:`zaitaku_map.options.sections`; registered in :mod:`zaitaku_map.options.registry`).
"""

from zaitaku_map.options.compare import EvaluationTarget, OptionComparison, compare_options
from zaitaku_map.options.evaluate import evaluate_option
from zaitaku_map.options.geometry import adjacency, contiguity, ken_polygons
from zaitaku_map.options.model import (
    Option,
    OptionInfo,
    OptionNotFoundError,
    assign,
    delete_ken,
    delete_option,
    duplicate_option,
    get_option,
    list_options,
    redo,
    rename_ken,
    rename_option,
    set_ken,
    set_option_info,
    unassign,
    undo,
)
from zaitaku_map.options.propose import Proposal, ProposalReport, propose
from zaitaku_map.options.results import (
    EvaluationTotals,
    EvaluationWarning,
    KenEvaluation,
    OptionEvaluation,
)
from zaitaku_map.options.roles import (
    add_hub,
    clear_function,
    default_functions,
    facility_functions,
    remove_hub,
    set_active_role,
    set_function,
)
from zaitaku_map.options.sections import EvaluationContext, EvaluationSection, Indicator, SectionResult
from zaitaku_map.options.templates import (
    TEMPLATES,
    CreatedOption,
    MinPopulationDefault,
    TemplateChoice,
    create_option,
    default_min_population,
    template_choices,
)

__all__ = [
    "TEMPLATES",
    "CreatedOption",
    "EvaluationContext",
    "EvaluationSection",
    "EvaluationTarget",
    "EvaluationTotals",
    "EvaluationWarning",
    "Indicator",
    "KenEvaluation",
    "MinPopulationDefault",
    "Option",
    "OptionComparison",
    "OptionEvaluation",
    "OptionInfo",
    "OptionNotFoundError",
    "Proposal",
    "ProposalReport",
    "SectionResult",
    "TemplateChoice",
    "add_hub",
    "adjacency",
    "assign",
    "clear_function",
    "compare_options",
    "contiguity",
    "create_option",
    "default_functions",
    "default_min_population",
    "delete_ken",
    "delete_option",
    "duplicate_option",
    "evaluate_option",
    "facility_functions",
    "get_option",
    "ken_polygons",
    "list_options",
    "propose",
    "redo",
    "remove_hub",
    "rename_ken",
    "rename_option",
    "set_active_role",
    "set_function",
    "set_ken",
    "set_option_info",
    "template_choices",
    "unassign",
    "undo",
]
