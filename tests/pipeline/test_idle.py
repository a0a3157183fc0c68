"""A watching indexer at rest and when a file lands: models let go after a quiet spell and
brought back by the next file, no wake-ups while idle, closed files read at once, files still
being written never read half-way; and the real ``mediasift watch`` process, which never
imports torch and runs at background priority."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from helpers import wait_for, write_image

from mediasift import wakeups
from mediasift.bench.idle import model_processes
from mediasift.config import Settings
from mediasift.ipc import ask
from mediasift.library import Library
from mediasift.pipeline.progress import Progress

SETTLE = 1.0
RELEASE_AFTER = 1.5
MIB = 1 << 20


@pytest.fixture(scope="module")
def resting(tmp_path_factory, tiny_clip, minilm):
    """A library watched with a short quiet spell; yields (library, folder, watch, jobs):
    ``jobs`` are the pipeline's jobs as the watcher submitted them."""
    root = tmp_path_factory.mktemp("idle")
    folder = root / "watched"
    folder.mkdir()
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0,
                        ocr=False, release_after=RELEASE_AFTER)  # fmt: skip
    with pytest.MonkeyPatch.context() as patch, Library(root / "home", settings) as lib:
        patch.setenv("HF_HUB_OFFLINE", "1")
        lib.add_folder(folder)
        watch = lib.watch(Progress(), settle=SETTLE)
        assert watch.reconciled.wait(30)
        jobs = []
        submit = watch.pipeline.submit
        patch.setattr(watch.pipeline, "submit", lambda job, *a: jobs.append(job) or submit(job, *a))
        yield lib, folder, watch, jobs
        watch.stop()


def indexed(lib: Library, path: Path) -> bool:
    row = lib.catalog.file_by_path(str(path))
    return row is not None and lib.catalog.file_vector(row["id"], lib._space_id) is not None


def held(jobs: list, path: Path) -> float:
    return next(job.held for job in jobs if job.path == str(path))


def test_a_closed_file_is_read_at_once_a_renamed_one_settles(resting):
    lib, folder, _, jobs = resting
    closed = write_image(folder / "closed.png", 1)  # written and closed by its writer
    wait_for(lambda: indexed(lib, closed), what="the closed file indexed")
    assert held(jobs, closed) < SETTLE / 2  # the pipeline's own account: no settle waited
    partial = write_image(folder / "download.png.part", 2, fmt="PNG")
    partial.rename(folder / "download.png")  # arrives by rename: no close seen under its name
    wait_for(lambda: indexed(lib, folder / "download.png"), what="the renamed file indexed")
    assert held(jobs, folder / "download.png") >= SETTLE


