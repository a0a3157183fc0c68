"""Watching library folders: file-system events become pipeline jobs and path updates, and
``Watch`` runs an indexer that way (``mediasift watch``, the window's indexer process).

- A file its writer closed is read at once (inotify's close-write; watchdog's
  FileClosedEvent). One written to and not closed yet waits for its close, however long its
  writer pauses. Where no close can be seen (polling, platforms without close events, a
  file renamed in from a temporary name, events lost) a file waits until its size and mtime
  have stayed the same for ``settle`` seconds. So downloads, copies and recordings in
  progress are not indexed half-written.
- Renames and moves inside the library are path updates on the writer thread (no re-encode);
  a folder rename is one UPDATE however many files it holds. Moves out of the library remove.
- Hidden, temporary and partial files are ignored (a ``.part`` renamed to its final name
  arrives as a move from an unknown path, and is indexed then).
- Where native events are unavailable (inotify limits, some network shares) a folder falls
  back to polling, and a notice says so. Lost events (kernel queue overflow) trigger a rescan.
- Scans (at start, for a folder added, after lost events) run on the writer thread
  (pipeline.indexer), so no other thread of the watch changes the library.
- Idle, nothing here wakes up but for file events: the debounce thread sleeps until a path
  is due, the power check runs once a minute (never where the OS reports no battery).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from mediasift.pipeline.engine import LIVE, Pipeline
from mediasift.pipeline.indexer import reconcile
from mediasift.pipeline.probe import Job
from mediasift.pipeline.progress import Event
from mediasift.pipeline.scanner import (
    BAD_NAME,
    MISSING_FOLDER,
    folder_for,
    is_ignored,
    root_available,
    scan,
    valid_name,
)
from mediasift.wakeups import woke

if TYPE_CHECKING:
    from mediasift.ipc import Server
    from mediasift.models.host import ModelHost
    from mediasift.writer_lock import WriterLock

log = logging.getLogger(__name__)

POLL_INTERVAL = 2.0
#: Seconds between two looks at the battery (where there is one).
POWER_CHECK = 60.0
#: The events acted on. Opens and read-only closes are left out: the indexer reads every file
#: it indexes, and asking for those would queue two kernel events per read, which a burst
#: would turn into lost events (a rescan, which reads again).
EVENTS = [
    FileCreatedEvent, DirCreatedEvent, FileModifiedEvent, FileAttribEvent, FileClosedEvent,
    FileMovedEvent, DirMovedEvent, FileDeletedEvent, DirDeletedEvent,
]  # fmt: skip


def _signature(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Debouncer:
    """Holds changed paths until they are complete, then hands them on with how long they
    were held after the change acted on: at once once closed, else once their (size, mtime)
    stayed the same for ``settle`` seconds; a path being written waits for its close."""

    def __init__(self, settle: float, ready: Callable[[str, os.stat_result, float], None]):
        self.settle = settle
        self._ready = ready
        #: path -> (due, seen, stat signature seen): handed on at ``due`` if still unchanged.
        self._pending: dict[str, tuple[float, float, tuple[int, int] | None]] = {}
        self._writing: set[str] = set()  # written to, its close not seen yet
        self._handing = 0  # paths out of _pending and not yet handed on
        self._lock = threading.Lock()
        #: Set whenever a path may have come due sooner: the ticker sleeps on it.
        self.wake = threading.Event()

    def touch(self, path: str, writing: bool = False) -> None:
        """Note a change; the stat taken now is what must still hold ``settle`` s later.
        ``writing``: data was written and a close will follow (it is awaited)."""
        now = time.monotonic()
        with self._lock:
            self._pending[path] = (now + self.settle, now, _signature(path))
            if writing:
                self._writing.add(path)
        self.wake.set()

    def closed(self, path: str) -> None:
        """Its writer closed it: due now, unless it changes again before it is read."""
        now = time.monotonic()
        with self._lock:
            self._writing.discard(path)
            self._pending[path] = (now, now, _signature(path))
        self.wake.set()

    def closes_lost(self) -> None:
        """Events were lost, closes perhaps among them: files being written settle instead."""
        with self._lock:
            self._writing.clear()
        self.wake.set()

    def discard(self, path: str) -> None:
        with self._lock:
            self._pending.pop(path, None)
            self._writing.discard(path)

    def rename(self, old: str, new: str) -> None:
        now = time.monotonic()
        with self._lock:
            if self._pending.pop(old, None) is not None:
                self._pending[new] = (now + self.settle, now, _signature(new))
            if old in self._writing:
                self._writing.discard(old)
                self._writing.add(new)
        self.wake.set()

    def next_due(self) -> float | None:
        """When the next path may be handed on (None: none can be until an event comes)."""
        with self._lock:
            dues = [due for p, (due, _, _) in self._pending.items() if p not in self._writing]
        return min(dues, default=None)

    def tick(self) -> None:
        """Hand on every path due and unchanged; re-arm the ones still moving."""
        now = time.monotonic()
        with self._lock:
            due = [(p, s) for p, (d, _, s) in self._pending.items()
                   if d <= now and p not in self._writing]  # fmt: skip
        for path, seen in due:
            try:
                st = os.stat(path)
            except OSError:
                self.discard(path)  # vanished (or unreadable: the next scan reports it)
                continue
            signature = (st.st_size, st.st_mtime_ns)
            with self._lock:
                entry = self._pending.get(path)
                if entry is None or entry[1] > now or path in self._writing:
                    continue  # touched again meanwhile
                if signature != seen:
                    self._pending[path] = (now + self.settle, now, signature)
                    continue
                del self._pending[path]
                self._handing += 1
            try:
                self._ready(path, st, time.monotonic() - entry[1])
            finally:
                with self._lock:
                    self._handing -= 1

    def __len__(self) -> int:
        """Paths still settling, being written or being handed on."""
        return len(self._pending) + self._handing


class _Handler(FileSystemEventHandler):
    """Hands an observer's events to the watcher; ``closes``: the observer reports closes
    (Linux inotify), so a file written to waits for its close rather than a settle."""

    def __init__(self, watcher: Watcher, closes: bool):
        self.watcher = watcher
        self.closes = closes

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            self.watcher.handle(event, self.closes)
        except Exception:  # an event must never kill the observer thread
            log.exception("Could not handle %s", event)


def _native_observer(lost: Callable[[], None]) -> BaseObserver:
    """inotify on Linux, with ``lost`` called when the kernel dropped events; elsewhere the
    platform's observer."""
    if sys.platform.startswith("linux"):
        from mediasift.pipeline.inotify import InotifyObserver

        return InotifyObserver(lost)
    return Observer()


