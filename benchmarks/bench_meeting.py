"""Benchmark of meeting mode: the repaint after an option switch (target ≤ 0.3 s on the demo).

Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_meeting.py [--project demo.gpkg] [--size 1920x1080]
        [--rounds 16]

Without ``--project`` the demo project is built first (``zaitaku-map demo``, about a minute).  Then,
offscreen, in the same process and on the same project:

- **meeting**: the meeting window at ``--size``; once drawn, ``--rounds`` switches to the next option
  (as ← / → do: the record line, the headline strip, the page's restyle of every municipality, the
  option's outlines, labels and the legend), each timed from the call until the page has painted
  (two animation frames after the last drawing call);
- **baseline** ``workbench``: the main window on the same project, the same switches through the
  GUI state (``AppState.set_option``: the option's payload is built and pushed to the workbench map),
  timed the same way.

Both are timed by the same probe: polling the page's paint counter (``window.__zmmPainted`` /
``window.__zmPainted``) every 5 ms.  Prints ONE JSON line: seconds (median, p90, max) of each, the
ratio of the medians, and whether every meeting switch met 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
TARGET_S = 0.3


def wait_until(app: Any, cond: Any, timeout_s: float = 30.0) -> bool:
    """Run the event loop until ``cond()`` (checked every 5 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.perf_counter() + timeout_s
    while not cond():
        if time.perf_counter() > end:
            return False
        loop = QEventLoop()
        QTimer.singleShot(5, loop.quit)
        loop.exec()
    return True


def painted(app: Any, page: Any, counter: str) -> int:
    """The page's paint counter (one runJavaScript round trip)."""
    box: dict[str, Any] = {}
    page.runJavaScript(f"window.{counter} || 0", 0, lambda v: box.setdefault("v", v))
    wait_until(app, lambda: "v" in box, 10)
    return int(box.get("v") or 0)


def time_switch(app: Any, page: Any, counter: str, switch: Any) -> float:
    """Seconds from ``switch()`` until the page's paint counter moved."""
    before = painted(app, page, counter)
    t0 = time.perf_counter()
    switch()
    wait_until(app, lambda: painted(app, page, counter) > before)
    return time.perf_counter() - t0


def summary(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "median": round(statistics.median(xs), 4),
        "p90": round(xs[min(len(xs) - 1, int(0.9 * len(xs)))], 4),
        "max": round(xs[-1], 4),
    }


def js_number(app: Any, page: Any, expr: str) -> float:
    box: dict[str, Any] = {}
    page.runJavaScript(expr, 0, lambda v: box.setdefault("v", v))
    wait_until(app, lambda: "v" in box, 10)
    return float(box.get("v") or 0.0)


def bench_meeting(
    app: Any, path: Path, size: tuple[int, int], rounds: int
) -> tuple[list[float], list[float], int]:
    from zaitaku_map.gui.meeting.window import MeetingWindow
    from zaitaku_map.store import open_project

    project = open_project(path)
    win = MeetingWindow(project, title="benchmark")
    win.fit_screen(*size)
    win.show()
    if not wait_until(app, lambda: win.is_ready, 120):
        raise SystemExit("meeting window did not load")
    page = win.view.page()
    wait_until(app, lambda: painted(app, page, "__zmmPainted") > 0)
    n = len(win.session.names)
    times, in_page = [], []
    for _ in range(rounds):
        times.append(time_switch(app, page, "__zmmPainted", lambda: win.session.step(1)))
        in_page.append(js_number(app, page, "window.__zmmRepaintMs || 0") / 1000)
    win.close()
    win.teardown()
    win.deleteLater()
    project.close()
    return times, in_page, n


def bench_workbench(app: Any, path: Path, rounds: int) -> list[float]:
    from zaitaku_map.gui.mainwindow import MainWindow
    from zaitaku_map.options import list_options
    from zaitaku_map.settings import Settings

    win = MainWindow(Settings(Path(tempfile.mkdtemp(prefix="zm-bench-")) / "settings.json"))
    win.resize(1920, 1080)
    win.show()
    loaded = {"done": False}
    win.project_loaded.connect(lambda: loaded.update(done=True))
    wait_until(app, lambda: win.map.is_ready, 60)
    win.open_project(path)
    if not wait_until(app, lambda: loaded["done"], 120):
        raise SystemExit("workbench did not load the project")
    state = win.state
    names = [o["name"] for o in list_options(state.require_project())]
    page = win.map.page()
    wait_until(app, lambda: painted(app, page, "__zmPainted") > 0)
    times = []
    for i in range(rounds):
        name = names[
            (names.index(state.option) + 1) % len(names) if state.option in names else i % len(names)
        ]
        times.append(time_switch(app, page, "__zmPainted", lambda name=name: state.set_option(name)))
    win.close()
    win.teardown()
    win.deleteLater()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", type=Path, help="a project (default: build the demo)")
    ap.add_argument("--size", default="1920x1080")
    ap.add_argument("--rounds", type=int, default=16)
    args = ap.parse_args()
    from zaitaku_map.gui.meeting.run import parse_size

    size = parse_size(args.size)
    path = args.project
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="zm-bench-meeting-")) / "demo.gpkg"
        subprocess.run([sys.executable, "-m", "zaitaku_map", "demo", str(path), "-q"], check=True)
    from zaitaku_map.gui.app import create_app, prepare_environment

    prepare_environment(headless=True)
    app = create_app(["bench_meeting"])
    meeting, in_page, n_options = bench_meeting(app, path, size, args.rounds)
    baseline = bench_workbench(app, path, args.rounds)
    m, b = summary(meeting), summary(baseline)
    print(
        json.dumps(
            {
                "benchmark": "meeting_option_switch",
                "project": path.name,
                "size": f"{size[0]}x{size[1]}",
                "options": n_options,
                "rounds": args.rounds,
                "meeting_s": m,
                "meeting_page_s": summary(in_page),
                "baseline": "workbench option switch (AppState.set_option, same project, same probe)",
                "baseline_s": b,
                "ratio_median": round(m["median"] / b["median"], 3) if b["median"] else None,
                "target_s": TARGET_S,
                "meets_target": m["max"] <= TARGET_S,
                "load_average": round(os.getloadavg()[0], 2),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
