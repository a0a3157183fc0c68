"""One indexer writes a library at a time, across processes: an exclusive lock on a file.

``flock`` locks are dropped by the kernel when their process ends, however it ends (SIGKILL
included), so a crashed indexer never leaves its library locked. The file also says who holds
it (pid and command), for the message the next one prints.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "indexer.lock"


class LibraryLocked(Exception):
    """Another process is indexing this library; ``holder`` says which, in words."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


class WriterLock:
    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, what: str) -> WriterLock:
        """Take the lock for ``what`` (e.g. "mediasift watch"), or raise :class:`LibraryLocked`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise LibraryLocked(holder or "another process") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} ({what})".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> str | None:
        """Who holds the lock now (None: nobody), without taking it."""
        try:
            self.acquire("a check")
        except LibraryLocked as exc:
            return exc.holder
        self.release()
        return None