class Watcher:
    """Watches every library folder and feeds the pipeline until stopped: new and changed
    files become jobs, path changes become the writer's work."""

    def __init__(self, pipeline: Pipeline, folders: list[dict], settle: float = 0.5):
        self.pipeline = pipeline
        self.writer = pipeline.writer
        self.folders = sorted(folders, key=lambda f: -len(f["path"]))  # deepest first
        self.debouncer = Debouncer(settle, self._ready)
        self.polling: list[str] = []
        self.grace = max(2.0, 4 * settle)
        self._observers: dict[str, BaseObserver] = {}  # "native", "polling": one for all folders
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="debounce", daemon=True)
        self._removals: dict[str, float] = {}  # path -> when its removal is due
        self._rescan_at: float | None = None  # when a rescan after lost events is due
        self._rescan_queued = False
        self._lock = threading.Lock()
        self._handlers = {"native": _Handler(self, sys.platform.startswith("linux")),
                          "polling": _Handler(self, False)}  # fmt: skip

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> Watcher:
        for folder in self.folders:
            self._follow(folder)
        self._ticker.start()
        return self

    def add(self, folder: dict) -> None:
        """Watch one more library folder from now on (a no-op for one already watched)."""
        with self._lock:
            if any(f["id"] == folder["id"] for f in self.folders):
                return
            self.folders = sorted([*self.folders, folder], key=lambda f: -len(f["path"]))
        self._follow(folder)

    def forget(self, path: str) -> None:
        """Stop acting on events under a library folder being removed."""
        with self._lock:
            self.folders = [f for f in self.folders if f["path"] != path]

    @property
    def idle(self) -> bool:
        """All the watcher has seen is handed to the pipeline: no path settling, no removal
        waiting out its grace period, no rescan due."""
        with self._lock:
            return not self._removals and self._rescan_at is None and not len(self.debouncer)

    def _follow(self, folder: dict) -> None:
        path = folder["path"]
        if not root_available(folder):  # unmounted or offline: its files stay; watching
            self._notice(path, MISSING_FOLDER)  # resumes with the next start
            return
        try:
            self._observer("native").schedule(
                self._handlers["native"], path, recursive=True, event_filter=EVENTS
            )
        except OSError as exc:
            reason = "the inotify watch limit is reached" if exc.errno == 28 else exc.strerror
            notice = (
                f"Live updates for {path} use polling every {POLL_INTERVAL:.0f} s: native file "
                f"events are unavailable ({reason}). Raising fs.inotify.max_user_watches helps."
            )
            self.polling.append(path)
            self._notice(path, notice)
            self._observer("polling").schedule(
                self._handlers["polling"], path, recursive=True, event_filter=EVENTS
            )

    def _observer(self, kind: str) -> BaseObserver:
        """The running observer of this kind, started on first use (folders handed over by
        other processes arrive on threads of their own)."""
        with self._lock:
            if kind not in self._observers:
                if kind == "native":
                    observer = _native_observer(self._lost_events)
                else:
                    observer = PollingObserver(timeout=POLL_INTERVAL)
                observer.start()
                self._observers[kind] = observer
            return self._observers[kind]

    def _notice(self, path: str, text: str) -> None:
        log.warning("%s: %s", path, text)
        self.pipeline.progress.emit(Event("notice", path, text))

    def stop(self) -> None:
        self._stop.set()
        self.debouncer.wake.set()
        for observer in self._observers.values():
            observer.stop()
        for observer in self._observers.values():
            observer.join()
        self._ticker.join()

    def _next_due(self) -> float | None:
        """When the ticker has work next: a path, a removal or a rescan coming due."""
        with self._lock:
            dues = [*self._removals.values(), self._rescan_at, self.debouncer.next_due()]
        return min((due for due in dues if due is not None), default=None)

    def _tick_loop(self) -> None:
        """Sleeps until something comes due or an event wakes it; never polls when idle."""
        wake = self.debouncer.wake
        while True:
            wake.clear()
            due = self._next_due()
            if due is None or due > time.monotonic():
                wake.wait(None if due is None else due - time.monotonic())
            if self._stop.is_set():
                return
            woke("debounce")
            self.debouncer.tick()
            now = time.monotonic()
            with self._lock:  # handed over under the lock, so ``idle`` never misses them
                for path in [p for p, due in self._removals.items() if due <= now]:
                    del self._removals[path]
                    self.pipeline.call(lambda p=path: self._remove_if_gone(p))
                rescan = self._rescan_at is not None and self._rescan_at <= now
                if rescan and not self._rescan_queued:
                    self._rescan_at, self._rescan_queued = None, True
                    self.pipeline.call(self._rescan)

    def _remove_later(self, path: str) -> None:
        """Removals wait a grace period: a move the OS reported as delete + create (into a
        folder not watched yet) is then matched by content hash and stays a path update."""
        with self._lock:
            self._removals[path] = time.monotonic() + self.grace
        self.debouncer.wake.set()

    def _remove_if_gone(self, path: str) -> None:
        """Writer thread: a deleted path's rows go (a library folder itself only warns)."""
        if any(f["path"] == path for f in self.folders):
            self._notice(path, MISSING_FOLDER)
        else:
            self.writer.remove_if_gone(path)

    def _lost_events(self) -> None:
        """The kernel dropped events: rescan once the burst has landed. One rescan waits in
        the writer's queue at a time; events lost after it started make it scan once more,
        so no loss goes unanswered however long the backlog."""
        with self._lock:
            if self._rescan_at is None:
                self._rescan_at = time.monotonic() + self.debouncer.settle
        self.debouncer.closes_lost()

    def _rescan(self) -> None:
        """Writer thread: queue what the lost events hid; gone files go once it is written."""
        with self._lock:
            self._rescan_queued = False
        self.pipeline.progress.emit(Event("notice", "", "File events were lost: rescanning"))
        reconcile(self.pipeline, self.folders)

    # --- events ----------------------------------------------------------------------------

    def folder_of(self, path: str) -> dict | None:
        """The library folder holding ``path`` (None: outside, or under a hidden/temp part)."""
        folder = folder_for(self.folders, path)
        if folder is None:
            return None
        parts = Path(path[len(folder["path"].rstrip("/")) :]).parts[1:]
        return None if any(is_ignored(p) for p in parts) else folder

    def handle(self, event: FileSystemEvent, closes: bool = False) -> None:
        """Act on one event; ``closes``: its observer reports closes (see _Handler)."""
        kind = event.event_type
        src = os.fsdecode(event.src_path)
        dest = os.fsdecode(event.dest_path) if kind == "moved" else src
        if not valid_name(dest):
            shown = os.fsencode(dest).decode("utf-8", "replace")
            self.pipeline.progress.emit(Event("failed", shown, BAD_NAME))
            return
        if kind == "moved":
            if event.is_synthetic:
                return  # one per file inside a moved folder: the folder's own event covers them
            self._moved(src, dest, event.is_directory)
        elif kind == "deleted":
            self.debouncer.discard(src)
            self._remove_later(src)
        elif event.is_directory:
            if kind == "created" and self.folder_of(src) is not None:
                self._scan_in(src)  # a folder copied or moved in from outside
        elif self.folder_of(src) is None:
            return
        elif kind == "closed":
            self.debouncer.closed(src)
        else:  # only data written promises a close (a create may be a file moved in)
            self.debouncer.touch(src, writing=closes and kind == "modified")

    def _moved(self, src: str, dest: str, is_dir: bool) -> None:
        target = self.folder_of(dest)
        if target is None:  # moved out of the library (or into a hidden/temp name)
            self.debouncer.discard(src)
            self._remove_later(src)
        elif is_dir:
            self.pipeline.call(lambda: self._move_tree(src, dest, target))
        else:
            self.debouncer.rename(src, dest)
            self.pipeline.call(lambda: self._move_file(src, dest, target))

    def _move_tree(self, src: str, dest: str, target: dict) -> None:
        """Writer thread: a folder known in the catalog is a path update, else scanned."""
        if not self.writer.move_tree(src, dest, target["id"]):
            self._scan_in(dest)

    def _move_file(self, src: str, dest: str, target: dict) -> None:
        """Writer thread: a known file keeps its row; an unknown one (a.part -> a), or one
        edited before its rename, is read as new."""
        row = self.writer.move_file(src, dest, target["id"])
        try:
            st = os.stat(dest)
        except OSError:
            return
        if row is None or (st.st_size, st.st_mtime) != (row["size"], row["mtime"]):
            self.debouncer.touch(dest)

    def _scan_in(self, folder: str) -> None:
        """Files of a folder that appeared at once; they settle like any other new file."""
        if self.folder_of(folder + "/x") is not None:
            for entry in scan(Path(folder), []):
                self.debouncer.touch(entry.path)

    def _ready(self, path: str, st: os.stat_result, held: float) -> None:
        folder = self.folder_of(path)
        job = Job(path, folder["id"], st.st_size, st.st_mtime, held=held) if folder else None
        log.debug("%s handed on %.3f s after its last change", path, held)
        if job is not None and not self.pipeline.submit(job, LIVE):
            self.debouncer.touch(path)  # in flight now: read it again once that one is written


