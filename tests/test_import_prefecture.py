"""Addresses get their prefecture once (also fictional prefectures, spaces, NFKC variants)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.import_fixtures import kaigo_row, kousei_row, write_kaigo, write_kouseikyoku
from zaitaku_map.importers import import_files
from zaitaku_map.importers.normalize import with_prefecture


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("デモ県デモ市中央区1", "デモ県デモ市中央区1"),
        ("　デモ県 デモ市中央区1", "デモ県 デモ市中央区1"),
        ("ﾃﾞﾓ県デモ市1", "ﾃﾞﾓ県デモ市1"),
        ("デモ市中央区1", "デモ県デモ市中央区1"),
        ("鳥取県鳥取市1", "鳥取県鳥取市1"),
        ("", ""),
    ],
)
def test_with_prefecture_prepends_only_when_missing(address: str, expected: str) -> None:
    assert with_prefecture(pd.Series([address]), pd.Series(["デモ県"]))[0] == expected


def test_kaigo_address_gets_its_prefecture_once(project, tmp_path: Path) -> None:
    f = write_kaigo(
        tmp_path / "jigyosho_130.csv",
        [
            kaigo_row(
                "991011",
                "9970000001",
                "A",
                "訪問看護",
                "デモ県デモ市中央区住吉町1",
                "",
                "",
                pref_name="デモ県",
                muni_name="デモ市中央区",
            ),
            kaigo_row(
                "991011",
                "9970000002",
                "B",
                "訪問看護",
                "デモ市中央区住吉町2",
                "",
                "",
                pref_name="デモ県",
                muni_name="デモ市中央区",
            ),
            kaigo_row(
                "991011",
                "9970000003",
                "C",
                "訪問看護",
                " デモ県　デモ市中央区住吉町3",
                "",
                "",
                pref_name="デモ県",
                muni_name="デモ市中央区",
            ),
        ],
    )
    import_files(project, [f])
    got = [r[0] for r in project.conn.execute("SELECT address FROM facilities ORDER BY name")]
    assert got == ["デモ県デモ市中央区住吉町1", "デモ県デモ市中央区住吉町2", "デモ県　デモ市中央区住吉町3"]


def test_meibo_address_gets_its_prefecture_once(project, tmp_path: Path) -> None:
    rows = [
        kousei_row("0100001", "A診療所", "テスト県テスト市1町1", "支援診３", "令和 4年 4月 1日"),
        kousei_row("0100002", "B診療所", "テスト市2町1", "支援診３", "令和 4年 4月 1日", item="2"),
    ]
    import_files(project, [write_kouseikyoku(tmp_path / "m.xlsx", rows)])
    got = [r[0] for r in project.conn.execute("SELECT address FROM facilities ORDER BY name")]
    assert got == ["テスト県テスト市1町1", "テスト県テスト市2町1"]
