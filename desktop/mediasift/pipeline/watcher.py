"""Watching library folders: file-system events become pipeline jobs and path updates.

- New or changed files wait until their size and mtime have stayed the same for ``settle``
  seconds (downloads, copies and recordings in progress are not indexed half-written).
- Renames and moves inside the library are path updates on the writer thread (no re-encode);
  a folder rename is one UPDATE however many files it holds. Moves out of the library remove.
- Hidden, temporary and partial files are ignored (a ``.part`` renamed to its final name
  arrives as a move from an unknown path, and is indexed then).
- Where native events are unavailable (inotify limits, some network shares) a folder falls
  back to polling, and a notice says so. Lost events (queue overflow) trigger a rescan.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from mediasift.pipeline.engine import LIVE, Pipeline
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
    vanished,
)

log = logging.getLogger(__name__)

POLL_INTERVAL = 2.0


def _signature(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Debouncer:
    """Holds changed paths until their (size, mtime) stop changing, then hands them on."""

    def __init__(self, settle: float, ready: Callable[[str, os.stat_result], None]):
        self.settle = settle
        self._ready = ready
        self._pending: dict[str, tuple[float, tuple[int, int] | None]] = {}
        self._lock = threading.Lock()

    def touch(self, path: str) -> None:
        """Note a change; the stat taken now is what must still hold ``settle`` s later."""
        with self._lock:
            self._pending[path] = (time.monotonic(), _signature(path))

    def discard(self, path: str) -> None:
        with self._lock:
            self._pending.pop(path, None)

    def rename(self, old: str, new: str) -> None:
        with self._lock:
            if self._pending.pop(old, None) is not None:
                self._pending[new] = (time.monotonic(), _signature(new))

    def tick(self) -> None:
        """Hand on every path unchanged for ``settle`` seconds; re-arm the ones still moving."""
        now = time.monotonic()
        with self._lock:
            due = [(p, s) for p, (t, s) in self._pending.items() if now - t >= self.settle]
        for path, seen in due:
            try:
                st = os.stat(path)
            except OSError:
                self.discard(path)  # vanished (or unreadable: the next scan reports it)
                continue
            signature = (st.st_size, st.st_mtime_ns)
            with self._lock:
                if path not in self._pending or self._pending[path][0] > now:
                    continue  # touched again meanwhile
                if signature != seen:
                    self._pending[path] = (now, signature)
                    continue
                del self._pending[path]
            self._ready(path, st)

    def __len__(self) -> int:
        """Paths still settling."""
        return len(self._pending)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            self.watcher.handle(event)
        except Exception:  # an event must never kill the observer thread
            log.exception("Could not handle %s", event)


class Watcher:
    """Watches every library folder and feeds the pipeline until stopped."""

    def __init__(
        self,
        pipeline: Pipeline,
        folders: list[dict],
        settle: float = 0.5,
        rescan: Callable[[], None] | None = None,
    ):
        self.pipeline = pipeline
        self.folders = sorted(folders, key=lambda f: -len(f["path"]))  # deepest first
        self.debouncer = Debouncer(settle, self._ready)
        self.rescan = rescan
        self.polling: list[str] = []
        self._observers: list = []
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="debounce", daemon=True)
        self._overflow = _OverflowHook(self._lost_events)
        self._rescanning = False
        self._rescan_wanted = False
        self.grace = max(2.0, 4 * settle)
        self._removals: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()
        self._handler = _Handler(self)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> Watcher:
        for folder in self.folders:
            self._follow(folder)
        self._overflow.install()
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

    def _follow(self, folder: dict) -> None:
        if root_available(folder):
            self._observers.append(self._observe(self._handler, folder["path"]))
        else:  # unmounted or offline: its files stay; watching resumes with the next start
            self._notice(folder["path"], MISSING_FOLDER)

    def _observe(self, handler: _Handler, path: str):
        try:
            observer = Observer()
            observer.schedule(handler, path, recursive=True)
            observer.start()
            return observer
        except OSError as exc:
            reason = "the inotify watch limit is reached" if exc.errno == 28 else exc.strerror
            notice = (
                f"Live updates for {path} use polling every {POLL_INTERVAL:.0f} s: native file "
                f"events are unavailable ({reason}). Raising fs.inotify.max_user_watches helps."
            )
            self.polling.append(path)
            self._notice(path, notice)
            observer = PollingObserver(timeout=POLL_INTERVAL)
            observer.schedule(handler, path, recursive=True)
            observer.start()
            return observer

    def _notice(self, path: str, text: str) -> None:
        log.warning("%s: %s", path, text)
        self.pipeline.progress.emit(Event("notice", path, text))

    def stop(self) -> None:
        self._stop.set()
        self._overflow.remove()
        for observer in self._observers:
            observer.stop()
        for observer in self._observers:
            observer.join()
        self._ticker.join()

    def _tick_loop(self) -> None:
        while not self._stop.wait(0.1):
            self.debouncer.tick()
            now = time.monotonic()
            with self._lock:
                due = [(p, d) for p, (t, d) in self._removals.items() if t <= now]
                for path, _ in due:
                    del self._removals[path]
            for path, is_dir in due:
                self.pipeline.call(lambda p=path, d=is_dir: self._remove_if_gone(p, d))

    def _remove_later(self, path: str, is_dir: bool) -> None:
        """Removals wait a grace period: a move the OS reported as delete + create (into a
        folder not watched yet) is then matched by content hash and stays a path update."""
        with self._lock:
            self._removals[path] = (time.monotonic() + self.grace, is_dir)

    def _remove_if_gone(self, path: str, is_dir: bool) -> None:
        if any(f["path"] == path for f in self.folders):  # a library folder itself went away
            self._notice(path, MISSING_FOLDER)
        elif vanished(path, self.folders):
            (self.pipeline.remove_tree if is_dir else self.pipeline.remove)(path)

    def _lost_events(self) -> None:
        """Rescan after lost events. One scan runs at a time; events lost while it runs make
        it scan once more, so no loss goes unanswered however long the backlog."""
        if self.rescan is None:
            return
        with self._lock:
            self._rescan_wanted = True
            if self._rescanning:
                return
            self._rescanning = True
        self.pipeline.progress.emit(Event("notice", "", "File events were lost: rescanning"))
        threading.Thread(target=self._rescan_loop, name="rescan", daemon=True).start()

    def _rescan_loop(self) -> None:
        while True:
            with self._lock:
                if not self._rescan_wanted or self._stop.is_set():
                    self._rescanning = False
                    return
                self._rescan_wanted = False
            time.sleep(self.debouncer.settle)  # let the burst land first
            try:
                self.rescan()
            except Exception:
                log.exception("Rescan failed")

    # --- events ----------------------------------------------------------------------------

    def folder_of(self, path: str) -> dict | None:
        """The library folder holding ``path`` (None: outside, or under a hidden/temp part)."""
        folder = folder_for(self.folders, path)
        if folder is None:
            return None
        parts = Path(path[len(folder["path"].rstrip("/")) :]).parts[1:]
        return None if any(is_ignored(p) for p in parts) else folder

    def handle(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        src = os.fsdecode(event.src_path)
        if kind in ("opened", "closed_no_write"):
            return
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
            self._remove_later(src, event.is_directory)
        elif event.is_directory:
            if kind == "created" and self.folder_of(src) is not None:
                self._scan_in(src)  # a folder copied or moved in from outside
        elif self.folder_of(src) is not None:
            self.debouncer.touch(src)

    def _moved(self, src: str, dest: str, is_dir: bool) -> None:
        target = self.folder_of(dest)
        if target is None:  # moved out of the library (or into a hidden/temp name)
            self.debouncer.discard(src)
            self._remove_later(src, is_dir)
        elif is_dir:
            self.pipeline.call(lambda: self._move_tree(src, dest, target))
        else:
            self.debouncer.rename(src, dest)
            self.pipeline.call(lambda: self._move_file(src, dest, target))

    def _move_tree(self, src: str, dest: str, target: dict) -> None:
        """Writer thread: one UPDATE for the whole tree; a folder from outside is scanned."""
        moved, stale = self.pipeline.catalog.move_tree(src, dest, target["id"])
        self.pipeline.drop(stale)
        log.info("Folder %s -> %s: %d paths updated", src, dest, moved)
        if moved:
            self.pipeline.summary.moved += moved
            self.pipeline.progress.emit(Event("moved", dest, src))
        else:
            self._scan_in(dest)

    def _move_file(self, src: str, dest: str, target: dict) -> None:
        """Writer thread: a known file keeps its row; an unknown one (a.part -> a) is new."""
        row = self.pipeline.catalog.file_by_path(src)
        if row is None:
            self.debouncer.touch(dest)
            return
        self.pipeline.forget(dest)  # a file replaced by the move
        # The row keeps its own size and time: if the file was also edited before the rename,
        # they differ from the disk and the new content is read like any change.
        self.pipeline.catalog.move_file(row["id"], target["id"], dest, row["size"], row["mtime"])
        self.pipeline.summary.moved += 1
        self.pipeline.progress.emit(Event("moved", dest, src))
        try:
            st = os.stat(dest)
        except OSError:
            return
        if (st.st_size, st.st_mtime) != (row["size"], row["mtime"]):
            self.debouncer.touch(dest)

    def _scan_in(self, folder: str) -> None:
        """Files of a folder that appeared at once; they settle like any other new file."""
        if self.folder_of(folder + "/x") is not None:
            for entry in scan(Path(folder), []):
                self.debouncer.touch(entry.path)

    def _ready(self, path: str, st: os.stat_result) -> None:
        folder = self.folder_of(path)
        job = Job(path, folder["id"], st.st_size, st.st_mtime) if folder else None
        if job is not None and not self.pipeline.submit(job, LIVE):
            self.debouncer.touch(path)  # in flight now: read it again once that one is written


class _OverflowHook(logging.Handler):
    """watchdog only logs a kernel event-queue overflow; this turns that log line into a call."""

    def __init__(self, callback: Callable[[], None]):
        super().__init__(logging.WARNING)
        self.callback = callback
        self._logger = logging.getLogger("watchdog.observers.inotify_c")

    def install(self) -> None:
        if not self._logger.isEnabledFor(logging.WARNING):  # quietened logging must not hide it
            self._logger.setLevel(logging.WARNING)
        self._logger.addHandler(self)

    def remove(self) -> None:
        self._logger.removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if "events were lost" in record.getMessage():
            self.callback()
