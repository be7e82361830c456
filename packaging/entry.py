"""Entry point of the frozen application (PyInstaller): same as the ``zaitaku-map`` command."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from zaitaku_map.cli import main

    sys.exit(main())
