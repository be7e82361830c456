"""The extension sections every evaluation and comparison carries (see :mod:`zaitaku_map.options.sections`).

A domain adds its section here with one line (its module lives in this package, beside this one);
:func:`~zaitaku_map.options.evaluate_option` takes ``sections=`` to run another list (tests, or a
caller that wants none).
"""

from __future__ import annotations

from zaitaku_map.options.section_demand import DemandSection, PopulationProjectionSection
from zaitaku_map.options.section_partners import PartnersSection
from zaitaku_map.options.sections import EvaluationSection

SECTIONS: tuple[EvaluationSection, ...] = (DemandSection(), PopulationProjectionSection(), PartnersSection())