def test_a_file_kept_open_is_read_only_once_closed(resting):
    lib, folder, watch, jobs = resting
    data = write_image(folder.parent / "source.png", 9, size=(300, 200)).read_bytes()
    target = folder / "chunked.png"
    with target.open("wb") as fh:
        for start in range(0, len(data), len(data) // 3):
            fh.write(data[start : start + len(data) // 3])
            fh.flush()
            time.sleep(SETTLE * 1.3)  # longer than the settle: size and mtime hold still
        marker = write_image(folder / "marker.png", 5)  # its events come after the chunks'
        wait_for(lambda: indexed(lib, marker), what="the marker indexed")
        assert lib.catalog.file_by_path(str(target)) is None
    wait_for(lambda: indexed(lib, target), what="the closed file indexed")
    assert lib.catalog.file_by_path(str(target))["size"] == len(data)
    assert [job.path for job in jobs].count(str(target)) == 1
    assert watch.pipeline.summary.failed == []


def test_models_go_when_idle_and_come_back_with_the_next_file(resting):
    lib, folder, watch, _ = resting
    host = watch.models
    write_image(folder / "wakes-it.png", 20)
    wait_for(lambda: host.process is not None, what="the model process running")
    child = host.process.pid
    starts = host.starts
    assert psutil.Process(child).memory_info().rss > 100 * MIB  # torch and the models
    wait_for(lambda: host.process is None, timeout=RELEASE_AFTER + 30, what="models let go")
    assert not psutil.pid_exists(child)
    path = write_image(folder / "after-rest.png", 21)
    wait_for(lambda: indexed(lib, path), what="a file indexed after the rest")
    assert host.starts == starts + 1 and host.process is not None
    assert watch.pipeline.summary.failed == []


def test_an_idle_indexer_does_not_wake_up(resting):
    lib, folder, watch, _ = resting
    write_image(folder / "last.png", 30)
    wait_for(lambda: indexed(lib, folder / "last.png"))
    # Rest: the models' quiet spell ends, and the index is saved.
    wait_for(lambda: watch.models.process is None, timeout=RELEASE_AFTER + 30)
    wait_for(lambda: watch.pipeline.writer.save_due() is None, timeout=30)
    before = wakeups.counts()
    time.sleep(3.0)
    after = wakeups.counts()
    woke = {name: after[name] - before.get(name, 0) for name in after}
    assert sum(woke.values()) <= 1, woke


# --- the indexer as its own process ----------------------------------------------------------

HEAVY = ("torch", "transformers", "sentence_transformers", "onnxruntime", "rapidocr")
# ``mediasift watch --json`` in this interpreter; a line on stdin asks which heavy packages
# it has imported so far (answered as one JSON line among the watch's own).
WATCH = (
    "import json, sys, threading\nfrom mediasift.cli import main\n"
    "def answer():\n    for _ in sys.stdin:\n"
    f"        heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
    "        sys.stdout.write(json.dumps({'kind': 'modules', 'heavy': heavy}) + '\\n')\n"
    "        sys.stdout.flush()\n"
    "threading.Thread(target=answer, daemon=True).start()\n"
    "sys.exit(main(['watch', '--json', '--settle', '0.3']))"
)


class Indexer:
    """A ``mediasift watch`` process and the JSON lines it prints."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", WATCH], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.lines: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(json.loads(line))

    def heavy(self) -> list[str]:
        count = len(self.lines)
        self.process.stdin.write("?\n")
        self.process.stdin.flush()
        wait_for(lambda: any(m["kind"] == "modules" for m in self.lines[count:]))
        return next(m["heavy"] for m in self.lines[count:] if m["kind"] == "modules")

    def indexed(self, path: Path) -> bool:
        return any(m["kind"] == "indexed" and m["path"] == str(path) for m in self.lines)

    def models(self) -> list[psutil.Process]:
        return model_processes(psutil.Process(self.process.pid))

    def rss(self) -> int:
        """The indexer's memory with its model process's."""
        ours = psutil.Process(self.process.pid)
        return sum(p.memory_info().rss for p in [ours, *ours.children()])


def test_the_indexer_process_never_imports_torch_and_gives_memory_back(tmp_path, tiny_clip, minilm):
    home, folder = tmp_path / "home", tmp_path / "watched"
    folder.mkdir()
    with Library(home, Settings()) as lib:
        lib.add_folder(folder)
    Settings(model=str(tiny_clip), text_model=str(minilm), ocr=False,
             release_after=RELEASE_AFTER).save(home / "config.toml")  # fmt: skip
    indexer = Indexer({**os.environ, "MEDIASIFT_HOME": str(home)})
    try:
        wait_for(lambda: ask(home, {"op": "ping"}, timeout=2) is not None, timeout=120)
        first = write_image(folder / "first.png", 1)
        wait_for(lambda: indexer.indexed(first), timeout=60, what="the first file indexed")
        (model,) = indexer.models()
        busy = indexer.rss()
        ours = psutil.Process(indexer.process.pid)
        assert ours.nice() >= 10 and model.nice() >= 10  # background priority, inherited
        assert ours.ionice().ioclass == psutil.IOPRIO_CLASS_BE and ours.ionice().value == 7
        wait_for(lambda: not indexer.models(), timeout=RELEASE_AFTER + 30, what="models let go")
        idle = indexer.rss()
        assert idle < busy - 100 * MIB, (busy / MIB, idle / MIB)
        quiet = ask(home, {"op": "progress"})["progress"]["wakeups"]
        time.sleep(2.0)
        assert ask(home, {"op": "progress"})["progress"]["wakeups"] - quiet <= 1
        second = write_image(folder / "second.png", 2)
        wait_for(lambda: indexer.indexed(second), timeout=60, what="indexed after waking")
        assert indexer.heavy() == []
    finally:
        indexer.process.send_signal(signal.SIGTERM)
        indexer.process.wait(60)
