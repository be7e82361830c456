"""Short display names for map labels: the source's 略称, else the name without the corporation."""

from __future__ import annotations

from typing import Any

import pytest

from zaitaku_map.shortname import short_name


@pytest.mark.parametrize(
    ("name", "abbr", "expected"),
    [
        ("公益社団法人　地域医療振興協会　日光市民病院", None, "日光市民病院"),
        ("医療法人社団　青葉会　青葉クリニック", None, "青葉クリニック"),
        ("医療法人青葉会青葉クリニック", None, "青葉クリニック"),
        ("社会医療法人明和会　医療福祉センター倉吉病院", None, "医療福祉センター倉吉病院"),
        ("独立行政法人国立病院機構　米子医療センター", None, "米子医療センター"),
        ("社会福祉法人　恩賜財団済生会　済生会境港総合病院", None, "済生会境港総合病院"),
        ("鳥取県立中央病院", None, "鳥取県立中央病院"),  # no corporation: unchanged
        ("医療法人　青葉会", None, "医療法人 青葉会"),  # only a corporation: unchanged
        ("南部町国民健康保険　西伯病院", "西伯病院", "西伯病院"),  # the source's 略称 wins
        ("中央病院", "とても長い略称の中央病院", "中央病院"),  # a 略称 longer than the name is not one
    ],
)
def test_short_name(name: str, abbr: str | None, expected: str) -> None:
    assert short_name(name, abbr) == expected


def test_map_labels_are_short_and_lists_keep_the_official_name(synthetic_project: Any) -> None:
    from zaitaku_map.gui import data  # its Qt-free part: what the map and the lists are given

    p = synthetic_project
    with p.transaction():
        p.conn.execute("UPDATE facilities SET name = '医療法人社団　中央会　中央在宅クリニック' WHERE id = 1")
    rows = data.facilities(p)
    one = next(r for r in rows if int(r["id"]) == 1)
    assert one["name"] == "医療法人社団　中央会　中央在宅クリニック"  # lists and provenance
    mapped = next(r for r in data.facility_rows_for_map(rows) if r[0] == 1)
    assert mapped[4] == "中央在宅クリニック" and mapped[8] == one["name"]  # label / tooltip
