"""Options for export tests written straight into the store (independent of the options domain)."""

from __future__ import annotations

from zaitaku_map.store import Project

OPTION_A = {
    "name": "案A 二次医療圏",
    "kens": [("K1", "中央圏域", "#8dd3c7"), ("K2", "西部圏域", "#fdb462"), ("K3", "南部圏域", "#bebada")],
    "assign": {
        "99101": "K1",
        "99102": "K1",
        "99201": "K1",
        "99202": "K2",
        "99203": "K2",
        "99204": "K2",
        "99205": "K3",
        "99206": "K3",
        "99207": "K3",
    },
}
OPTION_B = {
    "name": "案B 北と南",
    "kens": [("N", "北部圏域", "#80b1d3"), ("S", "南部圏域", "#fb8072")],
    "assign": {
        "99101": "N",
        "99102": "N",
        "99201": "N",
        "99202": "N",
        "99203": "S",
        "99204": "S",
        "99205": "S",
        "99206": "S",
        "99207": "S",
    },
}


def add_option(project: Project, spec: dict) -> int:
    """Insert an option with its 圏域 and assignments; return its id."""
    with project.transaction():
        oid = project.conn.execute(
            "INSERT INTO options (name, template, base_layer, created_at) VALUES (?, 'area', '二次医療圏', '2025-10-01')",
            (spec["name"],),
        ).lastrowid
        for key, name, color in spec["kens"]:
            project.conn.execute(
                "INSERT INTO option_kens (option_id, ken_key, name, color) VALUES (?,?,?,?)",
                (oid, key, name, color),
            )
        for unit, key in spec["assign"].items():
            project.conn.execute(
                "INSERT INTO option_assignments (option_id, unit_code, ken_key) VALUES (?,?,?)",
                (oid, unit, key),
            )
    return int(oid)


def add_options(project: Project) -> tuple[str, str]:
    """Options A and B, an active role, a hub (facility and body) and some functions."""
    oid = add_option(project, OPTION_A)
    add_option(project, OPTION_B)
    with project.transaction():
        project.conn.execute("UPDATE facilities SET active_role=1 WHERE id=1")
        project.conn.execute(
            "INSERT INTO option_hubs (option_id, ken_key, facility_id, name) VALUES (?, 'K1', 1, '中央在宅クリニック')",
            (oid,),
        )
        project.conn.execute(
            "INSERT INTO option_hubs (option_id, ken_key, name, body_type) VALUES (?, 'K2', '西町', '市町村')",
            (oid,),
        )
        for fid, funcs in {1: (1, 2, 3, 4), 2: (2, 3), 3: (2,), 4: (1, 3)}.items():
            for f in funcs:
                project.conn.execute(
                    "INSERT INTO facility_functions (facility_id, function, value, origin) VALUES (?,?,1,'user')",
                    (fid, f),
                )
    return OPTION_A["name"], OPTION_B["name"]