def on_battery() -> bool | None:
    """True when the OS says the machine runs on battery; None where it reports no battery
    (or cannot tell)."""
    import psutil

    battery = psutil.sensors_battery() if hasattr(psutil, "sensors_battery") else None
    return None if battery is None else battery.power_plugged is False


class Watch:
    """A running indexer: the pipeline doing the work, the watcher feeding it, and the
    library's writer lock, held until ``stop``. Watching starts before the start-up scan, so
    nothing changed in between is missed; ``reconciled`` is set once that scan is written."""

    def __init__(
        self,
        pipeline: Pipeline,
        folders: list[dict],
        lock: WriterLock,
        settle: float = 0.5,
        pause_on_battery: bool = True,
        models: ModelHost | None = None,
    ):
        self.pipeline = pipeline
        self.watcher = Watcher(pipeline, folders, settle)
        self.lock = lock
        self.pause_on_battery = pause_on_battery
        #: The model process the pipeline's models run in (ended at stop), if any.
        self.models = models
        #: Answers other processes' requests (mediasift.ipc, mediasift.serving).
        self.server: Server | None = None
        self.reconciled = threading.Event()
        self._stopped = threading.Event()

    def start(self) -> Watch:
        self.pipeline.start()
        try:
            self.watcher.start()
        except BaseException:
            self.pipeline.stop()
            raise
        folders = list(self.watcher.folders)
        self.pipeline.call(lambda: reconcile(self.pipeline, folders, self.reconciled.set))
        if self.pause_on_battery:
            threading.Thread(target=self._power_loop, name="power", daemon=True).start()
        return self

    def follow(self, folder: dict) -> None:
        """Watch a library folder added while running (if new) and index what it holds."""
        self.watcher.add(folder)
        self.pipeline.call(lambda: reconcile(self.pipeline, [folder]))

    def forget(self, path: str) -> None:
        """Give up a library folder (its files stay on disk), in order with the writes."""
        self.watcher.forget(path)
        self.pipeline.call(lambda: self.pipeline.writer.remove_folder(path))

    def _power_loop(self) -> None:
        """Pause while on battery; a machine without one is never asked again."""
        paused_for_battery = False
        while (battery := on_battery()) is not None:
            if battery and not self.pipeline.progress.paused:
                log.info("On battery: pausing background indexing")
                self.pipeline.pause()
                paused_for_battery = True
            elif not battery and paused_for_battery:
                self.pipeline.resume()
                paused_for_battery = False
            if self._stopped.wait(POWER_CHECK):
                return
            woke("power")
        log.debug("No battery reported: indexing never pauses for power")

    def stop(self) -> None:
        self._stopped.set()
        if self.server is not None:
            self.server.stop()
        self.watcher.stop()
        self.pipeline.stop()
        if self.models is not None:
            self.models.close()
        self.lock.release()
