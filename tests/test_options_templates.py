"""Templates that explain themselves: applicability with reasons, parameters, the proposal's default minimum."""

from __future__ import annotations

import json

import pytest

from zaitaku_map.cli import main
from zaitaku_map.errors import InputDataError
from zaitaku_map.options import (
    create_option,
    default_min_population,
    evaluate_option,
    get_option,
    template_choices,
)
from zaitaku_map.store import create_project


def _by_key(project, **kw):  # type: ignore[no-untyped-def]
    return {c.key: c for c in template_choices(project, **kw)}


def test_every_template_applies_to_the_synthetic_region(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    c = _by_key(synthetic_project)
    assert all(t.available and t.reason is None for t in c.values())
    assert c["area"].parameters == ("layer",)
    assert c["area_split"].parameters == ("layer", "base", "split")
    assert c["designated_city"].parameters == ("layer", "base", "wards")
    assert c["municipal"].parameters == ()
    assert "min_population" in c["proposed"].parameters
    assert c["area_split"].note and "分ける市区町村" in c["area_split"].note
    # population per 二次医療圏: 22,500 / 7,500 / 7,500 → median 7,500 → a quarter, rounded down to 100
    mp = c["proposed"].min_population
    assert mp is not None and mp.value == 1800 and mp.reference == 7500.0
    assert "中央値" in mp.rule and "1/4" in mp.rule and c["proposed"].note == mp.rule
    json.dumps([t.to_dict() for t in c.values()], ensure_ascii=False)


def test_c_without_designated_city_is_refused_with_the_reason(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    with p.transaction():  # the wards become ordinary municipalities: no 政令市 any more
        p.conn.execute("UPDATE municipalities SET parent_code=NULL WHERE kind='ward'")
    c = _by_key(p)["designated_city"]
    assert not c.available and c.reason_code == "no_designated_city" and "政令市がない" in (c.reason or "")
    with pytest.raises(InputDataError) as exc:
        create_option(p, "案C", template="designated_city")
    assert "政令市がない" in (exc.value.hint or "")
    assert p.conn.execute("SELECT count(*) FROM options").fetchone()[0] == 0  # nothing was stored


def test_c_that_would_change_nothing(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案C", template="designated_city")  # the 政令市 as one 圏域
    create_option(p, "案C区", template="designated_city", wards=True)
    # from 案C, C with wards still changes something (one 圏域 per ward); the same variant does not
    assert _by_key(p, base="案C")["designated_city"].available
    with pytest.raises(InputDataError) as exc:
        create_option(p, "案C2", template="designated_city", base="案C")
    assert exc.value.details["reason"] == "city_already_own" and "すでに独立した圏域" in (
        exc.value.hint or ""
    )
    with pytest.raises(InputDataError):
        create_option(p, "案C区2", template="designated_city", base="案C区", wards=True)
    assert len(get_option(p, "案C区").kens) == 5  # the three areas and the two wards


def test_b_needs_units_to_split(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    with pytest.raises(InputDataError) as exc:
        create_option(p, "案B", template="area_split")  # would be a copy of A
    assert exc.value.column == "split" and "分ける市区町村を指定" in (exc.value.hint or "")
    create_option(p, "市町村", template="municipal")
    b = _by_key(p, base="市町村")["area_split"]
    assert not b.available and b.reason_code == "nothing_to_split" and b.note is None


def test_missing_layer_and_empty_project(synthetic_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = _by_key(synthetic_project, layer="保健所圏域")
    assert {k for k, t in c.items() if not t.available} == {"area", "area_split", "designated_city"}
    assert c["area"].reason == "圏域レイヤー「保健所圏域」が未取込です"
    # without the layer the proposal's default is a quarter of the region's population (37,500)
    mp = c["proposed"].min_population
    assert mp is not None and mp.value == 9300 and "対象地域の人口" in mp.rule
    empty = create_project(tmp_path / "empty.gpkg")
    try:
        e = _by_key(empty)
        assert all(t.reason_code == "no_units" for t in e.values())
        assert e["proposed"].min_population is None
    finally:
        empty.close()


def test_default_min_population_is_capped_and_needs_population(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    with p.transaction():  # 西部 becomes tiny: a quarter of the median would force it to join another area
        p.conn.execute("UPDATE demand_points SET pop_total = pop_total / 100 WHERE muni_code LIKE '9920_'")
        p.conn.execute("UPDATE demand_points SET pop_total = 10 WHERE muni_code IN ('99202','99203','99204')")
    d = default_min_population(p)
    assert d.rule.startswith("既定の最小人口") and "最も人口の少ない" in d.rule
    assert d.value is not None and d.value <= 30
    with p.transaction():
        p.conn.execute("DELETE FROM demand_points")
        p.conn.execute("DELETE FROM population_municipal")
    none = default_min_population(p)
    assert none.value is None and "人口" in none.rule and "未取込" in none.rule


def test_proposal_takes_the_default_and_says_so(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    res = create_option(p, "提案", template="proposed")
    assert res["params"]["min_population_default"]["value"] == 1800
    assert res["params"]["proposal"]["constraints"]["min_population"] == 1800
    ev = evaluate_option(p, "提案")
    assert all(k.population.pop_total is not None and k.population.pop_total >= 1800 for k in ev.kens)
    # an explicit 0 still means "no population condition"
    zero = create_option(p, "提案0", template="proposed", min_population=0)
    assert "min_population_default" not in zero["params"]


def test_cli_templates_and_refusal(synthetic_project, capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(synthetic_project.path)
    with synthetic_project.transaction():
        synthetic_project.conn.execute("UPDATE municipalities SET parent_code=NULL WHERE kind='ward'")
    synthetic_project.close()
    assert main(["option", path, "templates", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    c = {t["key"]: t for t in out["templates"]}
    assert c["designated_city"]["available"] is False and c["proposed"]["min_population"]["value"] == 1800
    assert main(["option", path, "templates"]) == 0
    text = capsys.readouterr().out
    assert "× designated_city" in text and "政令市がないため" in text and "既定の最小人口 1,800人" in text
    assert main(["option", path, "create", "案C", "--template", "designated_city"]) == 3
    assert "政令市がないため" in capsys.readouterr().err
    assert main(["option", path, "create", "案B", "--template", "area_split"]) == 3
    assert "分ける市区町村を指定" in capsys.readouterr().err
    assert main(["option", path, "create", "提案", "--template", "proposed", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["params"]["min_population_default"]["value"] == 1800
    assert "既定の最小人口 1,800人" in captured.err
