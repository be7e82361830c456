"""The ``zaitaku-map`` command line.

Each ``cmd_*`` module registers its subcommands; handlers return a JSON-ready dict that is printed
as JSON with ``--json`` or rendered for humans otherwise.  Errors from the core become Japanese
messages here (and only here, for the CLI).  Exit codes: 0 ok, 2 usage, 3 bad input data (also when some of several files could not be
imported), 1 other (also when a demo step failed).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from zaitaku_map import __version__
from zaitaku_map.applog import setup_logging
from zaitaku_map.cli.common import Context, dump_json, print_human
from zaitaku_map.errors import Cancelled, ZaitakuError
from zaitaku_map.messages import format_error

log = logging.getLogger("zaitaku_map.cli")

COMMAND_MODULES = [
    "zaitaku_map.cli.cmd_project",
    "zaitaku_map.cli.cmd_import",
    "zaitaku_map.cli.cmd_geodata",
    "zaitaku_map.cli.cmd_geocode",
    "zaitaku_map.cli.cmd_network",
    "zaitaku_map.cli.cmd_option",
    "zaitaku_map.cli.cmd_projection",
    "zaitaku_map.cli.cmd_scenario",
    "zaitaku_map.cli.cmd_suggest",
    "zaitaku_map.cli.cmd_partners",
    "zaitaku_map.cli.cmd_export",
    "zaitaku_map.cli.cmd_demo",
    "zaitaku_map.cli.cmd_gui",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zaitaku-map",
        description="在宅医療の圏域づくりを支援するオフライン GIS。サブコマンドなしで GUI を開きます。",
    )
    parser.add_argument("--version", action="version", version=f"zaitaku-map {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    setup_logging()
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list or (args_list[0].endswith((".zmap", ".gpkg")) and len(args_list) == 1):
        args_list = ["gui", *args_list]
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        return int(exc.code or 0)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    ctx = Context(json=getattr(args, "json", False), quiet=getattr(args, "quiet", False))
    try:
        result = handler(args, ctx)
    except KeyboardInterrupt:
        ctx.finish()
        print(format_error(Cancelled("interrupted")), file=sys.stderr)
        return 130
    except ZaitakuError as err:
        ctx.finish()
        log.warning("command %s failed: %s", args.command, err)
        print(format_error(err), file=sys.stderr)
        if ctx.json:
            print(dump_json({"ok": False, **err.to_dict()}))
        return err.exit_code
    except Exception as err:
        ctx.finish()
        log.exception("unexpected error in %s", args.command)
        print(format_error(err), file=sys.stderr)
        print(f"詳細: {type(err).__name__}: {err}", file=sys.stderr)
        if ctx.json:
            print(dump_json({"ok": False, "error": type(err).__name__, "message": str(err)}))
        return 1
    ctx.finish()
    if result is None:
        return ctx.exit_code
    try:
        if ctx.json:  # keys starting with "_" carry typed objects for the human rendering only
            print(dump_json({k: v for k, v in result.items() if not k.startswith("_")}))
        else:
            human = getattr(args, "human", None)
            if human is not None:
                human(result)
            else:
                print_human(result)
        sys.stdout.flush()
    except BrokenPipeError:  # ``zaitaku-map info P | head``: the reader left; the work is done
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
    return ctx.exit_code
