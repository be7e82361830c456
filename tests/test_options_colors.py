"""圏域 colours: checked on input with a clear message; a bad colour stored earlier never breaks a view or export."""

from __future__ import annotations

import json

import pytest

from zaitaku_map.cli import main
from zaitaku_map.errors import InputDataError
from zaitaku_map.options import assign, create_option, get_option, set_ken
from zaitaku_map.options.model import normalize_color


@pytest.mark.parametrize(
    ("given", "stored"),
    [("#8DD3C7", "#8dd3c7"), ("8dd3c7", "#8dd3c7"), ("#abc", "#aabbcc"), (" ＃ＡＢＣＤＥＦ ", "#abcdef")],
)
def test_accepted_colours_are_normalised(given: str, stored: str) -> None:
    assert normalize_color(given) == stored


@pytest.mark.parametrize("bad", ["red", "#12345", "#gggggg", "", "#1234567", "<img src=x>", "rgb(1,2,3)"])
def test_bad_colours_are_refused_before_anything_changes(synthetic_project, bad: str) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    before = get_option(p, "案A")
    for call in (
        lambda: set_ken(p, "案A", "9901", color=bad),
        lambda: assign(p, "案A", ["99201"], "新圏域", color=bad),
    ):
        with pytest.raises(InputDataError) as exc:
            call()
        assert exc.value.column == "color" and "#rrggbb" in (exc.value.expected or "")
    after = get_option(p, "案A")
    assert after.kens == before.kens and after.assignments == before.assignments


def test_good_colour_is_stored_normalised(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    p = synthetic_project
    create_option(p, "案A", template="area")
    set_ken(p, "案A", "9901", color="#ABC")
    assign(p, "案A", ["99201"], "新圏域", color="123456")
    kens = get_option(p, "案A").kens
    assert kens["9901"]["color"] == "#aabbcc" and kens["新圏域"]["color"] == "#123456"


def test_bad_colour_stored_earlier_is_read_as_none_and_exports_work(synthetic_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from zaitaku_map.export import ExportRequest, export_gpkg, export_map_pdf

    p = synthetic_project
    create_option(p, "案A", template="area")
    with p.transaction():  # as a project written before colours were checked could hold
        p.conn.execute("UPDATE option_kens SET color='not-a-colour' WHERE ken_key='9901'")
        p.conn.execute("UPDATE option_kens SET color=NULL WHERE ken_key='9902'")
    kens = get_option(p, "案A").kens
    assert kens["9901"]["color"] is None and kens["9902"]["color"] is None
    export_gpkg(p, ExportRequest("案A"), tmp_path / "a.gpkg")
    export_map_pdf(p, ExportRequest("案A"), tmp_path / "a.pdf")
    assert (tmp_path / "a.gpkg").stat().st_size > 0 and (tmp_path / "a.pdf").stat().st_size > 0
    assert not list(tmp_path.glob("*.part*"))
    # the duplicate of such an option gets a palette colour, never the bad value
    from zaitaku_map.options import duplicate_option

    duplicate_option(p, "案A", "案A2")
    assert get_option(p, "案A2").kens["9901"]["color"].startswith("#")


def test_cli_refuses_a_bad_colour_with_the_format(synthetic_project, capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(synthetic_project.path)
    synthetic_project.close()
    assert main(["option", path, "create", "案A", "--json"]) == 0
    capsys.readouterr()
    assert main(["option", path, "ken", "案A", "9901", "--color", "あか"]) == 3
    err = capsys.readouterr().err
    assert "#rrggbb" in err and "16進数6桁" in err
    assert main(["option", path, "ken", "案A", "9901", "--color", "#FFAA00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["color"] == "#ffaa00"
