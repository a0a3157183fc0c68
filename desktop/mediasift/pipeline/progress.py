"""Progress and events as plain data, so the CLI and the GUI observe the pipeline the same way.

The pipeline updates one Progress from its writer thread; listeners are called there (the
watcher's notices come from the thread that noticed) and must return quickly: the GUI re-posts
to its main thread, the CLI redraws a line.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from mediasift import wakeups


@dataclass(frozen=True)
class Event:
    """Something that happened to one file: indexed | moved | removed | failed | notice."""

    kind: str
    path: str
    detail: str | None = None


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    failed: int = 0
    encoded: int = 0
    current: str = ""
    paused: bool = False
    listeners: list[Callable[[Progress], None]] = field(default_factory=list)
    event_listeners: list[Callable[[Event], None]] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _recent: deque = field(default_factory=lambda: deque(maxlen=100))

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def queued(self) -> int:
        return self.total - self.done

    @property
    def rate(self) -> float:
        """Files finished per second over the last 100 (a watcher's rate is about now)."""
        if len(self._recent) < 2:
            return 0.0
        elapsed = self._recent[-1] - self._recent[0]
        return (len(self._recent) - 1) / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        rate = self.rate
        return self.queued / rate if rate > 0 else None

    def as_dict(self) -> dict:
        return {
            "queued": self.queued,
            "done": self.done,
            "stages": {
                "read": {"done": self.done - self.failed, "failed": self.failed},
                "embed": {"done": self.encoded},
            },
            "current": self.current,
            "rate": round(self.rate, 2),
            "eta": None if self.eta is None else round(self.eta, 1),
            "paused": self.paused,
        }

    def status(self) -> dict:
        """What a status bar shows (the window reads it from ``watch --json`` or the socket),
        and the process's wake-ups so far (mediasift.wakeups: ``bench idle`` reads them)."""
        return {"queued": self.queued, "done": self.done, "failed": self.failed,
                "rate": round(self.rate, 1), "paused": self.paused,
                "wakeups": wakeups.total()}  # fmt: skip

    def advance(self, current: str, failed: bool = False, encoded: int = 0) -> None:
        self.done += 1
        self.failed += failed
        self.encoded += encoded
        self.current = current
        self._recent.append(time.monotonic())
        self.notify()

    def notify(self) -> None:
        """Tell the listeners the counts or the paused state changed."""
        for listener in self.listeners:
            listener(self)

    def emit(self, event: Event) -> None:
        for listener in self.event_listeners:
            listener(event)
