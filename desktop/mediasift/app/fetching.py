"""Getting models from the window: ``models.download.fetch`` (resumable, checked, refusing a too
full disk, quick to say when offline) on a thread, so the window stays live, with its progress
in words a person can follow (bytes, rate, time left) and a cancel."""

from __future__ import annotations

import logging
import threading
from functools import partial

from PySide6.QtCore import QObject, Signal

from mediasift.models.download import DownloadError, DownloadProgress, fetch

log = logging.getLogger(__name__)


def _mb(size: float) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e7 else f"{size / 1e6:.1f} MB"


def _left(seconds: float | None) -> str:
    if not seconds:  # no pace yet, or done
        return ""
    if seconds < 90:
        return f" · about {max(seconds, 1):.0f} s left"
    return f" · about {seconds / 60:,.0f} min left"


def describe(step: int, steps: int, event: DownloadProgress) -> str:
    """One line: which model, bytes of it here, this run's rate and the time left at it."""
    name = event.model_id.rsplit("/", 1)[-1]
    return (f"Getting {name} ({step} of {steps}): {_mb(event.done)} of {_mb(event.total)} · "
            f"{_mb(event.rate)}/s{_left(event.eta)}")  # fmt: skip


class ModelFetch(QObject):
    """Fetches models one after another on a daemon thread; Qt delivers its signals on the GUI
    thread. ``cancel`` stops at the next chunk: what came stays, and the next start resumes."""

    progress = Signal(int, int, object)  # step, steps, DownloadProgress
    ended = Signal(str)  # "" when every model is here, else why not, in words

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()

    def start(self, model_ids: list[str]) -> None:
        self._cancel.clear()
        threading.Thread(target=self._run, args=(list(model_ids),), name="model-fetch",
                         daemon=True).start()  # fmt: skip

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self, model_ids: list[str]) -> None:
        try:
            for step, model_id in enumerate(model_ids, 1):
                fetch(model_id, partial(self.progress.emit, step, len(model_ids)), self._cancel)
        except DownloadError as exc:  # offline, cancelled, no room, damaged: said as it is
            self.ended.emit(str(exc))
        except Exception as exc:  # the page waits for an end: it must always come
            log.exception("Getting %s failed", model_ids)
            self.ended.emit(f"The download failed ({exc}).")
        else:
            self.ended.emit("")
