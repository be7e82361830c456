"""The one worker type: runs a core function in a QThread and adapts the core progress protocol.

``Job(fn, project_path=…)`` calls ``fn(project, progress=Progress, cancel=CancelToken)`` in a
thread with its own project connection (SQLite connections are not shared across threads);
``progressed(done, total, message)``, ``succeeded(result)`` and ``failed(exception)`` are emitted
back on the GUI thread.  :meth:`JobRunner.run` adds a progress dialog whose cancel button really
stops the core function (it raises :class:`~zaitaku_map.errors.Cancelled` at its next check), or
reports into a progress bar of the caller (``show_dialog=False`` and ``job.progressed``).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from zaitaku_map.errors import Cancelled
from zaitaku_map.progress import CancelToken, Progress

if TYPE_CHECKING:
    from zaitaku_map.store import Project

log = logging.getLogger("zaitaku_map.gui.worker")

R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")


class JobFn(Protocol[R_co]):
    """A job: the core call made in the worker, with the worker's own project connection
    (``None`` when the job was started without ``project_path``)."""

    def __call__(self, project: Project | None, /, *, progress: Progress, cancel: CancelToken) -> R_co: ...


def quiet_pyside_import_hook() -> None:
    """Make PySide6's per-import feature check cheap: we never use ``from __feature__ import``."""
    import sys

    feature: Any = sys.modules.get(
        "shibokensupport.feature"
    )  # shiboken's private module: no declared attributes
    if feature is not None and hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = lambda module: False


class Job(QThread):
    """Run ``fn(project_or_None, progress=…, cancel=…)`` off the GUI thread."""

    progressed = Signal(float, float, str)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self, fn: JobFn[Any], *, project_path: str | Path | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.fn = fn
        self.project_path = Path(project_path) if project_path else None
        self.cancel_token = CancelToken()
        self.result: Any = None
        self.error: BaseException | None = None
        self.error_details = ""

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def _report(self, done: float, total: float, message: str) -> None:
        self.progressed.emit(float(done), float(total or 1.0), str(message or ""))

    def run(self) -> None:
        project = None
        try:
            if self.project_path is not None:
                from zaitaku_map.store import open_project

                project = open_project(self.project_path)
            progress = Progress(self._report, self.cancel_token)
            self.result = self.fn(project, progress=progress, cancel=self.cancel_token)
        except BaseException as err:
            self.error = err
            self.error_details = "".join(traceback.format_exception(err))
            if not isinstance(err, Cancelled):
                log.exception("job failed")
        finally:
            if project is not None:
                project.close()
        if self.error is not None:
            self.failed.emit(self.error)
        else:
            self.succeeded.emit(self.result)


class JobRunner(QObject):
    """Start a :class:`Job` with a progress dialog; keeps a reference until it finishes."""

    def __init__(self, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.parent_widget = parent_widget
        self.active: list[Job] = []

    def run(
        self,
        title: str,
        fn: JobFn[R],
        *,
        project_path: str | Path | None = None,
        on_success: Callable[[R], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        show_dialog: bool = True,
    ) -> Job:
        job = Job(fn, project_path=project_path, parent=self)
        dialog: QProgressDialog | None = None
        if show_dialog:
            dialog = QProgressDialog(title, "中止", 0, 1000, self.parent_widget)
            dialog.setWindowTitle(title)
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(400)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.setValue(0)
            dialog.canceled.connect(job.cancel)
            job.dialog = dialog  # type: ignore[attr-defined]

            def on_progress(done: float, total: float, message: str) -> None:
                dialog.setValue(int(1000 * min(max(done / (total or 1.0), 0.0), 1.0)))
                if message:
                    dialog.setLabelText(f"{title}\n{message}")

            job.progressed.connect(on_progress)

        def finished_ok(result: Any) -> None:
            self._close(job, dialog)
            if on_success:
                on_success(result)

        def finished_err(err: BaseException) -> None:
            self._close(job, dialog)
            if on_error:
                on_error(err, job.error_details)

        job.succeeded.connect(finished_ok)
        job.failed.connect(finished_err)
        self.active.append(job)
        job.start()
        return job

    def _close(self, job: Job, dialog: QProgressDialog | None) -> None:
        if dialog is not None:
            dialog.canceled.disconnect(job.cancel)
            dialog.reset()
            dialog.hide()
            dialog.deleteLater()
        job.wait(5000)
        if job in self.active:
            self.active.remove(job)

    def cancel_all(self) -> None:
        for job in list(self.active):
            job.cancel()
        for job in list(self.active):
            job.wait(10000)
