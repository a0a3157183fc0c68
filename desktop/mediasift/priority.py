"""Priorities: background work yields the processor and the disk to what a person waits on."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: Niceness of background work (0 is normal, 19 the lowest).
BACKGROUND = 10
#: How much lower than its process a background thread runs, where the process already is.
BELOW = 5
#: I/O priority of a background process: the lowest of the best-effort class (the idle class
#: can starve it outright while anything else reads).
IO_LEVEL = 7
#: The niceness of the calling process's session group (Linux's autogroup).
AUTOGROUP = "/proc/self/autogroup"


def lower_this_thread() -> None:
    """Run the calling thread at BACKGROUND niceness, or BELOW its process's when that is
    already background (the indexer's decode threads yield to its models), on Linux, which
    sets it per thread; elsewhere nothing. The scheduler then preempts it rather than a thread
    that must not wait. Measured from the process (its first thread), not from the thread
    itself, so a pooled thread that calls this for every task stays where it was put instead
    of sinking to 19, where any other work starves it (the window's thumbnails stopped)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            process = os.getpriority(os.PRIO_PROCESS, os.getpid())
            nice = min(19, max(BACKGROUND, process + BELOW))
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def run_in_background() -> None:
    """Lower the calling thread, and every thread and process it starts from now on, to
    BACKGROUND niceness and the lowest best-effort I/O priority. Called first thing by the
    indexer (``mediasift watch``), before it starts any thread: Linux keeps both per thread,
    and new threads inherit the creator's."""
    with contextlib.suppress(OSError):
        own = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, max(BACKGROUND, own))
    if sys.platform.startswith("linux"):
        import psutil

        try:
            psutil.Process().ionice(psutil.IOPRIO_CLASS_BE, IO_LEVEL)
        except (OSError, psutil.Error) as exc:
            log.info("I/O priority unchanged: %s", exc)
        _lower_own_session()


def _lower_own_session() -> None:
    """Where Linux shares the processor between sessions first (autogroup, on by default in
    many distributions), niceness orders threads only within their session: the indexer, in
    a session of its own as the window starts it, got as much of the processor as the whole
    window (GUI stalls of 50-100 ms through a burst, on two cores). A session leader lowers
    its session's group too; an indexer started in a terminal leaves the terminal's alone."""
    if os.getsid(0) != os.getpid():
        return
    try:
        Path(AUTOGROUP).write_text(str(BACKGROUND))
    except OSError as exc:  # no autogroup in this kernel: niceness already does it all
        log.debug("Session's group unchanged: %s", exc)
