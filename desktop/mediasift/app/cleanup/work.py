"""The wizard's slow steps (scan, dry run, apply, undo, "not duplicates") on a thread of their
own, answered by Qt signals on the GUI thread.

A scan reads the catalog and the vector index through its own read-only Library. Apply and
undo go through ``Library.apply``/``undo``, which hand the plan to the running indexer when
one holds the library, so a cleanup lands in order with the indexer's writes. One step runs at
a time; each answer carries the number of the step it answers, so a cancelled scan's late
answer is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mediasift.config import Settings
from mediasift.dedup import Cancelled, PlanRefused
from mediasift.library import Library, LibraryError
from mediasift.pipeline.progress import Progress

log = logging.getLogger(__name__)


class CleanupWork(QObject):
    scanned = Signal(int, list)  # step number, groups
    scanning = Signal(int, int, int)  # step number, pictures hashed so far, to hash
    reported = Signal(int, object)  # step number, dedup.Report (None: nothing to undo)
    failed = Signal(int, str)  # step number, message for the user

    def __init__(self, home: Path, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home, self.settings = home, settings
        self.number = 0
        self._progress: Progress | None = None

    def scan(self) -> int:
        """Look for duplicates with the settings' keeper rules; answers ``scanned``."""
        progress = self._progress = Progress()
        number = self._next()
        progress.listeners.append(
            lambda p: self.scanning.emit(number, p.done, p.total) if p.done % 16 == 0 else None
        )
        rules = self.settings.keeper()
        return self._start(number, lambda lib: lib.dupes(None, rules, progress), self.scanned)

    def cancel(self) -> None:
        """Stop the scan under way; its answer, if it still comes, is dropped."""
        if self._progress is not None:
            self._progress.cancel()
        self._next()

    def dry_run(self, plan: dict) -> int:
        return self._start(self._next(), lambda lib: lib.apply(plan, dry_run=True))

    def apply(self, plan: dict) -> int:
        return self._start(self._next(), lambda lib: lib.apply(plan, dry_run=False))

    def undo(self) -> int:
        return self._start(self._next(), lambda lib: lib.undo())

    def not_duplicates(self, paths: list[str]) -> None:
        """Remember a dismissed group; a failure is only logged (the group stays dismissed
        for this review either way)."""
        self._start(self._next(), lambda lib: lib.not_duplicates(paths), quiet=True)

    def _next(self) -> int:
        self.number += 1
        return self.number

    def _start(self, number: int, step: Callable[[Library], object], answer: Signal | None = None,
               quiet: bool = False) -> int:  # fmt: skip
        answer = answer if answer is not None else self.reported

        def run() -> None:
            try:
                with Library(self.home, self.settings) as library:
                    result = step(library)
            except Cancelled:
                return
            except (LibraryError, PlanRefused, OSError) as exc:
                log.warning("Cleanup step failed: %s", exc)
                if not quiet:
                    self.failed.emit(number, str(exc))
                return
            except Exception as exc:  # the window must outlive any bug in one step
                log.exception("Cleanup step failed")
                if not quiet:
                    self.failed.emit(number, f"Something went wrong: {exc}")
                return
            if not quiet:
                answer.emit(number, result)

        threading.Thread(target=run, name="cleanup", daemon=True).start()
        return number
