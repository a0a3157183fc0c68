"""Live-folder figures: how soon a new screenshot is findable, and a burst dropped at once.

(a) Latency. A 1920x1080 screenshot-like PNG is written into a watched folder (write, close)
    and the clock runs from the close until ``Library.search`` returns its path: debounce,
    decode, thumbnail, encode and write included, polled every 20 ms. The same is measured
    from a second process (a fresh catalog connection and ``VectorIndex.open`` per poll, as
    ``mediasift search`` would do), which also sees whether the catalog commit alone suffices
    while the index file on disk lags behind.
(b) Burst. ``files`` small distinct images are copied into new subfolders as fast as
    possible; the inotify queue may overflow, and the watcher's rescan must catch what the
    events missed. Counted: files indexed, encodes (none twice), peak RSS growth over the
    baseline taken once the model is loaded and warmed up and the watch is running.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
from PIL import Image, ImageDraw, ImageFont

from mediasift.bench.data import bench_settings, photo
from mediasift.catalog import Catalog
from mediasift.index.vectors import VectorIndex
from mediasift.library import Library, LibraryError
from mediasift.pipeline.progress import Event, Progress
from mediasift.pipeline.watcher import Watch
from mediasift.search.engine import VectorSignal, nearest

log = logging.getLogger(__name__)

SETTLE_S = 0.5  # Library.watch's default
SAMPLES = 10
OTHER_PROCESS_SAMPLES = 2
POLL_S = 0.02
RSS_EVERY_S = 0.05
#: Give up on a sample (or the burst) when nothing happened for this long: a lost file.
SAMPLE_TIMEOUT_S = 30.0
STALL_S = 120.0
#: The burst counts as finished once everything is written and nothing moved for this long,
#: long enough for a queued overflow rescan (which sleeps ``settle`` first) to show up.
QUIET_S = 3.0
SUBFOLDERS = 4
QUERY = "a screenshot of an error dialog"
#: One word per sample in its dialog, so a search by words finds that sample only.
TOKENS = ("walrus", "pineapple", "tambourine", "lighthouse", "avalanche", "marzipan",
          "hedgehog", "origami", "glacier", "kaleidoscope")  # fmt: skip
MIB = 1 << 20

WORDS = (
    "permission", "denied", "error", "failed", "build", "deploy", "server", "request",
    "timeout", "config", "file", "open", "save", "cancel", "retry", "report", "user", "folder",
    "network", "upload", "download", "invoice", "chart", "revenue", "quarter", "meeting",
    "notes", "terminal", "output", "warning", "module", "import", "python",
)  # fmt: skip
THEMES = (  # background, panel, sidebar, text, accent
    ((250, 250, 250), (235, 235, 240), (244, 244, 247), (30, 30, 30), (0, 120, 215)),
    ((30, 30, 30), (45, 45, 48), (37, 37, 38), (212, 212, 212), (14, 99, 156)),
    ((255, 255, 255), (242, 242, 242), (248, 248, 248), (51, 51, 51), (217, 48, 37)),
)


# --- inputs ------------------------------------------------------------------------------


def screenshot_png(rng: np.random.Generator, index: int) -> bytes:
    """A screenshot-like 1920x1080 PNG: flat UI colours, anti-aliased text, an image preview
    and an error dialog, so its size (~0.3-1 MB) and decode cost resemble a real one."""
    width, height = 1920, 1080
    bg, panel, sidebar, ink, accent = THEMES[index % len(THEMES)]
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    small, body = ImageFont.load_default(14), ImageFont.load_default(16)
    draw.rectangle((0, 0, width, 36), fill=panel)
    draw.text((16, 9), f"Terminal - build #{index} - ~/projects/site", fill=ink, font=small)
    draw.rectangle((0, 36, 300, height), fill=sidebar)
    for row in range(28):
        name = " ".join(rng.choice(WORDS, size=2))
        draw.text((24, 56 + row * 34), f"{name}.txt", fill=ink, font=small)
    for row in range(40):
        line = " ".join(rng.choice(WORDS, size=int(rng.integers(4, 14))))
        colour = accent if rng.random() < 0.15 else ink
        draw.text((330, 52 + row * 25), f"{row + 1:4d}  {line}", fill=colour, font=body)
    image.paste(photo(rng, 480, 270), (1400, 60))
    box = (660, 380, 1260, 660)
    draw.rectangle((box[0] + 8, box[1] + 8, box[2] + 8, box[3] + 8), fill=(0, 0, 0))
    draw.rectangle(box, fill=panel, outline=accent, width=2)
    draw.rectangle((box[0], box[1], box[2], box[1] + 40), fill=accent)
    draw.text((box[0] + 16, box[1] + 10), "Error", fill=(255, 255, 255), font=body)
    message = f"Permission denied: cannot open the {TOKENS[index % len(TOKENS)]} report (errno 13)"
    draw.text((box[0] + 24, box[1] + 80), message, fill=ink, font=body)
    for i, label in enumerate(("Retry", "Cancel")):
        left = box[2] - 240 + i * 120
        draw.rectangle((left, box[3] - 60, left + 100, box[3] - 24), outline=accent, width=2)
        draw.text((left + 24, box[3] - 52), label, fill=ink, font=body)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def write_closed(path: Path, data: bytes) -> float:
    """Write a file the way a screenshot tool does (create, write, close); the close time."""
    with open(path, "wb") as fh:
        fh.write(data)
    return time.monotonic()


def stage_burst(folder: Path, count: int) -> list[Path]:
    """Small distinct JPEGs made ahead of time, so the drop itself is only file copies."""
    rng = np.random.default_rng(10_000)
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = folder / f"img-{i:05d}.jpg"
        photo(rng, 64, 48).save(path, "JPEG", quality=85)
        paths.append(path)
    return paths


# --- measuring ---------------------------------------------------------------------------


def rss() -> int:
    return psutil.Process().memory_info().rss


class PeakRss:
    """Samples this process's RSS in a thread: a burst's peak is short and easy to miss."""

    def __init__(self, every: float = RSS_EVERY_S):
        self.every = every
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def wait_until(found: Callable[[], bool], timeout: float = SAMPLE_TIMEOUT_S) -> float | None:
    """Poll ``found`` every POLL_S; the monotonic time it first held, None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found():
            return time.monotonic()
        time.sleep(POLL_S)
    return None


