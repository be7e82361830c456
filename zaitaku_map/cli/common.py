"""Shared CLI plumbing: ``--json`` output, terminal progress bar, human-readable printing."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from zaitaku_map.progress import CancelToken, Progress
from zaitaku_map.store import Project, open_project

# a handler returns what ``--json`` prints (a dict, or a TypedDict of the core), or None
Handler = Callable[[argparse.Namespace, "Context"], Mapping[str, Any] | None]


def common_parent() -> argparse.ArgumentParser:
    """Options every subcommand accepts."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return p


class TerminalBar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.started = time.monotonic()
        self.active = False

    def __call__(self, done: float, total: float, message: str) -> None:
        frac = 0.0 if not total else min(max(done / total, 0.0), 1.0)
        elapsed = time.monotonic() - self.started
        if elapsed < 1.0 and frac < 1.0:
            return  # only jobs longer than a second get a bar
        filled = int(frac * self.width)
        eta = ""
        if 0 < frac < 1:
            eta = f" 残り約{elapsed / frac * (1 - frac):.0f}秒"
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {frac * 100:5.1f}% {message[:40]:<40}{eta}"
        )
        self.stream.flush()
        self.active = True

    def finish(self) -> None:
        if self.active:
            self.stream.write("\n")
            self.stream.flush()
            self.active = False


@dataclass
class Context:
    """What a handler gets besides its parsed arguments."""

    json: bool = False
    quiet: bool = False
    cancel: CancelToken = field(default_factory=CancelToken)
    # set by a handler whose work partly failed (some files or steps): the result is still printed
    exit_code: int = 0
    _bar: TerminalBar | None = None

    def progress(self) -> Progress:
        if self.quiet or self.json or not sys.stderr.isatty():
            return Progress(None, self.cancel)
        self._bar = TerminalBar()
        return Progress(self._bar, self.cancel)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.finish()

    def echo(self, text: str = "") -> None:
        """Human text on stdout (suppressed in ``--json`` mode)."""
        if not self.json:
            print(text)

    def note(self, text: str) -> None:
        """Remarks on stderr (always; never pollutes JSON stdout)."""
        print(text, file=sys.stderr)

    def waiting(self, waited_s: float, limit_s: float, message: str) -> None:
        """Told while another process holds the project's lock (``on_wait`` of the store): say so."""
        self.note(message)


def reference_date_text(report: Mapping[str, Any]) -> str:
    """「2025-10-01（ファイル名から）」 from an import report, or how to give a 基準日 when it is unknown."""
    from zaitaku_map.ingest.report import reference_date_text as text

    return text(report)


def open_existing(path: str | Path, ctx: Context | None = None) -> Project:
    """Open a project; with ``ctx``, a wait for another process's lock is said on stderr
    (「他の処理がこのプロジェクトを使用中です（N 秒待っています）」) instead of a silent pause."""
    return open_project(path, on_wait=None if ctx is None else ctx.waiting)


def dump_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


def print_human(obj: Any, indent: int = 0, stream: TextIO | None = None) -> None:
    """Generic readable rendering of a result dict (nested keys indented); on ``sys.stdout`` as it is
    at the call (not at import: tests and callers replace it)."""
    stream = sys.stdout if stream is None else stream
    pad = "  " * indent
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, dict | list) and v:
                print(f"{pad}{k}:", file=stream)
                print_human(v, indent + 1, stream)
            else:
                print(f"{pad}{k}: {v if v not in (None, {}, []) else '-'}", file=stream)
    elif isinstance(obj, list):
        for item in obj[:50]:
            if isinstance(item, dict | list):
                print(f"{pad}-", file=stream)
                print_human(item, indent + 1, stream)
            else:
                print(f"{pad}- {item}", file=stream)
        if len(obj) > 50:
            print(f"{pad}… ({len(obj) - 50} more; use --json for all)", file=stream)
    else:
        print(f"{pad}{obj}", file=stream)
