"""The 基準日 of non-facility sources: user values and the date forms files carry."""

from __future__ import annotations

import pytest

from zaitaku_map.errors import InputDataError
from zaitaku_map.refdate import check_reference_date, date_of_timestamp, date_of_yymmdd


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2025-10-01", "2025-10-01"),
        ("2025/10/1", "2025-10-01"),
        ("20251001", "2025-10-01"),
        ("令和7年10月1日", "2025-10-01"),
        ("R7.10.1", "2025-10-01"),
        ("２０２４", "2024"),
        ("2024年度", "2024"),
        ("令和6年度", "2024"),
        ("令和元年", "2019"),
        ("H30", "2018"),
        ("2025-10", "2025-10"),
        ("2025年10月", "2025-10"),
        (None, None),
        ("", None),
        ("  ", None),
    ],
)
def test_check_reference_date(value: str | None, iso: str | None) -> None:
    assert check_reference_date(value) == iso


@pytest.mark.parametrize("value", ["そのうち", "2025-13-01", "2025-02-30", "12345", "0999"])
def test_check_reference_date_rejects(value: str) -> None:
    with pytest.raises(InputDataError, match="reference date not understood"):
        check_reference_date(value)


def test_file_date_forms() -> None:
    assert date_of_timestamp("2025-10-01T20:21:02Z") == "2025-10-01"
    assert date_of_timestamp("") is None and date_of_timestamp("2025-02-30T00:00:00Z") is None
    assert date_of_yymmdd("251001") == date_of_yymmdd("20251001") == "2025-10-01"
    assert date_of_yymmdd("latest") is None and date_of_yymmdd("251301") is None
