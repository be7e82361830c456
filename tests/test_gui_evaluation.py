"""The 評価表 and 注意 of the options dock: every column, ratios per population, 「未取込」 for a
category never imported (never 0), warnings grouped by 圏域 with their full text."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("PySide6.QtWidgets", exc_type=ImportError)
pytestmark = pytest.mark.gui


def test_table_and_warnings_are_readable(qtbot: Any, synthetic_project: Any) -> None:
    from PySide6.QtWidgets import QTableWidget

    from zaitaku_map import options
    from zaitaku_map.gui.evaluation_view import (
        NOT_LOADED,
        WarningsTree,
        columns,
        fill_table,
        fill_warnings,
        notes_text,
    )

    p = synthetic_project
    with p.transaction():  # 薬局 never imported
        p.conn.execute("UPDATE facilities SET category = 'clinic' WHERE category = 'pharmacy'")
    options.create_option(p, "案A", template="area", layer="二次医療圏")
    ev = options.evaluate_option(p, "案A")

    table = QTableWidget()
    qtbot.addWidget(table)
    fill_table(table, ev)
    headers = [table.horizontalHeaderItem(j).text() for j in range(table.columnCount())]
    assert headers == columns(ev) and table.rowCount() == len(ev.kens) == 3
    cells = {h.split("\n")[0]: [table.item(i, j).text() for i in range(3)] for j, h in enumerate(headers)}
    assert cells["圏域"] == ["中央", "西部", "南部"]  # names, never codes
    assert cells["薬局"] == [NOT_LOADED] * 3
    # counts with the rate per 100,000 people beside them
    assert all(re.fullmatch(r"\d+（\d+\.\d）", t) for t in cells["在支診"]), cells["在支診"]
    assert "未取込: 薬局" in notes_text(ev)

    tree = WarningsTree()
    qtbot.addWidget(tree)
    n = fill_warnings(tree, ev)
    assert n == sum(1 for w in ev.warnings if w.level == "warning") > 0
    tops = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert {t.text(0).split("（")[0] for t in tops} <= {k.name for k in ev.kens} | {"案全体"}
    shown = [t.child(j).text(0) for t in tops for j in range(t.childCount())]
    for w in ev.warnings:  # the whole message, never cut
        assert any(w.message in s for s in shown), w.message