def summarize(latencies: list[float]) -> dict:
    if not latencies:
        return {"p50_s": None, "max_s": None}
    return {
        "p50_s": round(float(np.percentile(latencies, 50)), 3),
        "max_s": round(max(latencies), 3),
    }


# --- (a) latency ---------------------------------------------------------------------------


def latency_in_process(lib: Library, watch: Watch, folder: Path, samples: int) -> dict:
    """Close-to-findable seconds through the watching library's own ``search``: by look
    (its vector is in), then by the words OCR reads in it (the later text stage).

    The words are awaited through the pipeline's "text" event, then checked with one search:
    searching every 20 ms through the whole OCR would take a share of the 2 cores that OCR
    itself needs, and no person searches like that.
    """
    rng = np.random.default_rng(1)
    latencies, by_words, search_ms, sizes, lost = [], [], [], [], 0
    text_at: dict[str, float] = {}

    def on_event(event: Event) -> None:
        if event.kind == "text":
            text_at.setdefault(event.path, time.monotonic())

    watch.pipeline.progress.event_listeners.append(on_event)
    for i in range(samples):
        data = screenshot_png(rng, i)  # rendered before the clock starts
        path = folder / f"Screenshot {i:02d}.png"
        n = lib.catalog.counts()["files"] + 5

        def found(target: str = str(path), n: int = n) -> bool:
            started = time.perf_counter()
            hit = any(r.path == target for r in lib.search(QUERY, n=n).results)
            search_ms.append((time.perf_counter() - started) * 1000)
            return hit

        def read(target: str = str(path), word: str = TOKENS[i % len(TOKENS)]) -> bool:
            results = lib.search(f"{word} permission", n=5, only=frozenset({"words"})).results
            return any(r.path == target for r in results)

        closed = write_closed(path, data)
        seen = wait_until(found)
        if seen is None:
            lost += 1
            log.warning("%s was not findable within %.0f s", path, SAMPLE_TIMEOUT_S)
        else:
            latencies.append(seen - closed)
            log.info("%s findable after %.3f s", path.name, seen - closed)
        words_seen = None
        if lib.ocr() is not None and wait_until(lambda p=str(path): p in text_at):
            words_seen = text_at[str(path)] if read() else wait_until(read)
        if words_seen is not None:
            by_words.append(words_seen - closed)
            log.info("%s findable by its words after %.3f s", path.name, words_seen - closed)
        sizes.append(len(data))
        watch.pipeline.wait_idle(SAMPLE_TIMEOUT_S)
        time.sleep(0.3)  # let the tail of the events drain: samples stay independent
    return {
        **summarize(latencies),
        "samples": samples,
        "not_found": lost,
        "all_s": [round(x, 3) for x in latencies],
        "by_words": {**summarize(by_words), "found": len(by_words)},
        "png_mean_kb": round(sum(sizes) / len(sizes) / 1024),
        "search_call_p50_ms": round(float(np.percentile(search_ms, 50)), 1),
    }


