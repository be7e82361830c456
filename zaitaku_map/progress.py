"""The one progress/cancel protocol used by every long operation.

A long core function takes two keyword-only arguments::

    def do_work(data, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None)

and calls ``progress(done, total, message)`` between items and ``cancel.raise_if_cancelled()``
at the same points.  The CLI adapts it to a terminal bar (:mod:`zaitaku_map.cli.common`), the GUI to
a QThread worker with signals (``zaitaku_map.gui``).  :class:`Progress` bundles both and splits
a job into weighted steps so nested functions report into one bar.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

from zaitaku_map.errors import Cancelled

T = TypeVar("T")


class ProgressCallback(Protocol):
    def __call__(self, done: float, total: float, message: str) -> None: ...


class CancelToken:
    """Thread-safe cancel flag shared between a UI and a worker."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("operation cancelled by the user")


def _noop(done: float, total: float, message: str) -> None:
    return None


class Progress:
    """Progress reporting with cancel checks, sub-steps and an ETA from measured cost.

    Parameters
    ----------
    callback:
        Receives ``(done, total, message)``; ``None`` reports nothing.
    cancel:
        Checked on every :meth:`update`.
    total:
        Units of work of this reporter.

    :meth:`update` always reports within this reporter's own range (also after it handed out
    :meth:`step` children), the reported ``done`` never decreases across the whole tree, and a
    reporter that reaches its total at the end of the root's range reports exactly ``total``.
    """

    def __init__(
        self,
        callback: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        total: float = 1.0,
        _offset: float = 0.0,
        _scale: float = 1.0,
        _root_total: float | None = None,
        _shared: dict[str, float] | None = None,
    ) -> None:
        self.callback: ProgressCallback = callback or _noop
        self.cancel = cancel
        self.total = float(total) if total else 1.0
        self._base = _offset  # start of this reporter's range (fraction of the root)
        self._offset = _offset  # where the next step() starts
        self._scale = _scale
        self._root_total = _root_total if _root_total is not None else self.total
        self._shared = _shared if _shared is not None else {"done": 0.0}  # last value sent, whole tree
        self._started = time.monotonic()
        self._last_emit = 0.0

    @classmethod
    def of(cls, progress: ProgressCallback | Progress | None, cancel: CancelToken | None = None) -> Progress:
        """Wrap whatever a caller passed into a :class:`Progress`."""
        if isinstance(progress, Progress):
            if cancel is not None and progress.cancel is None:
                progress.cancel = cancel
            return progress
        return cls(progress, cancel)

    def check(self) -> None:
        """Raise :class:`~zaitaku_map.errors.Cancelled` when the user cancelled."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

    def update(self, done: float, message: str = "", *, force: bool = False) -> None:
        """Report ``done`` of :attr:`total` (throttled to ~20 Hz) and check for cancel."""
        self.check()
        now = time.monotonic()
        if not force and now - self._last_emit < 0.05 and done < self.total:
            return
        self._last_emit = now
        frac = min(max(done / self.total, 0.0), 1.0)
        pos = self._base + frac * self._scale
        value = self._root_total if pos >= 1.0 - 1e-9 else pos * self._root_total
        value = max(value, self._shared["done"])  # never backwards (e.g. a late update of a parent)
        self._shared["done"] = value
        self.callback(value, self._root_total, message)

    def step(self, weight: float, *, total: float = 1.0) -> Progress:
        """Return a child reporter that covers the next ``weight`` units of this one."""
        child_scale = self._scale * weight / self.total
        child = Progress(
            self.callback,
            self.cancel,
            total=total,
            _offset=self._offset,
            _scale=child_scale,
            _root_total=self._root_total,
            _shared=self._shared,
        )
        self._offset += child_scale
        return child

    def iterate(self, items: Iterable[T], *, total: int | None = None, message: str = "") -> Iterator[T]:
        """Yield ``items`` while reporting progress and checking cancel between them."""
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        n = total or 0
        self.total = float(n) if n else 1.0
        for i, item in enumerate(items):
            self.update(i, message)
            yield item
        self.update(self.total, message, force=True)

    def eta_seconds(self, done: float) -> float | None:
        """Remaining seconds estimated from the measured time per unit so far."""
        elapsed = time.monotonic() - self._started
        if done <= 0 or elapsed <= 0:
            return None
        return elapsed / done * (self.total - done)
