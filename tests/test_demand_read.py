"""Reading the demand, projection and rate files by content (official layouts, shifted copies, bad files)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from demand_fixtures import AREA_VALUES, HAMADORI_ROWS, write_demand, write_rates, write_summary_75

from zaitaku_map.demand.mhlw import area_code, read_demand_workbook
from zaitaku_map.demand.projection_read import HAMADORI, read_projection_table
from zaitaku_map.demand.rates_read import read_rate_table
from zaitaku_map.demand.sniff import sniff_projection_file
from zaitaku_map.demand.tokens import OPEN, parse_label
from zaitaku_map.demo.projection_layouts import SummaryRow, write_summary_table
from zaitaku_map.errors import InputDataError, UnsupportedFormatError

MHLW = "demand/構想区域別の医療需要推計_R7_001728462.xlsx"


# -- labels ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "year", "sex", "age"),
    [
        ("2030年度（現状投影）", 2030, None, None),
        ("人口(2040年)", 2040, None, None),
        ("2024年度から2050年度にかけた在宅（訪問診療）需要推計（件/月）", None, None, None),
        ("90歳以上", None, None, (90, OPEN)),
        ("85～89歳", None, None, (85, 89)),
        ("0-4", None, None, (0, 4)),
        ("男", None, "M", None),
        ("女性", None, "F", None),
        ("男女計", None, "T", None),
        ("令和12年", 2030, None, None),
        ("総人口（人）", None, None, (0, OPEN)),
    ],
)
def test_labels(text: str, year: int | None, sex: str | None, age: tuple[int, int] | None) -> None:
    lab = parse_label(text)
    assert (lab.year, lab.sex, lab.age) == (year, sex, age)


def test_area_code_shapes() -> None:
    assert area_code("0101") == "0101"
    assert area_code(101) == "0101"  # Excel dropped the zero
    assert area_code(3101.0) == "3101"
    assert area_code("東部") is None
    assert area_code(214240) is None


# -- MHLW 構想区域別の医療需要推計 -----------------------------------------------------------------------------
@pytest.mark.realdata
def test_real_mhlw_file_read_by_content(realdata: Path) -> None:
    f = read_demand_workbook(realdata / MHLW, prefectures={"31"})
    assert f.edition == "令和7年度"
    assert [s.measure for s in f.sheets] == ["home_visit", "outpatient"]
    home = f.sheets[0]
    assert (home.base_year, home.projection_label, home.unit) == (2024, "現状投影", "件/月")
    assert home.years == [2024, 2030, 2035, 2040, 2045, 2050]
    assert sum(home.other_prefectures.values()) == 336  # 339 構想区域, 3 of them 鳥取
    rows = {r.area_code: r for r in home.rows}
    assert sorted(rows) == ["3101", "3102", "3103"]
    assert rows["3101"].area_name == "東部"
    assert round(rows["3101"].values[2040], 1) == 2560.5
    assert rows["3101"].population == {2024: 214240.0, 2040: 183067.0}
    assert max(rows["3101"].values, key=rows["3101"].values.__getitem__) == 2045


@pytest.mark.realdata
def test_real_mhlw_copy_with_rows_and_columns_shifted(realdata: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(realdata / MHLW)
    for ws in wb.worksheets:
        ws.insert_rows(1, 3)  # more title space
        ws.insert_cols(1, 2)  # two empty columns on the left
        ws.cell(row=1, column=1, value="加工した写し")
        for row in ws.iter_rows(min_row=9):  # the codes as numbers (Excel dropped the zero)
            c = row[3]
            if isinstance(c.value, str) and c.value.isdigit():
                c.value = int(c.value)
    copy = tmp_path / "shifted.xlsx"
    wb.save(copy)
    orig = read_demand_workbook(realdata / MHLW, prefectures={"31", "01"})
    shifted = read_demand_workbook(copy, prefectures={"31", "01"})
    for a, b in zip(orig.sheets, shifted.sheets, strict=True):
        # openpyxl writes floats with 15 significant digits: the copy differs in the last bit
        assert [(r.area_code, r.population) for r in a.rows] == [(r.area_code, r.population) for r in b.rows]
        for ra, rb in zip(a.rows, b.rows, strict=True):
            assert rb.values == pytest.approx(ra.values, rel=1e-14)
        assert b.base_year == 2024 and b.projection_label == "現状投影"
    assert any(r.area_code == "0101" for r in shifted.sheets[0].rows)


def test_written_layout_shifted_reads_the_same(tmp_path: Path) -> None:
    a = read_demand_workbook(write_demand(tmp_path / "a.xlsx"), prefectures={"99"})
    b = read_demand_workbook(write_demand(tmp_path / "b.xlsx", shift=(4, 3)), prefectures={"99"})
    for sa, sb in zip(a.sheets, b.sheets, strict=True):
        assert {r.area_code: r.values for r in sa.rows} == {r.area_code: r.values for r in sb.rows}
    assert {r.area_code: r.values for r in a.sheets[0].rows} == AREA_VALUES
    assert dict(a.sheets[0].other_prefectures) == {"鳥取県": 1}


def test_bad_value_is_rejected_with_row_and_column(tmp_path: Path) -> None:
    p = write_demand(tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    target = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "9902")
    ws.cell(target, 9, value="不明")  # the 2040 column
    wb.save(p)
    f = read_demand_workbook(p, prefectures={"99"})
    home = f.sheets[0]
    assert [r.area_code for r in home.rows] == ["9901", "9903"]
    (rej,) = home.rejected
    assert rej.row == target and rej.value == "不明" and "2040年度" in (rej.column or "")


def test_duplicate_area_code_is_refused(tmp_path: Path) -> None:
    p = write_demand(tmp_path / "d.xlsx")
    wb = openpyxl.load_workbook(p)
    ws = wb.worksheets[0]
    target = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "9902")
    ws.cell(target, 2, value="9901")
    wb.save(p)
    with pytest.raises(InputDataError) as ei:
        read_demand_workbook(p, prefectures={"99"})
    assert ei.value.row == target and ei.value.value == "9901"


def test_workbook_without_demand_table_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "住所"])
    wb.active.append(["どこか病院", "テスト県"])
    p = tmp_path / "x.xlsx"
    wb.save(p)
    with pytest.raises(InputDataError) as ei:
        read_demand_workbook(p)
    assert "構想区域" in (ei.value.expected or "")


def test_broken_xlsx_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsupportedFormatError):
        read_demand_workbook(p)
    assert sniff_projection_file(p) is None


# -- 社人研 tables ------------------------------------------------------------------------------------
def test_summary_table_kinds(tmp_path: Path) -> None:
    f = read_projection_table(write_summary_75(tmp_path / "s.xlsx"), prefectures={"99"})
    (s,) = f.sheets
    assert s.layout == "summary"
    assert f.edition == "令和5(2023)年推計"
    assert s.prefecture_rows == 1  # the prefecture total is never a region
    assert s.regions["99100"].kind == "designated_city"  # the aggregate is kept as such …
    assert s.regions["99101"].kind == "municipality"  # … beside its wards
    assert dict(s.other_prefectures) == {"31": 1}
    assert {v.age for v in s.values} == {(75, OPEN)}  # from the title: 75歳以上人口
    assert s.years == [2020, 2025, 2030, 2035, 2040, 2045, 2050]


def test_hamadori_group_keeps_its_members(tmp_path: Path) -> None:
    p = write_summary_table(
        tmp_path / "f.xlsx", title="表1 総人口", value_label="総人口（人）", rows=HAMADORI_ROWS
    )
    (s,) = read_projection_table(p, prefectures={"07"}).sheets
    group = next(r for r in s.regions.values() if r.kind == "group")
    assert group.members == list(HAMADORI) and len(group.members) == 13
    assert s.regions["07201"].kind == "municipality"


def test_share_table_is_marked_as_share(tmp_path: Path) -> None:
    rows = [SummaryRow(99201, "0", "テスト県", "東市", [10.5, 11, 12, 13, 14, 15, 16])]
    p = write_summary_table(
        tmp_path / "r.xlsx",
        title="表3-4 75歳以上人口の割合",
        value_label="75歳以上人口の割合（％）",
        rows=rows,
    )
    (s,) = read_projection_table(p, prefectures={"99"}).sheets
    assert all(v.share and v.age == (75, OPEN) for v in s.values)


def test_long_table_with_and_without_mapping(tmp_path: Path) -> None:
    p = tmp_path / "long.csv"
    lines = ["団体コード,年,性別,年齢,人口"]
    for y in (2020, 2025):
        for sex in ("男", "女"):
            lines.append(f"992011,{y},{sex},75～79歳,{100 if sex == '男' else 200}")
    p.write_text("\n".join(lines) + "\n", encoding="cp932")
    auto = read_projection_table(p, prefectures={"99"}).sheets[0]
    assert {(v.code, v.sex, v.age, v.year, v.value) for v in auto.values} == {
        ("99201", s, (75, 79), y, 100.0 if s == "M" else 200.0) for y in (2020, 2025) for s in ("M", "F")
    }
    mapped = read_projection_table(
        p,
        prefectures={"99"},
        mapping={"muni_code": "団体コード", "year": "年", "sex": "性別", "age": "年齢", "value": "人口"},
    ).sheets[0]
    assert sorted(mapped.values, key=str) == sorted(auto.values, key=str)
    with pytest.raises(InputDataError):
        read_projection_table(p, prefectures={"99"}, mapping={"muni_code": "団体コード", "value": "ない列"})


def test_table_without_any_year_needs_one(tmp_path: Path) -> None:
    p = tmp_path / "noyear.csv"
    p.write_text("市区町村コード,75歳以上人口\n99201,1000\n99202,800\n", encoding="utf-8")
    with pytest.raises(InputDataError) as ei:
        read_projection_table(p, prefectures={"99"})
    assert "--year" in (ei.value.hint or "")
    (s,) = read_projection_table(p, prefectures={"99"}, year=2020).sheets
    assert {(v.code, v.year, v.age) for v in s.values} == {
        ("99201", 2020, (75, OPEN)),
        ("99202", 2020, (75, OPEN)),
    }


# -- rates ----------------------------------------------------------------------------------------------
def test_rate_table(tmp_path: Path) -> None:
    male = [float(i) for i in range(19)]
    female = [2.0 * i for i in range(19)]
    (t,) = read_rate_table(write_rates(tmp_path / "r.xlsx", male, female), prefectures={"99"})
    assert (t.measure, t.per, t.period, t.base_year) == ("home_visit", 1000.0, "month", 2024)
    assert t.rates[("", "M", (90, OPEN))] == 18.0
    assert t.rates[("", "F", (5, 9))] == 2.0
    assert len(t.rates) == 38


def test_rate_table_without_unit_is_refused_and_can_be_told(tmp_path: Path) -> None:
    p = write_rates(tmp_path / "r.xlsx", [1.0] * 19, [1.0] * 19, title="訪問診療の利用率 テスト県")
    with pytest.raises(InputDataError) as ei:
        read_rate_table(p, prefectures={"99"})
    assert "--rate-per" in (ei.value.hint or "")
    (t,) = read_rate_table(p, prefectures={"99"}, per=1000, period="year")
    assert t.rates[("", "M", (0, 4))] == pytest.approx(1 / 12)  # a yearly rate per month


# -- sniffing ----------------------------------------------------------------------------------------
def test_sniff_each_kind(tmp_path: Path) -> None:
    assert sniff_projection_file(write_demand(tmp_path / "d.xlsx")) == "mhlw_demand"
    assert sniff_projection_file(write_summary_75(tmp_path / "s.xlsx")) == "projection"
    assert sniff_projection_file(write_rates(tmp_path / "r.xlsx", [1.0] * 19, [1.0] * 19)) == "use_rates"
    other = tmp_path / "facilities.csv"
    other.write_text("名称,住所,市区町村コード\nA病院,テスト県東市1,99201\n", encoding="utf-8")
    assert sniff_projection_file(other) is None


@pytest.mark.realdata
def test_sniff_real_files(realdata: Path) -> None:
    assert sniff_projection_file(realdata / MHLW) == "mhlw_demand"
    assert sniff_projection_file(realdata / "areas/municipality_to_iryoken2.csv") is None
    assert sniff_projection_file(realdata / "areas/population_iryoken2_2020census.csv") is None
    assert sniff_projection_file(realdata / "kouseikyoku/31_鳥取_届出受理医療機関名簿_2025-10.xlsx") is None
