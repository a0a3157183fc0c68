"""The indexer's own wake-ups, counted per loop or timer: an idle indexer should wake only
for file events, and ``mediasift bench idle`` and the tests check that it does.

A process-wide tally (like a metrics registry): every loop that sleeps and wakes again
calls :func:`woke` once per wake-up, whichever object it belongs to.
"""

from __future__ import annotations

import threading
from collections import Counter

_counts: Counter[str] = Counter()
_lock = threading.Lock()


def woke(name: str) -> None:
    """One more wake-up of the loop or timer called ``name``."""
    with _lock:
        _counts[name] += 1


def counts() -> dict[str, int]:
    """Wake-ups so far, by loop."""
    with _lock:
        return dict(_counts)


def total() -> int:
    with _lock:
        return sum(_counts.values())
