"""圏域 option A on the 鳥取 real samples: N03 boundaries, the 二次医療圏 table and the 厚生局 名簿."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.realdata


@pytest.fixture
def tottori(realdata: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    from zaitaku_map import geocode, importers
    from zaitaku_map.geodata import areas, n03

    files = [
        realdata / "n03" / "N03-21_31_210101.json",
        realdata / "areas" / "municipality_to_iryoken2.csv",
        realdata / "kouseikyoku" / "31_鳥取_届出受理医療機関名簿_2025-10.xlsx",
    ]
    for f in files:
        if not f.exists():
            pytest.skip(f"missing {f}")
    from zaitaku_map.store import create_project

    p = create_project(tmp_path / "tottori.gpkg")
    n03.import_boundaries(p, files[0])
    areas.import_area_table(p, files[1], layer="二次医療圏")
    importers.import_files(p, [files[2]])
    geocode.geocode_project(p)  # municipality from the address (名簿 has no coordinates)
    yield p
    p.close()


def test_tottori_option_a_counts(tottori) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.options import compare_options, create_option, evaluate_option

    res = create_option(tottori, "案A", template="area", layer="二次医療圏")
    assert res["n_kens"] == 3 and res["unassigned"] == []
    ev = evaluate_option(tottori, "案A")
    got = {
        r.name: (r.facilities["zaishi_clinic"].count, r.facilities["zaishi_hospital"].count) for r in ev.kens
    }
    assert got == {"東部": (26, 3), "中部": (10, 2), "西部": (43, 6)}
    # the counts equal the facilities whose municipality lies in each 圏域
    for r in ev.kens:
        codes = [m.code for m in r.municipalities]
        q = ",".join("?" * len(codes))
        n = tottori.conn.execute(
            f"SELECT count(*) FROM facilities WHERE status='open' AND category='zaishi_clinic' AND muni_code IN ({q})",
            codes,
        ).fetchone()[0]
        assert n == r.facilities["zaishi_clinic"].count
    assert ev.totals.facilities_outside == 0
    assert all(r.contiguous for r in ev.kens)
    assert sum(r.n_municipalities for r in ev.kens) == 19
    # a municipal option against A: every municipality stays in its 圏域's match or moves
    create_option(tottori, "市町村", template="municipal")
    cmp = compare_options(tottori, ["案A", "市町村"])
    assert cmp.per_option["市町村"].indicators["n_kens"].value == 19


def test_tottori_proposal(tottori) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.options import create_option, evaluate_option

    res = create_option(tottori, "提案", template="proposed", require="zaishi")
    rep = res["params"]["proposal"]
    assert rep["status"] == "ok", rep["unmet"]
    ev = evaluate_option(tottori, "提案")
    assert all(r.zaishi_total >= 1 for r in ev.kens)
    assert rep["layer_crossings"] == 0  # every 二次医療圏 has 在支診, so nothing needs to cross
    assert all(k["land_contiguous"] for k in rep["kens"])


def test_tottori_templates_explain_themselves(tottori) -> None:  # type: ignore[no-untyped-def]
    """鳥取 has no 政令市: C is unavailable with the reason; B needs units to split; the proposal says why it
    has no population minimum (the real files give population per 二次医療圏 only)."""
    from zaitaku_map.errors import InputDataError
    from zaitaku_map.options import create_option, template_choices

    c = {t.key: t for t in template_choices(tottori)}
    assert not c["designated_city"].available and c["designated_city"].reason_code == "no_designated_city"
    assert (
        c["area"].available and c["area_split"].available and "分ける市区町村" in (c["area_split"].note or "")
    )
    mp = c["proposed"].min_population
    assert mp is not None and mp.value is None and "未取込" in mp.rule
    with pytest.raises(InputDataError):
        create_option(tottori, "案C", template="designated_city")
    with pytest.raises(InputDataError):
        create_option(tottori, "案B", template="area_split")
