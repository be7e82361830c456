"""CLI subcommands of the gui domain: ``zaitaku-map gui [PROJECT] [--screenshot PNG]`` and meeting
mode, ``zaitaku-map gui PROJECT --meeting [--option NAME] [--size 1280x720] [--compare] [--screenshot PNG]``."""

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
    m = p.add_argument_group("会議モード")
    m.add_argument("--meeting", action="store_true", help="会議モード（全画面・大きな文字）で開く")
    m.add_argument("--option", metavar="NAME", help="会議モードで最初に表示する圏域案")
    m.add_argument(
        "--size", metavar="WxH", help="会議モードの画面の大きさ（例 1280x720、1920x1080）。既定は全画面"
    )
    m.add_argument("--compare", action="store_true", help="会議モードで次の案を並べて表示する")
    p.set_defaults(handler=_gui)


def _gui(args: argparse.Namespace, ctx: Any) -> dict[str, Any] | None:
    try:
        from zaitaku_map.gui import run
    except ImportError as err:  # pragma: no cover - PySide6 missing
        raise ZaitakuError(
            "GUI is not available",
            hint="PySide6 をインストールしてください（pip install 'zaitaku-map[gui]'）。",
        ) from err
    if args.meeting or args.option or args.size or args.compare:
        code = _meeting(args)
    else:
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


def _meeting(args: argparse.Namespace) -> int:
    from zaitaku_map.gui.meeting.run import parse_size, run_meeting

    if not args.project:
        raise ProjectError(
            "meeting mode needs a project", hint="会議モードで開くプロジェクト（.gpkg）を指定してください。"
        )
    size = parse_size(args.size) if args.size else None
    return run_meeting(
        args.project, option=args.option, size=size, screenshot=args.screenshot, compare=args.compare
    )
