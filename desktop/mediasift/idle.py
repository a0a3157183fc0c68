"""Letting go of what an idle indexer does not need: a timer that fires once after a quiet
spell, and handing freed memory back to the system.

The timer's thread sleeps until the spell could be over, so a resource in use costs one
wake-up per spell and a released one none (the thread ends; the next use starts another).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable

from mediasift.wakeups import woke

log = logging.getLogger(__name__)


class IdleTimer:
    """Calls ``expire`` once ``after`` seconds passed since the last ``touch``. ``expire``
    decides under its own lock whether the resource is really unused; a use that ends calls
    ``touch`` again, which arms the timer anew."""

    def __init__(self, after: float, expire: Callable[[], None], name: str) -> None:
        self.after = after
        self.name = name
        self._expire = expire
        self._last = time.monotonic()
        self._armed = False
        self._disarmed = False
        self._cond = threading.Condition()

    def touch(self) -> None:
        """Something used the resource now: the quiet spell starts again from here."""
        with self._cond:
            self._last = time.monotonic()
            self._disarmed = False
            if not self._armed:
                self._armed = True
                threading.Thread(target=self._run, name=f"idle-{self.name}", daemon=True).start()

    def disarm(self) -> None:
        """No expiry until the next ``touch`` (the resource was let go some other way)."""
        with self._cond:
            self._disarmed = True
            self._cond.notify_all()

    def _run(self) -> None:
        with self._cond:
            while not self._disarmed:
                left = self._last + self.after - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
                woke(self.name)
            self._armed = False
            if self._disarmed:
                return
        self._expire()


def give_back_memory() -> None:
    """Collect garbage and return the C heap's free pages to the system (glibc keeps them
    otherwise, and the process's memory would not fall)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # musl and other C libraries: nothing to trim
            log.debug("malloc_trim is not available")
