"""The watching indexer at rest and when a file lands, measured on the real indexer process
(``mediasift watch --json``) from outside, with psutil and its own JSON events.

(a) Landing: a 1920x1080 screenshot written and closed (bench.watch.screenshot_png), from the
    close to the indexer's "indexed" event, ``samples`` times with the models warm (each
    sample waits until the indexer has nothing queued, OCR included). A file written in
    chunks with pauses longer than the settle and kept open must be read only once closed.
(b) Rest: after ``release_after`` quiet seconds the model process ends; the indexer's
    resident memory then (and, apart, multiprocessing's small resource tracker).
(c) Idle: CPU seconds of the indexer and its children over ``idle`` seconds; wake-ups per
    second, as the OS counts them (context switches of all its threads) and as the indexer
    counts its own loops (mediasift.wakeups, read over its socket).
(d) Waking: the next screenshot, from its close to indexed, the models loading again.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

from mediasift.bench.commands import mediasift_command
from mediasift.bench.data import bench_settings
from mediasift.bench.watch import MIB, screenshot_png, summarize, write_closed
from mediasift.config import cache_dir
from mediasift.ipc import ask
from mediasift.library import Library

log = logging.getLogger(__name__)

SETTLE_S = 0.5  # mediasift watch's default
START_TIMEOUT_S = 300.0
FILE_TIMEOUT_S = 120.0


def model_processes(indexer: psutil.Process) -> list[psutil.Process]:
    """The indexer's model process, while it runs (multiprocessing's resource tracker is not
    one, nor a model process that ended and is not reaped yet)."""
    found = []
    for child in indexer.children():
        with contextlib.suppress(psutil.Error):  # ended meanwhile
            if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
    return found


class Indexer:
    """A ``mediasift watch --json`` process; when each path's "indexed" event arrived."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, "MEDIASIFT_HOME": str(home), "MEDIASIFT_CACHE": str(cache_dir())}
        self.home = home
        self.process = subprocess.Popen(
            [*mediasift_command(), "watch", "--json", "--settle", str(SETTLE_S)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.psutil = psutil.Process(self.process.pid)
        self.indexed: dict[str, float] = {}
        self._seen = threading.Condition()
        threading.Thread(target=self._read, name="indexer-output", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if message.get("kind") == "indexed":
                with self._seen:
                    self.indexed.setdefault(message["path"], time.monotonic())
                    self._seen.notify_all()

    def wait_indexed(self, path: Path, timeout: float = FILE_TIMEOUT_S) -> float | None:
        """When the indexer said ``path`` was indexed (None: not within ``timeout``)."""
        with self._seen:
            self._seen.wait_for(lambda: str(path) in self.indexed, timeout)
            return self.indexed.get(str(path))

    def ask(self, op: str) -> dict:
        reply = ask(self.home, {"op": op}, timeout=30)
        if reply is None:
            raise RuntimeError(f"the indexer did not answer {op!r}")
        return reply

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while ask(self.home, {"op": "ping"}, timeout=5) is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the indexer did not start answering")
            time.sleep(0.2)

    def wait_quiet(self) -> None:
        """Until nothing is queued (OCR and text of the last file included)."""
        while self.ask("progress")["progress"]["queued"]:
            time.sleep(0.2)

    def model_processes(self) -> list[psutil.Process]:
        return model_processes(self.psutil)

    def cpu_seconds(self) -> float:
        """CPU time of the indexer and of its children alive now."""
        total = 0.0
        for proc in [self.psutil, *self.psutil.children()]:
            times = proc.cpu_times()
            total += times.user + times.system
        return total

    def context_switches(self) -> int:
        """Every thread's wake-ups as the OS counts them (voluntary + involuntary switches)."""
        total = 0
        for proc in [self.psutil, *self.psutil.children()]:
            for task in Path(f"/proc/{proc.pid}/task").iterdir():
                for line in (task / "status").read_text().splitlines():
                    if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")):
                        total += int(line.split()[1])
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(120)
        except subprocess.TimeoutExpired:
            self.process.kill()


def land(indexer: Indexer, folder: Path, rng: np.random.Generator, name: str) -> float | None:
    """Write and close one screenshot; seconds from its close to indexed."""
    path = folder / f"{name}.png"
    closed = write_closed(path, screenshot_png(rng, int(rng.integers(1000))))
    seen = indexer.wait_indexed(path)
    return None if seen is None else seen - closed


def still_written(indexer: Indexer, folder: Path) -> dict:
    """A file written in three chunks, pausing twice the settle, kept open in between."""
    data = screenshot_png(np.random.default_rng(7), 7)
    path = folder / "still-being-written.png"
    with path.open("wb") as fh:
        for start in range(0, len(data), len(data) // 3 + 1):
            fh.write(data[start : start + len(data) // 3 + 1])
            fh.flush()
            time.sleep(2 * SETTLE_S)
        while_open = str(path) in indexer.indexed
    closed = time.monotonic()
    seen = indexer.wait_indexed(path)
    return {"indexed_while_open": while_open,
            "after_close_s": None if seen is None else round(seen - closed, 3)}  # fmt: skip


def wait_released(indexer: Indexer, timeout: float) -> float | None:
    """Seconds until the model process is gone (None: still there after ``timeout``)."""
    started = time.monotonic()
    while indexer.model_processes():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.5)
    return time.monotonic() - started


def bench_idle(
    model: str | None, samples: int, idle: float, release_after: float, ocr: bool
) -> dict:
    settings = bench_settings(model, min_score=-1.0, ocr=ocr, release_after=release_after)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        home, folder = root / "home", root / "watched"
        folder.mkdir()
        with Library(home, settings) as lib:
            lib.add_folder(folder)
        settings.save(home / "config.toml")
        rng = np.random.default_rng(1)
        indexer = Indexer(home)
        try:
            indexer.wait_ready()
            first = land(indexer, folder, rng, "Screenshot first")
            indexer.wait_quiet()
            busy = [indexer.psutil, *indexer.model_processes()]
            busy_rss = sum(p.memory_info().rss for p in busy)
            latencies = []
            for i in range(samples):
                latency = land(indexer, folder, rng, f"Screenshot {i:02d}")
                if latency is not None:
                    latencies.append(latency)
                    log.info("Screenshot %d indexed %.3f s after its close", i, latency)
                indexer.wait_quiet()
                time.sleep(0.3)
            growing = still_written(indexer, folder)
            indexer.wait_quiet()
            released = wait_released(indexer, release_after + 120)
            time.sleep(2.0)  # what the release freed is handed back
            rest_rss = indexer.psutil.memory_info().rss
            others = sum(p.memory_info().rss for p in indexer.psutil.children())
            torch_mapped = any("libtorch" in m.path for m in indexer.psutil.memory_maps())
            cpu, switches = indexer.cpu_seconds(), indexer.context_switches()
            own = indexer.ask("progress")["progress"]["wakeups"]
            time.sleep(idle)
            own = indexer.ask("progress")["progress"]["wakeups"] - own
            cpu, switches = indexer.cpu_seconds() - cpu, indexer.context_switches() - switches
            woken = land(indexer, folder, rng, "Screenshot after rest")
        finally:
            indexer.stop()
    return {
        "model": settings.model,
        "cpu_cores": os.cpu_count(),
        "settle_s": SETTLE_S,
        "ocr": ocr,
        "first_file_s": None if first is None else round(first, 2),
        "closed_screenshot_to_indexed": {
            **summarize(latencies),
            "samples": samples,
            "all_s": [round(x, 3) for x in latencies],
        },
        "still_being_written": growing,
        "rss_with_models_mib": round(busy_rss / MIB),
        "release_after_s": release_after,
        "models_released_after_quiet_s": None if released is None else round(released, 1),
        "idle_rss_mib": round(rest_rss / MIB),
        "resource_tracker_rss_mib": round(others / MIB),
        "torch_in_indexer_process": torch_mapped,
        "idle_s": idle,
        "idle_cpu_s": round(cpu, 3),
        "idle_os_wakeups_per_s": round(switches / idle, 2),
        "idle_own_wakeups_per_s": round(own / idle, 3),
        "wake_to_indexed_s": None if woken is None else round(woken, 2),
    }
