"""watchdog's inotify observer, with the kernel's lost events heard (Linux only).

When the kernel's inotify queue overflows it drops events and queues one IN_Q_OVERFLOW.
watchdog (7.1 on) tells it only to the callbacks registered on that inotify instance's watches
(``on_queue_overflow`` of ``watchdog.observers.inotify_c.WatchCallback``, called by
``InotifyFD.handle_event``); its own watch groups rebuild their recursive watches there, but
no event reaches an event handler, and an observer keeps its instance to itself. So this
observer owns its instance, built from watchdog's public parts (``InotifyFD``,
``InotifyEmitter``, ``BaseObserver``), and registers one more callback on each watched
folder: ``LostEvents``, which hears nothing but the overflow.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEventHandler
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.inotify import InotifyEmitter
from watchdog.observers.inotify_c import (
    CallbackId,
    InotifyConstants,
    InotifyEvent,
    InotifyFD,
    Mask,
    WatchDescriptor,
)

#: IN_MASK_ADD: the folder's watch keeps the events its emitter asked for.
_LISTEN = Mask(
    InotifyConstants.IN_MASK_ADD | InotifyConstants.IN_DONT_FOLLOW | InotifyConstants.IN_DELETE_SELF
)
_LISTENER = CallbackId(0)


class LostEvents:
    """A watch callback of watchdog's inotify layer that acts on queue overflows only."""

    def __init__(self, lost: Callable[[], None]):
        self.lost = lost

    def on_event(self, event: InotifyEvent) -> None:
        """Events are the emitters' business."""

    def on_watch_deleted(self, wd: WatchDescriptor) -> None:
        """A watched folder went away: the watcher hears of it from its emitter."""

    def on_queue_overflow(self) -> None:
        self.lost()


class InotifyObserver(BaseObserver):
    """One inotify instance for every folder scheduled; ``lost`` is called (on its reading
    thread: return quickly) each time the kernel dropped events."""

    def __init__(self, lost: Callable[[], None]):
        self.inotify = InotifyFD()
        super().__init__(InotifyEmitter, inotify_fd=self.inotify)
        self._listener = LostEvents(lost)

    def schedule(
        self, event_handler: FileSystemEventHandler, path: str | Path, **options: Any
    ) -> ObservedWatch:
        watch = super().schedule(event_handler, path, **options)
        self.inotify.add_callback(os.fsencode(path), _LISTEN, self._listener, _LISTENER)
        return watch

    def on_thread_start(self) -> None:
        self.inotify.start()
        super().on_thread_start()

    def on_thread_stop(self) -> None:
        super().on_thread_stop()
        self.inotify.stop()
        self.inotify.join()
