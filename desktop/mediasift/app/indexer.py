"""The window's link to the indexer: a ``mediasift watch --json`` child process.

Indexing runs in its own process, so model loads, index saves and native decoders never stall
the window (they hold the GIL for seconds, or can crash). When another process already indexes
the library (the writer lock says which), the window uses that one and asks it for its
progress over its socket. The child's events and progress come as JSON lines, read on a daemon
thread and re-emitted as Qt signals (delivered on the GUI thread). Changes to the library come
one per file; the window hears of them once until it has taken the news, not 60 times a second
through a burst: each signal runs Python on the GUI thread, which may wait for the GIL.

Closing the window sends SIGTERM and never waits for the child: it finishes its clean shutdown
on its own; or, when the user keeps indexing in the background, the child goes on alone.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from mediasift.ipc import ask
from mediasift.writer_lock import WriterLock

log = logging.getLogger(__name__)

#: Seconds before an indexer that died is started again.
RESTART_AFTER_S = 2.0
#: Seconds between progress questions to an indexer this window did not start.
FOLLOW_S = 1.0


def _command() -> list[str]:
    """``mediasift watch --json`` in this installation; a frozen build is its own indexer."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--indexer"]
    return [sys.executable, "-m", "mediasift.cli", "watch", "--json"]


#: The child's events that change what a search finds.
CHANGES = frozenset({"indexed", "text", "moved", "removed"})


class IndexerProcess(QObject):
    changed = Signal()  # the library changed since the last time this was emitted and heard
    event = Signal(dict)  # {"kind": failed|notice|..., "path", "detail"}, except CHANGES
    progress = Signal(dict)  # {"queued", "done", "failed", "rate", "paused"}
    state = Signal(str)  # the indexer's situation, in words, for the status bar
    _ended = Signal(int)

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.home = home
        self.process: subprocess.Popen | None = None
        self._closing = False
        self._following = False  # another process's indexer, asked over its socket
        self._unheard = threading.Event()  # a change was emitted and not yet delivered
        self.changed.connect(self._heard)  # first, on the GUI thread: from now on, news
        self._ended.connect(self._on_ended)

    def start(self) -> None:
        holder = WriterLock(self.home).holder()
        if holder is not None:  # a terminal's watch, or one kept in the background
            self.state.emit(f"Indexing is done by {holder}")
            self._following = True
            threading.Thread(target=self._follow, daemon=True).start()
            return
        self._following = False
        env = {**os.environ, "MEDIASIFT_HOME": str(self.home)}
        self.process = subprocess.Popen(
            _command(),
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, bufsize=1, start_new_session=True,
        )  # fmt: skip
        log.info("Started the indexer, process %d", self.process.pid)
        self.state.emit("Starting the indexer…")
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            kind = message.get("kind")
            if kind == "progress":
                self.progress.emit(message)
            elif kind not in CHANGES:
                self.event.emit(message)
            elif not self._unheard.is_set():
                self._unheard.set()
                self.changed.emit()
        self._ended.emit(process.wait())

    def _follow(self) -> None:
        """Show the progress of an indexer this window did not start, asked over its socket;
        when it ends, this window starts its own."""
        while not self._closing:
            reply = ask(self.home, {"op": "progress"}, timeout=5)
            if reply is None or "progress" not in reply:
                break
            self.progress.emit(reply["progress"])
            time.sleep(FOLLOW_S)
        if not self._closing:
            self._ended.emit(0)  # restarts: either this window's own indexer, or follows again

    def _heard(self) -> None:
        self._unheard.clear()

    def _on_ended(self, code: int) -> None:
        if self._closing:
            return
        log.info("The indexer stopped (exit code %s); starting it again", code)
        QTimer.singleShot(int(RESTART_AFTER_S * 1000), self.start)

    def pause(self, paused: bool) -> None:
        """Pause or resume indexing."""
        self._send({"op": "pause" if paused else "resume"})

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> None:
        """Stop the indexer so it starts again with the saved settings (see ``_on_ended``):
        the child, or one this window follows (it then starts its own)."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
        elif self._following:
            self._send({"op": "stop"})
        else:
            return  # none started (a window opened without one, as in tests)
        self.state.emit("Restarting the indexer with the new settings…")

    def remove_folders(self, folders: list[str]) -> None:
        """Ask the indexer to forget folders (their files stay on disk)."""
        self._send({"op": "remove", "folders": folders})

    def retry_failed(self) -> None:
        """Ask the indexer to read the files that failed once more."""
        self._send({"op": "retry"})

    def hand_over(self, folders: list[str]) -> None:
        """Give folders to the running indexer to add, watch and index."""
        self._send({"op": "index", "folders": folders})

    def _send(self, request: dict) -> None:
        """Send a request to the indexer's socket off the GUI thread; say so if unanswered."""

        def send() -> None:
            if ask(self.home, request, timeout=10) is None:
                self.state.emit("The indexer did not answer; try again in a moment")

        threading.Thread(target=send, daemon=True).start()

    def close(self, keep_running: bool = False) -> None:
        """Stop the child, or leave it indexing on its own (it is in a session of its own, so
        the end of the window or of its terminal does not end it)."""
        self._closing = True
        if not keep_running and self.running():
            self.process.send_signal(signal.SIGTERM)
