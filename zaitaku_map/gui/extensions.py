"""Where feature modules plug their panels, actions and map layers into the main window.

Each feature module with a GUI exposes ``install(wb: Workbench) -> None`` and adds one import and
one call below (real imports: mypy and renames see them).  ``install`` runs once, after the
built-in panels and actions exist and before the saved dock layout is restored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zaitaku_map.gui.workbench import Workbench


def install_extensions(wb: Workbench) -> None:
    """Install every feature's GUI (one import and one call per feature, in menu order), e.g.::

    from zaitaku_map.gui import whatif

    whatif.install(wb)
    """
    from zaitaku_map.gui import placement

    placement.install(wb)
    from zaitaku_map.gui import whatif

    whatif.install(wb)
    from zaitaku_map.gui import demand_view

    demand_view.install(wb)

    from zaitaku_map.gui.meeting import run as meeting

    meeting.install(wb)  # 会議モード: 表示 menu, toolbar, F11
    from zaitaku_map.gui import partners_panel

    partners_panel.install(wb)
