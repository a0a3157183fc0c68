"""Progress and cancellation as plain data, so the CLI and the GUI observe runs the same way.

A run updates one Progress from its threads; listeners are called on the run's writer thread and
must return quickly (the GUI re-posts to its main thread, the CLI redraws a bar).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class Cancelled(Exception):
    """Raised inside a run when its Progress was cancelled."""


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    failed: int = 0
    encoded: int = 0
    current: str = ""
    started: float = field(default_factory=time.monotonic)
    listeners: list[Callable[[Progress], None]] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def rate(self) -> float:
        """Files finished per second since the run started."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None

    def advance(self, current: str, failed: bool = False, encoded: int = 0) -> None:
        self.done += 1
        self.failed += failed
        self.encoded += encoded
        self.current = current
        for listener in self.listeners:
            listener(self)
