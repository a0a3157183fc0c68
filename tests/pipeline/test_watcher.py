"""Live folders with real watchdog observers on temp folders, real pipeline threads.

Tests wait for what must happen, never for a fixed time; one that says something did not
happen first waits for a later event that proves the watcher got that far.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import wait_for, write_image

from mediasift.ipc import ask
from mediasift.pipeline.progress import Progress
from mediasift.pipeline.scanner import MISSING_FOLDER

SETTLE = 0.3


def settled(watch) -> None:
    """Wait until all the watcher has seen so far is written."""
    wait_for(lambda: watch.watcher.idle and watch.pipeline.wait_idle(0), what="all written")


def writes_done(watch) -> None:
    """Wait until the writes queued so far are done (the writer works while paused too)."""
    done = threading.Event()
    watch.pipeline.call(done.set)
    assert done.wait(20), "the writer never got there"


def no_inotify(monkeypatch) -> None:
    """Native file events fail as they do past the inotify watch limit."""
    from watchdog.observers.inotify_c import InotifyFD

    def refuse(*args, **kwargs):
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(InotifyFD, "add_callback", refuse)


def overflow_the_kernel_queue(folder: Path, monkeypatch) -> None:
    """Make the kernel drop events for real: its inotify reader is held while more events
    than its queue holds are made (the reader then gets IN_Q_OVERFLOW, as under a burst)."""
    from mediasift.pipeline.inotify import LostEvents

    held, release = threading.Event(), threading.Event()

    def hold(self, event) -> None:  # on the reader thread, for an event of the folder
        held.set()
        release.wait()

    monkeypatch.setattr(LostEvents, "on_event", hold)
    a, b = folder / ".flood-a", folder / ".flood-b"  # hidden: never indexed
    a.touch()
    b.touch()
    assert held.wait(10), "the reader never got an event"
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    for _ in range(limit // 2 + 1):  # alternating, so the kernel cannot merge them
        os.utime(a)
        os.utime(b)
    release.set()


def embedded(lib, path: Path) -> bool:
    row = lib.catalog.file_by_path(str(path))
    return row is not None and lib.catalog.file_vector(row["id"], lib._space_id) is not None


def vector_of(lib, path: Path) -> int:
    (vid,) = lib.catalog.db.execute(
        "SELECT v.id FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " JOIN files f ON f.id = s.file_id WHERE f.path = ?",
        [str(path)],
    ).fetchone()
    return vid


@pytest.fixture
def live(library, tmp_path):
    """A watched empty folder; yields (library, folder, watch, events)."""
    yield from _watching(library, tmp_path)


@pytest.fixture
def live_ocr(library, tmp_path):
    """The same, with text in images read (OCR)."""
    library.settings.ocr = True
    yield from _watching(library, tmp_path)


def _watching(library, tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    library.add_folder(folder)
    progress = Progress()
    events = []
    progress.event_listeners.append(events.append)
    watch = library.watch(progress, settle=SETTLE)
    assert watch.reconciled.wait(10)
    yield library, folder, watch, events
    watch.stop()


def test_created_file_is_indexed_and_searchable(live):
    lib, folder, _watch, _ = live
    path = write_image(folder / "new.png", 1)
    wait_for(lambda: embedded(lib, path), what="new file indexed")
    assert str(path) in {r.path for r in lib.search("x").results}


def test_modified_file_is_reencoded(live):
    lib, folder, watch, _ = live
    path = write_image(folder / "a.png", 1)
    wait_for(lambda: embedded(lib, path))
    first = lib.catalog.file_by_path(str(path))["hash"]
    write_image(path, 2)
    wait_for(lambda: (lib.catalog.file_by_path(str(path)) or {}).get("hash") not in (None, first))
    wait_for(lambda: embedded(lib, path))
    assert watch.pipeline.summary.encoded == 2


def test_rename_and_move_update_paths_without_reencoding(live):
    lib, folder, watch, _ = live
    path = write_image(folder / "a.png", 1)
    wait_for(lambda: embedded(lib, path))
    vid = vector_of(lib, path)
    (folder / "sub").mkdir()
    target = folder / "sub" / "renamed.png"
    path.rename(target)
    wait_for(lambda: lib.catalog.file_by_path(str(target)) is not None, what="rename")
    settled(watch)
    assert lib.catalog.file_by_path(str(path)) is None
    assert vector_of(lib, target) == vid
    assert watch.pipeline.summary.encoded == 1


def test_deleted_and_moved_out_files_leave_the_index(live, tmp_path):
    lib, folder, _watch, _ = live
    a, b = write_image(folder / "a.png", 1), write_image(folder / "b.png", 2)
    wait_for(lambda: embedded(lib, a) and embedded(lib, b))
    assert len(list(lib.thumbs.rglob("*.jpg"))) == 2
    a.unlink()
    b.rename(tmp_path / "outside.png")
    wait_for(lambda: lib.catalog.counts()["files"] == 0, what="removals")
    assert lib.search("x").results == []
    assert lib.vector_index().live_count == 0
    assert list(lib.thumbs.rglob("*.jpg")) == []  # thumbnails go with their files


def test_folder_rename_is_one_update_not_reencodes(live):
    lib, folder, watch, _ = live
    for i in range(40):
        write_image(folder / "trip" / f"p{i:02d}.png", i, size=(40, 30))
    wait_for(lambda: watch.pipeline.summary.encoded == 40, what="40 encoded")
    (folder / "trip").rename(folder / "holiday 2024")
    wait_for(lambda: lib.catalog.file_by_path(str(folder / "holiday 2024" / "p07.png")) is not None)
    settled(watch)
    assert lib.catalog.paths_under(str(folder / "trip")) == []
    assert len(lib.catalog.paths_under(str(folder / "holiday 2024"))) == 40
    assert watch.pipeline.summary.encoded == 40


def test_slowly_written_file_is_indexed_once_when_complete(live):
    lib, folder, watch, events = live
    source = write_image(folder.parent / "source.png", 9, size=(300, 200))
    data = source.read_bytes()
    target = folder / "recording.png"
    with target.open("wb") as fh:
        for start in range(0, len(data), len(data) // 8):
            fh.write(data[start : start + len(data) // 8])
            fh.flush()
            time.sleep(SETTLE / 3)
    wait_for(lambda: embedded(lib, target))
    settled(watch)
    assert lib.catalog.file_by_path(str(target))["size"] == len(data)
    assert watch.pipeline.summary.failed == []
    assert [e.kind for e in events if e.path == str(target)] == ["indexed"]


def test_temporary_and_partial_files_are_ignored_until_renamed(live):
    lib, folder, watch, _ = live
    partial = write_image(folder / "download.png.part", 3, fmt="PNG")
    write_image(folder / ".hidden" / "x.png", 4)
    marker = write_image(folder / "marker.png", 5)  # its events come after theirs
    wait_for(lambda: embedded(lib, marker), what="the marker indexed")
    settled(watch)
    assert lib.catalog.paths_under(str(folder)) == [str(marker)]
    final = folder / "download.png"
    partial.rename(final)
    wait_for(lambda: embedded(lib, final), what="renamed download indexed")


def test_burst_of_2000_files_all_indexed_none_twice(live):
    lib, folder, watch, _ = live
    for i in range(2000):
        write_image(folder / f"d{i // 500}" / f"burst{i:04d}.png", i, size=(16, 16))
    wait_for(lambda: lib.catalog.counts()["vectors"] == 2000, timeout=120, what="2000 vectors")
    settled(watch)
    counts = lib.catalog.counts()
    assert counts["files"] == 2000 and counts["vectors"] == 2000
    assert watch.pipeline.summary.encoded == 2000


def test_file_deleted_while_being_encoded(live):
    lib, folder, watch, _ = live
    path = folder / "fleeting.png"
    encoder = lib._encoder
    original = encoder.encode_prepared

    def delete_then_encode(items):  # the file disappears mid-encode
        path.unlink(missing_ok=True)
        time.sleep(SETTLE)
        return original(items)

    encoder.encode_prepared = delete_then_encode
    try:
        write_image(path, 5)
        wait_for(lambda: watch.pipeline.progress.done == 1, what="outcome written")
    finally:
        encoder.encode_prepared = original
    assert watch.pipeline.wait_idle(5)
    assert lib.catalog.counts()["vectors"] == 0
    assert lib.search("x").results == []


def test_new_files_go_ahead_of_the_backlog(library, tmp_path):
    folder = tmp_path / "watched"
    for i in range(60):
        write_image(folder / f"old{i:02d}.png", i)
    library.add_folder(folder)
    progress = Progress()
    order = []
    progress.event_listeners.append(lambda e: order.append(Path(e.path).name))
    watch = library.watch(progress, settle=SETTLE)
    try:
        watch.pipeline.pause()
        wait_for(lambda: progress.total >= 60, what="backlog queued")
        write_image(folder / "fresh.png", 999)
        wait_for(lambda: progress.total >= 61, what="live file queued")
        # Reads in flight when the pause took hold are written first (a closed file is queued
        # at once, so some may still be on their way): count them in.
        in_line = watch.pipeline._jobs.qsize
        wait_for(lambda: progress.done + in_line() == progress.total, what="reads in flight")
        before = len(order)
        watch.pipeline.resume()
        wait_for(lambda: len(order) >= 61, what="all indexed")
    finally:
        watch.stop()
    # After the resume, at most the decodes already in flight come before the new file.
    assert "fresh.png" in order[: before + 3]


def test_pause_holds_work_and_resume_finishes_it(live):
    lib, folder, watch, _ = live
    watch.pipeline.pause()
    path = write_image(folder / "held.png", 1)
    wait_for(lambda: watch.pipeline.progress.total == 1, what="the file queued")
    assert not watch.pipeline.wait_idle(SETTLE * 4)  # held: it would return once written
    assert watch.pipeline.progress.done == 0 and not embedded(lib, path)
    assert watch.pipeline.progress.as_dict()["paused"]
    watch.pipeline.resume()
    wait_for(lambda: embedded(lib, path))


def test_changes_while_closed_are_reconciled_on_start(library, tmp_path):
    folder = tmp_path / "watched"
    keep = write_image(folder / "keep.png", 1)
    library.add_folder(folder)
    library.index()
    vid = vector_of(library, keep)
    keep.rename(folder / "kept.png")
    write_image(folder / "added.png", 2)
    watch = library.watch(settle=SETTLE)
    try:
        assert watch.reconciled.wait(20)
    finally:
        watch.stop()
    assert embedded(library, folder / "added.png")
    assert library.catalog.file_by_path(str(keep)) is None
    assert vector_of(library, folder / "kept.png") == vid
    assert (watch.pipeline.summary.moved, watch.pipeline.summary.encoded) == (1, 1)


def test_unreadable_folder_is_reported_and_the_rest_indexed(library, tmp_path, monkeypatch):
    folder = tmp_path / "watched"
    write_image(folder / "fine.png", 1)
    locked = folder / "locked"
    write_image(locked / "secret.png", 2)
    if os.geteuid() == 0:  # root reads any folder: make listing it fail as it would for a user
        real_scandir = os.scandir

        def deny(path):
            if str(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr("mediasift.pipeline.scanner.os.scandir", deny)
    else:
        locked.chmod(0)
    library.add_folder(folder)
    watch = library.watch(settle=SETTLE)
    try:
        wait_for(lambda: embedded(library, folder / "fine.png"))
        wait_for(lambda: watch.pipeline.summary.failed, what="failure reported")
    finally:
        watch.stop()
        locked.chmod(0o755)
    assert "Permission denied" in watch.pipeline.summary.failed[0]["reason"]


def test_falls_back_to_polling_when_native_events_fail(library, tmp_path, monkeypatch):
    no_inotify(monkeypatch)
    folder = tmp_path / "share"
    folder.mkdir()
    library.add_folder(folder)
    progress = Progress()
    notices = []
    progress.event_listeners.append(lambda e: e.kind == "notice" and notices.append(e.detail))
    watch = library.watch(progress, settle=SETTLE)
    try:
        assert watch.watcher.polling == [str(folder)]
        assert "polling" in notices[0] and "inotify" in notices[0]
        path = write_image(folder / "via-polling.png", 1)
        wait_for(lambda: embedded(library, path), what="indexed through polling")
    finally:
        watch.stop()


def test_copy_of_tree_into_library_is_indexed(live, tmp_path):
    _lib, folder, watch, _ = live
    outside = tmp_path / "camera"
    for i in range(5):
        write_image(outside / f"c{i}.png", i)
    shutil.move(str(outside), str(folder / "camera"))
    wait_for(lambda: watch.pipeline.summary.encoded == 5, what="moved-in folder indexed")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify")
def test_lost_events_are_caught_by_rescans_even_during_a_backlog(live, monkeypatch):
    lib, folder, watch, events = live
    monkeypatch.setattr(watch.watcher, "handle", lambda *event: None)  # only a rescan sees files
    watch.pipeline.pause()  # a long backlog: the first rescan's files stay queued
    for batch, first in (("a", 0), ("b", 100)):
        for i in range(30):
            write_image(folder / f"{batch}{i:02d}.png", first + i, size=(16, 16))
        overflow_the_kernel_queue(folder, monkeypatch)
        queued = 30 if batch == "a" else 60
        wait_for(lambda n=queued: watch.pipeline.progress.total == n, what=f"{batch} rescanned")
    watch.pipeline.resume()
    wait_for(lambda: lib.catalog.counts()["vectors"] == 60, what="all 60 indexed")
    assert watch.pipeline.summary.encoded == 60
    rescans = [e for e in events if e.kind == "notice" and "lost" in e.detail]
    assert len(rescans) == 2


def test_edit_then_rename_reads_the_new_content(live):
    lib, folder, _, _ = live
    path = write_image(folder / "a.png", 1)
    wait_for(lambda: embedded(lib, path))
    write_image(path, 2, size=(100, 70))  # edited, then renamed before it settled
    target = folder / "b.png"
    path.rename(target)
    from mediasift.pipeline.probe import file_digest

    wait_for(
        lambda: (
            (lib.catalog.file_by_path(str(target)) or {}).get("hash") == file_digest(str(target))
        ),
        what="the edited content indexed under the new name",
    )
    assert lib.catalog.file_by_path(str(path)) is None


def test_change_while_in_flight_is_read_again(live):
    lib, folder, _, _ = live
    path = folder / "busy.png"
    encoder = lib._encoder
    original = encoder.encode_prepared
    started = []

    def slow(items):
        started.append(1)
        time.sleep(SETTLE * 3)
        return original(items)

    encoder.encode_prepared = slow
    try:
        write_image(path, 1)
        wait_for(lambda: started, what="encoding started")
        write_image(path, 2, size=(90, 60))  # saved again while the first version encodes
        from mediasift.pipeline.probe import file_digest

        wait_for(
            lambda: (
                (lib.catalog.file_by_path(str(path)) or {}).get("hash") == file_digest(str(path))
            ),
            what="second version indexed",
        )
    finally:
        encoder.encode_prepared = original


def test_file_deleted_while_queued_leaves_no_ghost_row(live):
    lib, folder, watch, _ = live
    watch.pipeline.pause()
    path = write_image(folder / "queued.png", 1)
    wait_for(lambda: watch.pipeline.progress.total == 1, what="queued")
    path.unlink()
    wait_for(lambda: watch.watcher.idle, what="the removal handed to the writer")
    writes_done(watch)  # the removal ran (and found no row) before the job does
    assert watch.pipeline.progress.done == 0
    watch.pipeline.resume()
    assert watch.pipeline.wait_idle(10)
    assert watch.pipeline.progress.done == 1
    assert lib.catalog.file_by_path(str(path)) is None


def test_quitting_during_reconcile_keeps_renamed_files(library, tmp_path):
    folder = tmp_path / "watched"
    for i in range(30):
        write_image(folder / "trip" / f"p{i:02d}.png", i, size=(40, 30))
    library.add_folder(folder)
    library.index()
    (folder / "trip").rename(folder / "holiday")  # renamed while the app was closed
    watch = library.watch(settle=SETTLE)
    watch.pipeline.pause()  # quit before the reconcile's moves are written
    wait_for(lambda: watch.pipeline.progress.total == 30, what="the reconcile's jobs queued")
    watch.stop()
    assert library.catalog.counts()["vectors"] == 30
    summary = library.index()
    assert (summary.encoded, summary.removed, summary.new) == (0, 0, 0)
    assert len(library.catalog.paths_under(str(folder / "holiday"))) == 30


def test_missing_or_vanishing_library_folder_keeps_its_files(library, tmp_path, monkeypatch):
    folder, away = tmp_path / "share", tmp_path / "share-offline"
    for i in range(3):
        write_image(folder / f"s{i}.png", i)
    library.add_folder(folder)
    library.index()
    folder.rename(away)  # offline at start: the watch must start and keep the files
    watch = library.watch(settle=SETTLE)
    try:
        assert watch.reconciled.wait(10)
    finally:
        watch.stop()
    assert library.catalog.counts()["files"] == 3
    away.rename(folder)

    no_inotify(monkeypatch)
    progress = Progress()
    missing = threading.Event()
    progress.event_listeners.append(lambda e: e.detail == MISSING_FOLDER and missing.set())
    watch = library.watch(progress, settle=SETTLE)  # polled, like a network share
    try:
        assert watch.reconciled.wait(10) and not missing.is_set()
        folder.rename(away)  # the share goes offline while watched
        assert missing.wait(20), "the watcher never noticed the folder go"
        settled(watch)
    finally:
        watch.stop()
    assert library.catalog.counts()["files"] == 3


def _text_vectors(library, path) -> int:
    return library.catalog.tuples(
        "SELECT count(*) FROM vectors v JOIN segments s ON s.id = v.segment_id"
        " JOIN spaces sp ON sp.id = v.space_id JOIN files f ON f.id = s.file_id"
        " WHERE f.path = ? AND sp.role = 'text'",
        (str(path),),
    )[0][0]


def test_new_screenshot_is_found_by_look_first_then_by_its_words(live_ocr):
    """OCR is a later stage: the file is indexed (look) before its text is read, and then
    a search for its words finds it without any further event. The words are stored before
    the text model reads them, and its meaning follows."""
    from helpers import write_screenshot

    library, folder, watch, events = live_ocr
    at_first_text: list[int] = []

    def on_event(event) -> None:
        if event.kind == "text" and not at_first_text:
            at_first_text.append(_text_vectors(library, event.path))

    watch.pipeline.progress.event_listeners.append(on_event)
    path = write_screenshot(folder / "shot.png", ["Invoice overdue by thirty days"])
    wait_for(lambda: embedded(library, path), what="indexed by look")
    wait_for(
        lambda: str(path) in {r.path for r in library.search("invoice overdue").results},
        what="found by its words",
    )
    wait_for(lambda: any(e.kind == "text" for e in events), what="the text event")
    kinds = [e.kind for e in events if e.path == str(path)]
    assert kinds.index("indexed") < kinds.index("text")
    top = library.search("invoice overdue").results[0]
    assert top.path == str(path) and "words" in top.why
    assert at_first_text == [0]  # words first: no text vector yet when they were committed
    wait_for(lambda: _text_vectors(library, path) > 0, what="the text embedded")
    meaning = library.search("the bill is late", only=frozenset({"meaning"})).results
    assert meaning and meaning[0].path == str(path)


def test_the_indexer_retries_failed_files_and_forgets_folders_on_request(library, tmp_path):
    """Requests the window sends, over the watching library's real socket."""

    def request(**fields) -> dict:
        reply = ask(library.home, fields)
        reply.pop("pid")
        return reply

    folder = tmp_path / "watched"
    good = write_image(tmp_path / "good.jpg", 5).read_bytes()
    broken = folder / "late.jpg"
    folder.mkdir()
    broken.write_bytes(b"\xff\xd8\xff\xe0" + bytes(len(good) - 4))  # same size, unreadable
    library.add_folder(folder)
    library.index()
    assert [f["path"] for f in library.catalog.failures()] == [str(broken)]
    stamp = broken.stat()
    broken.write_bytes(good)  # fixed, but with the same size and time: a scan sees no change
    os.utime(broken, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    watch = library.watch(Progress(), settle=SETTLE)
    try:
        assert watch.reconciled.wait(20)
        assert library.catalog.failures() != []  # unchanged to the start-up scan
        assert request(op="retry") == {"retrying": 1}
        wait_for(lambda: embedded(library, broken), what="the retried file indexed")
        assert library.catalog.failures() == []

        other = tmp_path / "other"
        write_image(other / "a.png", 1)
        handed = request(op="index", folders=[str(other)])
        assert handed["indexing"] == [str(other)]
        wait_for(lambda: embedded(library, other / "a.png"), what="the handed folder indexed")
        assert request(op="remove", folders=[str(other)]) == {"removing": [str(other)]}
        wait_for(lambda: str(other) not in library.folders(), what="the folder forgotten")
        assert library.catalog.file_by_path(str(other / "a.png")) is None
        assert request(op="pause") == {"paused": True}
        assert watch.pipeline.progress.paused
        assert request(op="resume") == {"paused": False}
    finally:
        watch.stop()
