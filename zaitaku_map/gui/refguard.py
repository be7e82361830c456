"""Keep ``None``, ``True`` and ``False`` alive under PySide6 builds that release one reference too
many of them.

PySide6 6.12.0 on Python 3.11 drops one reference of ``None`` (or of ``True``/``False``) each time
Qt calls into Python: a slot connected to a signal, a ``QTimer.singleShot`` callable, a
``runJavaScript`` callback.  On Python 3.12+ these objects are immortal and the extra release does
nothing; on 3.11 their reference count runs down and the process aborts with
``Fatal Python error: none_dealloc`` / ``bool_dealloc`` after a few thousand calls — in a long
session, or at interpreter exit.  Reproduce (aborts within the loop)::

    app = QApplication([]); btn = QPushButton(); btn.clicked.connect(lambda: None)
    for _ in range(10000): btn.click()

:func:`top_up` gives each of the three singletons a reserve of references that is never released
(a tuple kept alive on purpose, so not even interpreter exit gives them back): the extra releases
consume the reserve instead of the object.  :func:`install` tops up at start and then every second
on the application's event loop.  Nothing happens on Python 3.12+.  Qt-free on purpose (tests call
:func:`top_up` between tests).
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

NEEDED = sys.version_info < (3, 12)  # immortal None/True/False from 3.12 on
LOW_WATER = 100_000  # references left before a top-up
RESERVE = 400_000  # references given at each top-up (8 bytes each)
_leaked: list[int] = []  # ids of the reserves, for tests


def top_up(*, low_water: int = LOW_WATER, reserve: int = RESERVE) -> int:
    """Give None/True/False ``reserve`` more references when they have fewer than ``low_water``.

    Returns the number of references added (0 when nothing was needed)."""
    if not NEEDED:
        return 0
    added = 0
    for obj in (None, True, False):
        if sys.getrefcount(obj) < low_water:
            hold = (obj,) * reserve
            # leak the tuple: nothing will ever release it, so its references stay for good
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(hold))
            _leaked.append(id(hold))
            added += reserve
    return added


def install(app: Any) -> None:
    """Top up now and every second while ``app`` (a QCoreApplication) runs."""
    if not NEEDED or getattr(app, "_zm_refguard", None) is not None:
        return
    from PySide6.QtCore import QTimer

    top_up()
    timer = QTimer(app)
    timer.setInterval(1000)
    timer.timeout.connect(lambda: top_up())
    timer.start()
    app._zm_refguard = timer
