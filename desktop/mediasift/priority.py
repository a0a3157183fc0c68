"""Thread priorities: background work yields the processor to what a person waits on."""

from __future__ import annotations

import contextlib
import os
import sys
import threading

#: Niceness of background threads (0 is normal, 19 the lowest).
BACKGROUND = 10


def lower_this_thread() -> None:
    """Run the calling thread at BACKGROUND niceness (Linux sets it per thread; elsewhere
    nothing), so the scheduler preempts it rather than a thread that must not wait."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND)
