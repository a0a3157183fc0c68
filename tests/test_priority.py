"""Background threads sit below their process, and stay there however often they are lowered
(pooled threads lower themselves for every task); an indexer in a session of its own lowers
its session too."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mediasift.priority import AUTOGROUP, BACKGROUND, BELOW, lower_this_thread


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


@pytest.mark.skipif(not os.access(AUTOGROUP, os.W_OK), reason="no autogroup to lower here")
def test_an_indexer_in_a_session_of_its_own_lowers_its_sessions_group():
    """As the window starts it: else its session shares the processor evenly with the window's,
    whatever the niceness of its threads. Started from a terminal, it leaves the terminal's."""
    said = (
        "from mediasift.priority import AUTOGROUP, run_in_background\n"
        "run_in_background()\n"
        "print(open(AUTOGROUP).read())"
    )

    def group_nice(**how) -> int:
        child = [sys.executable, "-c", said]
        done = subprocess.run(child, capture_output=True, text=True, check=True, **how)
        return int(done.stdout.split()[-1])  # "/autogroup-7 nice 10"

    assert group_nice(start_new_session=True) == BACKGROUND  # a new session's group starts at 0
    assert group_nice() == int(Path(AUTOGROUP).read_text().split()[-1])  # the test's own
