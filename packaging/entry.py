"""Entry point of the frozen application (PyInstaller): same as the ``zaitaku-map`` command."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    for stream in (sys.stdout, sys.stderr):  # CP932 consoles on Windows: never crash on Japanese output
        if stream is not None and (stream.encoding or "").lower().replace("-", "") != "utf8":
            stream.reconfigure(encoding="utf-8", errors="replace")
    from zaitaku_map.cli import main

    sys.exit(main())
