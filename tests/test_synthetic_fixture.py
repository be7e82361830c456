from zaitaku_map.store.info import project_info


def test_synthetic_project_info(synthetic_project) -> None:  # type: ignore[no-untyped-def]
    info = project_info(synthetic_project)
    assert info["municipalities"] == 9
    assert info["area_layers"] == {"二次医療圏": 3}
    assert info["facilities"]["zaishi_clinic"] == 3
    assert info["population"]["total"] == 25 * (400 * 2 + 100 * 7)
