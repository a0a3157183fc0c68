"""The window's figures, measured on the real widgets (offscreen unless a display is set).

- first paint: ``mediasift-gui``'s window, from process start to its first paint, on a large
  library (the models load afterwards, on the search thread);
- keystroke to results: each key typed into the field until the answer to that query is
  painted in the grid;
- GUI thread stalls: a 5 ms heartbeat timer on the GUI thread while a 10,000-result grid is
  scrolled, and while the real indexer process works through a burst of files; a stall is
  the longest gap between beats, less the beat.

The large library is built like ``bench query``'s (random vectors, one text segment per
file), with thumbnails, so tiles load real images.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mediasift.bench.data import bench_settings, photo
from mediasift.bench.query import WORDS, fill_library
from mediasift.bench.watch import stage_burst
from mediasift.config import Settings, cache_dir
from mediasift.library import Library
from mediasift.media.thumbs import save_thumbnail

log = logging.getLogger(__name__)

BEAT_MS = 5
#: How often a wait checks whether it is over (besides when a signal says so).
CHECK_MS = 20
THUMBNAILS = 64  # distinct thumbnails shared by the large library's files
# Started in a fresh process: prints seconds from its start to the window's first paint.
FIRST_PAINT = """
import sys, time
started = float(sys.argv[1])
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from mediasift.app.window import MainWindow
from mediasift.config import Settings
app = QApplication(sys.argv[:1])
window = MainWindow(Path(sys.argv[2]), Settings.load(), start_indexer=False)
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(time.time() - started, flush=True)
            app.quit()
        return False
spy = Painted()
window.installEventFilter(spy)
window.show()
app.exec()
"""


def _with_thumbnails(home: Path, count: int) -> None:
    """Give the built library's files content hashes with real thumbnails (shared)."""
    rng = np.random.default_rng(5)
    thumbs = home / "thumbs"
    for i in range(THUMBNAILS):
        save_thumbnail(photo(rng, 320, 240), thumbs, f"bench{i:04d}")
    with Library(home, Settings(ocr=False)) as lib, lib.catalog.transaction() as conn:
        conn.execute(f"UPDATE files SET hash = printf('bench%04d', id % {THUMBNAILS})")
    log.info("Thumbnails for %d files", count)


def _large_library(root: Path, settings: Settings, items: int) -> Path:
    home = root / f"gui-{items}"
    if not (home / "catalog.sqlite3").exists():
        fill_library(home, settings, items, per_file=1)
        _with_thumbnails(home, items)
    return home


def _first_paint(home: Path, settings: Settings, runs: int) -> dict:
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_CACHE": str(cache_dir()),
        "MEDIASIFT_MODEL": settings.model or "",
        "MEDIASIFT_TEXT_MODEL": settings.text_model or "",
    }
    times = []
    for _ in range(runs):
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", FIRST_PAINT, str(started), str(home)],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return {"median_s": round(statistics.median(times), 3), "worst_s": round(max(times), 3)}


class Heartbeat:
    """A timer on the GUI thread; ``longest_stall_ms`` is the worst gap beyond one beat."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.beats: list[float] = []
        self.timer = QTimer(interval=BEAT_MS)
        self.timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def __enter__(self) -> Heartbeat:
        self.beats.clear()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    @property
    def longest_stall_ms(self) -> float:
        gaps = np.diff(self.beats) * 1000 if len(self.beats) > 1 else [0.0]
        return round(max(0.0, float(np.max(gaps)) - BEAT_MS), 1)


def _wait(done: Callable[[], bool], timeout: float, woken_by=None) -> bool:
    """Serve the event loop until ``done()``, as the app's own loop does: Qt waits for events
    with the GIL let go. Checked every CHECK_MS, and at once when the signal ``woken_by``
    fires. (A Python loop of processEvents and 1 ms sleeps took the GIL back twice a
    millisecond, waits for it that the app itself never has.)"""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return True
    loop, deadline = QEventLoop(), time.monotonic() + timeout

    def check(*_) -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    timer = QTimer(interval=CHECK_MS)
    timer.timeout.connect(check)
    timer.start()
    if woken_by is not None:
        woken_by.connect(check)
    try:
        loop.exec()
    finally:
        timer.stop()
        if woken_by is not None:
            woken_by.disconnect(check)
    return done()


def _pump(seconds: float) -> None:
    """Serve the event loop for ``seconds`` (the heartbeat beats meanwhile)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def _answered(window, timeout: float = 120) -> None:
    shown = []
    window.searched.connect(shown.append)
    try:
        if not _wait(lambda: window.number in shown, timeout, window.searched):
            raise RuntimeError("a search was not answered in time")
    finally:
        window.searched.disconnect(shown.append)


