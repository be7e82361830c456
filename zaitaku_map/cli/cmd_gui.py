"""CLI subcommands of the gui domain: ``zaitaku-map gui [PROJECT] [--screenshot PNG]``."""

from __future__ import annotations

import argparse
from typing import Any

from zaitaku_map.errors import ProjectError, ZaitakuError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser(
        "gui",
        help="GUI（地図画面）を開く",
        description="地図を中心にした画面を開きます。PROJECT を指定するとそのプロジェクトを開きます。",
    )
    p.add_argument("project", nargs="?", help="開くプロジェクト（.gpkg）")
    p.add_argument(
        "--screenshot",
        metavar="PNG",
        help="地図の描画完了を待って画面を PNG に保存し、終了する（ディスプレイなしでも可）",
    )
    p.set_defaults(handler=_gui)


def _gui(args: argparse.Namespace, ctx: Any) -> dict[str, Any] | None:
    try:
        from zaitaku_map.gui import run
    except ImportError as err:  # pragma: no cover - PySide6 missing
        raise ZaitakuError(
            "GUI is not available",
            hint="PySide6 をインストールしてください（pip install 'zaitaku-map[gui]'）。",
        ) from err
    code = run(args.project, screenshot=args.screenshot)
    if code == 2:
        raise ProjectError(
            "project file not found",
            file=args.project,
            hint="プロジェクトファイル（.gpkg）のパスを確認してください。",
        )
    if code != 0:
        raise ZaitakuError(
            "the map did not finish drawing", hint="プロジェクトに境界データがあるか確認してください。"
        )
    return None
