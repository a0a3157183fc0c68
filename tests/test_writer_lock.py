"""One writer per library: the lock says who holds it and dies with its process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from mediasift.library import IndexerRunning
from mediasift.writer_lock import LibraryLocked, WriterLock

HOLD = (
    "import sys, time; from pathlib import Path; from mediasift.writer_lock import WriterLock\n"
    "WriterLock(Path(sys.argv[1])).acquire('mediasift watch'); print('held', flush=True)\n"
    "time.sleep(600)"
)


def test_lock_names_its_holder_and_is_freed_when_the_holder_is_killed(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = WriterLock(tmp_path)
        assert lock.holder() == f"process {holder.pid} (mediasift watch)"
        with pytest.raises(LibraryLocked, match=str(holder.pid)):
            lock.acquire("mediasift index")
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no clean-up of its own
        holder.wait()
    assert lock.holder() is None
    lock.acquire("mediasift index")
    lock.release()


def test_indexing_while_another_process_indexes_is_refused(library, photos):
    library.add_folder(photos)
    other = WriterLock(library.home).acquire("mediasift watch")
    try:
        with pytest.raises(IndexerRunning, match=f"process {os.getpid()}"):
            library.index()
        assert library.catalog.counts()["files"] == 0  # nothing was written beside it
    finally:
        other.release()
    assert library.index().new == 12  # once it is free