def _keystrokes(app, window, queries: list[str]) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    latencies = []
    for text in queries:
        window.field.clear()
        app.processEvents()
        for char in text:
            started = time.perf_counter()
            QTest.keyClick(window.field, char)
            _answered(window)
            window.view.viewport().repaint()  # the answer painted, not just received
            latencies.append((time.perf_counter() - started) * 1000)
        QTest.keyClick(window.field, Qt.Key.Key_Space)
        _answered(window)
    return {
        "keystrokes": len(latencies),
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "max_ms": round(max(latencies), 1),
    }


def _scroll(window, results: int) -> dict:
    """Fill the grid with ``results`` results (search by example), then scroll to the end."""
    from mediasift.app.searching import Query

    first = window.model.results[0].path if window.model.results else None
    window._ask(Query(window.number + 1, like=first, limit=results))
    _answered(window)
    bar = window.view.verticalScrollBar()
    _wait(lambda: bar.maximum() > 0, 30)  # the grid lays out its items after a moment
    _pump(0.5)
    step = max(1, bar.pageStep() // 3)
    steps = range(0, bar.maximum() + step, step)
    started = time.perf_counter()
    with Heartbeat() as beat:
        for value in steps:
            bar.setValue(value)
            _pump(0.01)  # a fast wheel: ~100 steps of a third of a screen per second
        _wait(lambda: window.loader.pool.activeThreadCount() == 0, 30)
    return {
        "results": window.model.rowCount(),
        "scroll_steps": len(steps),
        "seconds": round(time.perf_counter() - started, 1),
        "heartbeats": len(beat.beats),
        "longest_gui_stall_ms": beat.longest_stall_ms,
    }


def _burst(root: Path, settings: Settings, files: int) -> dict:
    """The window with its real indexer process while ``files`` files land in its folder."""
    from mediasift.app.window import MainWindow

    home, folder, staging = root / "burst-home", root / "burst-folder", root / "burst-staged"
    for old in (home, folder, staging):
        shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True)
    staged = stage_burst(staging, files)
    with Library(home, settings) as lib:
        lib.add_folder(folder)
    os.environ.update({"MEDIASIFT_CACHE": str(cache_dir()), "MEDIASIFT_MODEL": settings.model,
                       "MEDIASIFT_TEXT_MODEL": settings.text_model or ""})  # fmt: skip
    window = MainWindow(home, settings)
    window.show()
    progress: list[dict] = []
    window.indexer.progress.connect(progress.append)
    try:
        if not _wait(lambda: progress and not progress[-1]["queued"], 300, window.indexer.progress):
            raise RuntimeError("the indexer did not start")
        window.field.setText("img")  # an open query: every commit refreshes the grid
        _answered(window)  # its first tiles painted (first paints are measured apart)
        _pump(1.0)
        started = time.perf_counter()
        with Heartbeat() as beat:
            # Another process lands the files, as a file manager or a camera import would:
            # copying 2,000 files here would block this GUI thread for 0.15-0.5 s by itself.
            copier = subprocess.Popen(["cp", "-t", str(folder), *map(str, staged)])
            done = _wait(lambda: copier.poll() is not None, 300) and _wait(
                lambda: progress[-1]["done"] >= files and not progress[-1]["queued"],
                900,
                window.indexer.progress,
            )
        seconds = time.perf_counter() - started
    finally:
        window.close()
        if window.indexer.process is not None:
            window.indexer.process.wait(timeout=120)
    return {
        "files": files,
        "indexed_in_s": round(seconds, 1),
        "finished": done,
        "longest_gui_stall_ms": beat.longest_stall_ms,
    }


def bench_gui(items: int, runs: int, burst: int, keep: Path | None) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from mediasift.app.window import MainWindow

    settings = bench_settings(ocr=False, threads=1)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        home = _large_library(root, settings, items)
        first_paint = _first_paint(home, settings, runs)
        window = MainWindow(home, settings, start_indexer=False)
        window.show()
        started = time.perf_counter()
        window.field.setText("warm")
        _answered(window, timeout=600)
        warm_s = time.perf_counter() - started
        rng = np.random.default_rng(3)
        queries = [" ".join(rng.choice(WORDS, size=2)) for _ in range(runs)]
        typing = _keystrokes(app, window, queries)
        scrolling = _scroll(window, 10_000)
        window.close()
        bursting = _burst(root, settings, burst)
    return {
        "items": items,
        "window_first_paint": first_paint,
        "first_search_with_model_load_s": round(warm_s, 2),
        "keystroke_to_painted_results": typing,
        "scrolling": scrolling,
        "indexer_burst": bursting,
    }