def poll_other_process() -> None:
    """Child-process entry: open catalog + index afresh each poll until a path shows up.

    argv: home space_id dim vector.npy target n timeout. Prints ``ready``, then the
    monotonic time it first found the target (``lost`` on timeout) and its mean poll ms.
    """
    home, space_id, dim, vector_file, target, n, timeout = sys.argv[1:8]
    vector = np.load(vector_file)
    polls: list[float] = []

    def found() -> bool:
        started = time.perf_counter()
        catalog = Catalog(Path(home) / "catalog.sqlite3")
        try:
            vindex = VectorIndex(Path(home) / "index", int(space_id), int(dim))
            vindex.open(catalog)
            look = VectorSignal(vindex, lambda _: vector, floor=-1.0, ceiling=1.0)
            return any(r.path == target for r in nearest(catalog, look, vector, int(n)))
        finally:
            catalog.close()
            polls.append((time.perf_counter() - started) * 1000)

    found()  # warm imports and caches before saying ready
    print("ready", flush=True)
    sys.stdin.readline()  # the parent writes the file, then says go
    seen = wait_until(found, float(timeout))
    print(json.dumps({"seen": seen, "poll_ms": sum(polls) / len(polls)}), flush=True)


def latency_other_process(lib: Library, watch: Watch, folder: Path, samples: int) -> dict:
    """Close-to-findable seconds seen by a second process that reopens the library per poll."""
    rng = np.random.default_rng(2)
    vindex = lib.vector_index()
    assert vindex is not None and lib.encoder() is not None
    latencies, poll_ms, lost = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        vector_file = Path(tmp) / "query.npy"
        np.save(vector_file, lib.encoder().encode_texts([QUERY])[0])
        for i in range(samples):
            data = screenshot_png(rng, 100 + i)
            path = folder / f"Screenshot other-{i:02d}.png"
            n = lib.catalog.counts()["files"] + 5
            args = [lib.home, vindex.space_id, vindex.dim, vector_file, path, n, SAMPLE_TIMEOUT_S]
            child = subprocess.Popen(
                [sys.executable, "-c", "from mediasift.bench.watch import poll_other_process;"
                 " poll_other_process()", *map(str, args)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert child.stdin is not None and child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("the polling process did not start")
            closed = write_closed(path, data)
            child.stdin.write("go\n")
            child.stdin.flush()
            answer = json.loads(child.stdout.readline())
            child.wait()
            poll_ms.append(answer["poll_ms"])
            if answer["seen"] is None:
                lost += 1
            else:
                latencies.append(answer["seen"] - closed)
                log.info("Other process found %s after %.3f s", path.name, latencies[-1])
            watch.pipeline.wait_idle(SAMPLE_TIMEOUT_S)
            time.sleep(0.3)
    return {
        **summarize(latencies),
        "samples": samples,
        "not_found": lost,
        "all_s": [round(x, 3) for x in latencies],
        "reopen_and_query_mean_ms": round(float(np.mean(poll_ms)), 1),
    }


# --- (b) burst -----------------------------------------------------------------------------


def drop(staged: list[Path], folder: Path) -> float:
    """Copy the staged files into new subfolders as fast as possible; seconds taken."""
    started = time.monotonic()
    targets = [folder / f"drop-{k}" for k in range(SUBFOLDERS)]
    for target in targets:
        target.mkdir()
    for i, path in enumerate(staged):
        shutil.copyfile(path, targets[i % SUBFOLDERS] / path.name)
    return time.monotonic() - started


def burst_done(monitor: Catalog, folder: Path) -> int:
    """Files of the burst that are indexed with their vector (the user can find them).

    Read through its own connection, so it sees committed work only and never steps into
    the writer's open transaction.
    """
    row = monitor.db.conn.execute(
        "SELECT count(*) FROM files f JOIN segments s ON s.file_id = f.id"
        " JOIN vectors v ON v.segment_id = s.id WHERE f.path >= ? AND f.path < ?",
        (f"{folder}/drop-", f"{folder}/drop."),
    ).fetchone()
    return int(row[0])


def wait_burst(monitor: Catalog, watch: Watch, folder: Path, files: int) -> tuple[int, float, bool]:
    """Wait until every burst file is indexed and the watch has been quiet for QUIET_S.

    Returns (files indexed, monotonic time of the last one, stalled): stalled when nothing
    progressed for STALL_S, i.e. files the watcher never handed on (a real bug, reported
    rather than waited on forever).
    """
    last, moved_at, logged_at = -1, time.monotonic(), 0.0
    while True:
        done = burst_done(monitor, folder)
        now = time.monotonic()
        if done != last:
            last, moved_at = done, now
        if now - logged_at > 30:
            logged_at = now
            rate = watch.pipeline.progress.rate
            log.info("Burst: %d/%d indexed (%.1f files/s)", done, files, rate)
        quiet = len(watch.watcher.debouncer) == 0 and watch.pipeline.wait_idle(0)
        if done >= files and quiet and now - moved_at >= QUIET_S:
            return done, moved_at, False
        if now - moved_at >= STALL_S:
            return done, moved_at, True
        time.sleep(0.5)


def burst(lib: Library, watch: Watch, folder: Path, staged: list[Path], baseline: int) -> dict:
    """Drop the staged files at once and follow them until all are indexed."""
    pipeline = watch.pipeline
    encoded_before = pipeline.summary.encoded
    failed_before = len(pipeline.summary.failed)
    rss_before = rss()
    monitor = Catalog(lib.catalog.path)
    try:
        with PeakRss() as peak:
            started = time.monotonic()
            drop_s = drop(staged, folder)
            done, finished, stalled = wait_burst(monitor, watch, folder, len(staged))
    finally:
        monitor.close()
    seconds = finished - started
    encoded = pipeline.summary.encoded - encoded_before
    return {
        "files": len(staged),
        "indexed": done,
        "stalled": stalled,
        "encoded": encoded,
        "encoded_twice": encoded - done,
        "failed": len(pipeline.summary.failed) - failed_before,
        "drop_s": round(drop_s, 2),
        "seconds": round(seconds, 1),
        "files_per_s": round(done / seconds, 2) if seconds > 0 else None,
        "rss_before_burst_mib": round(rss_before / MIB),
        "peak_rss_mib": round(peak.peak / MIB),
        "peak_growth_mib": round((peak.peak - baseline) / MIB),
    }


# --- the benchmark -------------------------------------------------------------------------


def start_watch(lib: Library, notices: list[Event]) -> Watch:
    """Start the watch like the app does and wait for its start-up scan."""
    progress = Progress()

    def keep_notice(event: Event) -> None:
        if event.kind == "notice":
            notices.append(event)

    progress.event_listeners.append(keep_notice)
    watch = lib.watch(progress, settle=SETTLE_S)
    if not watch.reconciled.wait(60):
        raise RuntimeError("the watch's start-up scan did not finish")
    return watch


def warm_up(lib: Library) -> float:
    """Load the model and run it once on each tower, as a long-running app would have."""
    started = time.perf_counter()
    encoder = lib.encoder()
    if encoder is None:
        raise LibraryError(lib.model_error)
    encoder.encode_prepared([encoder.prepare_image(Image.new("RGB", (224, 224)))])
    lib.search(QUERY)
    return time.perf_counter() - started


def bench_watch(files: int, model: str | None) -> dict:
    """Both figures of the live-folder issue, on this machine, with one watching library."""
    settings = bench_settings(model, min_score=-1.0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        folder = root / "watched"
        folder.mkdir()
        staged = stage_burst(root / "staged", files)
        log.info("Staged %d burst files", files)
        notices: list[Event] = []
        with Library(root / "home", settings) as lib:
            lib.add_folder(folder)
            load_s = warm_up(lib)
            watch = start_watch(lib, notices)
            baseline = rss()
            try:
                in_process = latency_in_process(lib, watch, folder, SAMPLES)
                other = latency_other_process(lib, watch, folder, OTHER_PROCESS_SAMPLES)
                dropped = burst(lib, watch, folder, staged, baseline)
                polling = list(watch.watcher.polling)
            finally:
                watch.stop()
    lost_events = [n for n in notices if "lost" in (n.detail or "")]
    return {
        "model": settings.model,
        "cpu_cores": os.cpu_count(),
        "settle_s": SETTLE_S,
        "model_load_and_warm_up_s": round(load_s, 2),
        "latency": in_process,
        "latency_other_process": other,
        "burst": dropped,
        "overflow_rescans": len(lost_events),
        "polling_folders": polling,
        "baseline_rss_mib": round(baseline / MIB),
    }
