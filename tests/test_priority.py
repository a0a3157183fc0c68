"""Background threads sit below their process, and stay there however often they are lowered
(pooled threads lower themselves for every task)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from mediasift.priority import BACKGROUND, BELOW, lower_this_thread


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
def test_a_thread_lowered_again_and_again_stays_below_its_process():
    seen = []

    def work() -> None:
        for _ in range(4):
            lower_this_thread()
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    process = os.getpriority(os.PRIO_PROCESS, os.getpid())
    assert seen == [min(19, max(BACKGROUND, process + BELOW))] * 4
