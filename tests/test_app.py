"""The window, with real widgets (offscreen), a real library and, where it says so, the real
indexer as a second process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from helpers import write_image, write_screenshot
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QPixmap

from mediasift.app.cleanup.wizard import CleanupWizard
from mediasift.app.failures import FailuresDialog
from mediasift.app.results import RESULT_ROLE
from mediasift.app.single import WindowServer
from mediasift.app.window import HINT, MainWindow
from mediasift.config import Settings
from mediasift.desktop_entry import autostart_path
from mediasift.ipc import ask
from mediasift.library import Library, RerankUnavailable
from mediasift.models.random_weights import save_random_clip
from mediasift.search.rerank import RERANK_TOP, reorder


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_clip, minilm):
    """A small library: two screenshots with words, and photos."""
    root = tmp_path_factory.mktemp("app")
    folder = root / "files"
    write_screenshot(folder / "invoice.png", ["Invoice 4471 is overdue by thirty days"])
    write_screenshot(folder / "login.png", ["Permission denied: wrong password"])
    for i in range(4):
        write_image(folder / f"photo{i}.jpg", i, size=(320, 240))
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), ocr=True)
    with Library(root / "home", settings) as lib:
        lib.add_folder(folder)
        lib.index()
    return root / "home", settings, folder


@pytest.fixture
def window(qtbot, indexed):
    home, settings, _ = indexed
    win = MainWindow(home, settings, start_indexer=False)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()  # keys and shortcuts go to the active window
    qtbot.waitUntil(win.isActiveWindow)
    yield win
    win.shut_down()


def test_qt_bindings_keep_their_references_to_none():
    """PySide6 6.12.0 dropped a reference to None on every void method call; on Python 3.11
    the window then crashed ("deallocating None") after enough calls, scrolling a grid."""
    from PySide6.QtCore import QSize

    size = QSize(1, 1)
    before = sys.getrefcount(None)
    for _ in range(1000):
        size.setWidth(2)
    assert sys.getrefcount(None) - before > -100  # others may let a few go meanwhile


def _type(qtbot, window, text: str) -> None:
    with qtbot.waitSignal(window.searched, timeout=60_000):
        qtbot.keyClicks(window.field, text)


def _paths(window) -> list[str]:
    return [Path(r.path).name for r in window.model.results]


def test_typing_shows_results_thumbnails_and_the_matched_line(qtbot, window):
    assert window.message.text() == HINT  # a library with folders: what to type
    _type(qtbot, window, "invoice overdue")
    qtbot.waitUntil(lambda: _paths(window)[:1] == ["invoice.png"], timeout=60_000)
    first = window.model.index(0)
    # Thumbnails arrive lazily: a placeholder first, the picture once loaded off the GUI thread.
    window.model.data(first, Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(
        lambda: isinstance(window.model.data(first, Qt.ItemDataRole.DecorationRole), QPixmap)
    )
    assert "words" in window.model.data(first, Qt.ItemDataRole.DisplayRole)
    # A new answer with the same file (the next keystroke, a refresh) paints its thumbnail at
    # once, wherever the file now is in the grid: thumbnails are kept by file, not by row.
    invoice = first.data(RESULT_ROLE)
    window.model.show([r for r in window.model.results if r is not invoice] + [invoice])
    last = window.model.index(window.model.rowCount() - 1)
    assert isinstance(window.model.data(last, Qt.ItemDataRole.DecorationRole), QPixmap)
    window.model.show([invoice])
    # Down from the field moves into the results; the preview shows the file and its line.
    qtbot.keyClick(window.field, Qt.Key.Key_Down)
    assert window.view.hasFocus() and window.view.currentIndex().row() == 0
    assert "invoice.png" in window.preview.title.text()
    assert "<b>Invoice</b>" in window.preview.details.text()
    assert first.data(RESULT_ROLE).line is not None  # the line the preview outlines
    qtbot.waitUntil(lambda: window.preview.image.pixmap() is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not window.preview.image.pixmap().isNull(), timeout=10_000)


def test_an_answer_overtaken_by_a_newer_query_never_shows(qtbot, window, monkeypatch):
    arrived, shown = [], []
    window.worker.answered.connect(lambda number, _: arrived.append(number))
    window.searched.connect(shown.append)
    real_search = Library.search

    def search(self, text, *args, **kwargs):
        if text == "permission":
            time.sleep(1.5)  # slow: the user types on meanwhile
        return real_search(self, text, *args, **kwargs)

    monkeypatch.setattr(Library, "search", search)
    window.field.setText("permission")
    qtbot.wait(300)  # the slow search is running now
    window.field.setText("invoice")
    # Answers reach the window in order: once the newest is shown, the slow one was handled.
    qtbot.waitUntil(lambda: len(arrived) == 2 and bool(shown), timeout=60_000)
    slow, newest = arrived
    assert slow < newest and shown == [newest]  # the slow answer arrived and was dropped
    assert _paths(window)[0] == "invoice.png"


def _ask(qtbot, window, text: str) -> None:
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.field.setText(text)  # one query (typing asks one per key)


def test_the_second_pass_reorders_the_grid_in_place_keeping_the_chosen_file(
    qtbot, window, monkeypatch
):
    asked, release = [], threading.Event()

    def rerank(self, text, response, top=RERANK_TOP, alone=True):  # reverses the order
        assert not alone  # the window never loads a reranker: the indexer does
        asked.append(text)
        release.wait(30)
        scores = {r.path: i / 10 for i, r in enumerate(response.results[:top])}
        return reorder(response, scores, top, "a fake reranker")

    monkeypatch.setattr(Library, "rerank", rerank)
    shown = []
    window.reranked.connect(shown.append)
    _ask(qtbot, window, "invoice")  # its second pass waits; the user types on meanwhile
    qtbot.waitUntil(lambda: asked == ["invoice"])
    _ask(qtbot, window, "files")  # every file
    first = _paths(window)
    window.view.setCurrentIndex(window.model.index(1))
    with qtbot.waitSignal(window.reranked, timeout=10_000):
        release.set()
    assert asked == ["invoice", "files"] and shown == [window.number]  # "invoice"'s dropped
    assert _paths(window) == first[::-1]
    assert Path(window.view.currentIndex().data(RESULT_ROLE).path).name == first[1]
    assert [r.rerank for r in window.model.results][:2] == [0.5, 0.4]
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window._search_again()  # the indexer wrote: the same query asked again
    assert _paths(window) == first[::-1] and len(asked) == 2  # the order it had, at once


def test_without_a_reranker_the_window_keeps_the_first_pass_and_stops_asking(
    qtbot, window, monkeypatch
):
    asked = []
    real = Library.rerank

    def rerank(self, text, *args, **kwargs):
        asked.append(text)
        if text == "invoice":
            return real(self, text, *args, **kwargs)  # no indexer runs now: asked again later
        raise RerankUnavailable("Reranking is off on cpu")  # the indexer's answer on a CPU

    monkeypatch.setattr(Library, "rerank", rerank)
    window.reranked.connect(lambda number: pytest.fail("reranked without a reranker"))
    _ask(qtbot, window, "invoice")
    qtbot.waitUntil(lambda: asked == ["invoice"])
    with qtbot.waitSignal(window.reranking.unavailable, timeout=10_000):
        _ask(qtbot, window, "files")
    first = _paths(window)
    _ask(qtbot, window, "photo")
    assert asked == ["invoice", "files"]  # not asked again until the settings change
    assert "Not reranked" not in window.status.text()  # the default: said nowhere
    _ask(qtbot, window, "files")
    assert _paths(window) == first  # the first pass, as it was


def test_kind_chips_date_and_order_narrow_and_sort_the_results(qtbot, window):
    _type(qtbot, window, "files")  # the folder's name: every file
    assert {r.kind for r in window.model.results} == {"screenshot", "image"}
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.kind_chips["screenshot"].setChecked(True)
    assert {r.kind for r in window.model.results} == {"screenshot"}
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.kind_chips["pdf"].setChecked(True)  # chips add up: screenshots or PDFs
    assert {r.kind for r in window.model.results} == {"screenshot"}
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.order.setCurrentText("Newest first")
    taken = [r.taken for r in window.model.results]
    assert taken == sorted(taken, reverse=True) and len(taken) == 2
    window.kind_chips["screenshot"].setChecked(False)
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.kind_chips["pdf"].setChecked(False)
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.when.setCurrentText("Past week")  # every file was written just now
    assert len(window.model.results) == 6
    old = window.model.results[0].path
    catalog = window.worker._library.catalog
    with catalog.transaction() as conn:  # as if taken years ago
        conn.execute("UPDATE files SET mtime = 0, captured_at = NULL WHERE path = ?", (old,))
    try:
        with qtbot.waitSignal(window.searched, timeout=60_000):
            window.when.setCurrentText("Past month")
        assert len(window.model.results) == 5 and old not in [r.path for r in window.model.results]
    finally:
        with catalog.transaction() as conn:
            conn.execute("UPDATE files SET mtime = ? WHERE path = ?", (time.time(), old))


def test_reaching_the_end_of_the_grid_adds_more_in_place(qtbot, window):
    window.page, window.more = 2, 3
    _type(qtbot, window, "files")  # every file matches: 6
    first_two = _paths(window)
    assert len(first_two) == 2
    window.view.setCurrentIndex(window.model.index(1))
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.view.verticalScrollBar().valueChanged.emit(0)  # the end of a short grid
    assert _paths(window)[:2] == first_two and len(_paths(window)) == 5
    assert window.view.currentIndex().row() == 1  # appended, not replaced
    with qtbot.waitSignal(window.searched, timeout=60_000):
        window.view.verticalScrollBar().valueChanged.emit(0)
    assert len(_paths(window)) == 6 and window._complete  # all there is: no more asking
    with qtbot.assertNotEmitted(window.searched, wait=300):
        window.view.verticalScrollBar().valueChanged.emit(0)


def test_search_by_example_and_copying_the_path(qtbot, window):
    _type(qtbot, window, "photo")
    window.select_first()
    chosen = window.view.currentIndex().data(RESULT_ROLE).path
    with qtbot.waitSignal(window.searched, timeout=60_000):
        qtbot.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert window.model.results and chosen not in [r.path for r in window.model.results]
    window.select_first()
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    from PySide6.QtWidgets import QApplication

    assert QApplication.clipboard().text() == window.model.results[0].path
    dragged = window.model.mimeData([window.model.index(0), window.model.index(1)])
    assert [url.toLocalFile() for url in dragged.urls()] == [
        r.path for r in window.model.results[:2]
    ]  # dragging results out hands over their files


def test_a_new_library_welcomes_with_the_usual_folders_and_starts(
    qtbot, tmp_path, settings, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for name in ("Pictures", "Documents", "Music"):
        (tmp_path / "user" / name).mkdir(parents=True)
    settings.transcribe = False  # the models are local folders: Start finds them at once
    win = MainWindow(tmp_path / "new-home", settings, start_indexer=False)
    qtbot.addWidget(win)
    started = []
    monkeypatch.setattr(win.indexer, "start", lambda: started.append(True))
    win.show()
    assert win.stack.currentWidget() is win.welcome
    assert win.focusWidget() is win.field  # typing goes to the search at once
    boxes = {Path(box.text()).name: box.isChecked() for box in win.welcome.boxes}
    assert boxes == {"Pictures": True, "Documents": True, "Music": False}  # only what exists
    assert win.welcome.models.text().count("(on this computer)") == 2
    win.welcome.boxes[1].setChecked(False)  # Documents: not this time
    win.welcome.start_button.click()
    qtbot.waitUntil(lambda: started == [True])
    with Library(tmp_path / "new-home", settings) as lib:
        assert lib.folders() == [str(tmp_path / "user" / "Pictures")]
    assert win.stack.currentWidget() is win.message and win.message.text() == HINT
    win.shut_down()


def test_a_file_dropped_into_a_watched_folder_appears_in_the_open_window(
    qtbot, tmp_path, tiny_clip, minilm, monkeypatch
):
    """The window starts the real indexer process, and shows what it indexes."""
    monkeypatch.setenv("MEDIASIFT_MODEL", str(tiny_clip))
    monkeypatch.setenv("MEDIASIFT_TEXT_MODEL", str(minilm))
    folder = tmp_path / "watched"
    write_image(folder / "old.jpg", 1)
    settings = Settings.load()
    settings.ocr = False
    monkeypatch.setenv("MEDIASIFT_HOME", str(tmp_path / "home"))
    with Library(tmp_path / "home", settings) as lib:
        lib.add_folder(folder)
    win = MainWindow(tmp_path / "home", settings)
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.indexer.process is not None
        qtbot.waitUntil(lambda: win.status.text() == "Up to date", timeout=120_000)
        _type(qtbot, win, "name:receipt")
        assert win.model.results == []
        write_image(folder / "receipt_march.jpg", 2)
        qtbot.waitUntil(lambda: _paths(win) == ["receipt_march.jpg"], timeout=60_000)
        second = subprocess.run(
            [sys.executable, "-m", "mediasift.cli", "watch"],
            env={**os.environ}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 2 and "being indexed by process" in second.stderr
        # Killing the indexer mid-run: the window keeps answering, and starts it again.
        killed = win.indexer.process.pid
        os.kill(killed, signal.SIGKILL)
        win.field.clear()
        _type(qtbot, win, "name:receipt")
        assert _paths(win) == ["receipt_march.jpg"]
        qtbot.waitUntil(
            lambda: win.indexer.running() and win.indexer.process.pid != killed, timeout=30_000
        )
        home = tmp_path / "home"
        qtbot.waitUntil(lambda: ask(home, {"op": "ping"}, timeout=5) is not None, timeout=120_000)
    finally:
        win.shut_down()
        win.indexer.process.wait(timeout=60)  # the test waits; the window never does


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb is not installed")
def test_the_real_app_under_xvfb_saves_a_screenshot(indexed, tmp_path, tiny_clip, minilm):
    home, _, _ = indexed
    shot = tmp_path / "window.png"
    env = {
        **os.environ,
        "MEDIASIFT_HOME": str(home),
        "MEDIASIFT_MODEL": str(tiny_clip),
        "MEDIASIFT_TEXT_MODEL": str(minilm),
    }
    env.pop("QT_QPA_PLATFORM", None)  # a real X server this time
    app = Path(sys.executable).with_name("mediasift-gui")
    command = [str(app)] if app.exists() else [sys.executable, "-m", "mediasift.app.main"]
    subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *command,
         "--query", "invoice overdue", "--screenshot", str(shot)],
        env=env, check=True, timeout=120, capture_output=True,
    )  # fmt: skip
    from PIL import Image

    image = Image.open(shot)
    assert image.width >= 900 and image.height >= 600
    assert len(image.convert("L").getcolors(1 << 16) or ()) > 50  # drawn, not a blank frame
    artifacts = os.environ.get("MEDIASIFT_ARTIFACTS")
    if artifacts:
        shutil.copy(shot, Path(artifacts) / "window.png")


def test_settings_persist_across_a_restart_and_folders_can_be_removed(qtbot, tmp_path, settings):
    home = tmp_path / "home"  # the MEDIASIFT_HOME of this test: settings are saved there
    keep, drop = tmp_path / "keep", tmp_path / "drop"
    with Library(home, settings) as lib:
        for folder in (keep, drop):
            folder.mkdir()
            lib.add_folder(folder)
    win = MainWindow(home, settings, start_indexer=False)
    qtbot.addWidget(win)
    dialog = win.open_preferences()
    dialog.ocr.setChecked(False)
    dialog.throttle.setChecked(True)
    dialog.folders.setCurrentItem(dialog.folders.findItems(str(drop), Qt.MatchFlag.MatchExactly)[0])
    dialog._remove()
    dialog.accept()
    win.shut_down()
    assert not win.settings.ocr and win.settings.throttle
    reloaded = Settings.load()
    assert (reloaded.ocr, reloaded.throttle) == (False, True)
    restarted = MainWindow(home, reloaded, start_indexer=False)
    qtbot.addWidget(restarted)
    again = restarted.open_preferences()
    assert not again.ocr.isChecked() and again.throttle.isChecked()
    assert [again.folders.item(i).text() for i in range(again.folders.count())] == [str(keep)]
    again.reject()
    restarted.shut_down()


def test_failures_are_one_click_away_with_their_reason(qtbot, tmp_path, settings, monkeypatch):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with Library(tmp_path / "home", settings) as lib:
        lib.add_folder(folder)
        lib.index()
    win = MainWindow(tmp_path / "home", settings, start_indexer=False)
    qtbot.addWidget(win)
    win.show()
    asked = []
    monkeypatch.setattr(win.indexer, "retry_failed", lambda: asked.append("retry"))
    assert not win.failures_button.isVisible()
    win._progress({"queued": 0, "done": 1, "failed": 1, "rate": 0.0, "paused": False})
    assert win.failures_button.isVisible() and win.failures_button.text() == "1 could not be read"
    win.failures_button.click()
    dialog = next(w for w in win.findChildren(FailuresDialog))
    assert dialog.table.item(0, 0).text() == "broken.jpg" and dialog.table.item(0, 2).text()
    dialog.retry_button.click()
    assert asked == ["retry"]
    win.shut_down()


def test_a_second_launch_raises_the_window_with_its_query(qtbot, window, indexed):
    """``mediasift-gui --query`` and a bare ``mediasift`` find the open window and hand over."""
    home, _, _ = indexed
    server = WindowServer(home, window)
    server.launched.connect(window.present)
    env = {**os.environ, "MEDIASIFT_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    for command, query in (
        (["mediasift.app.main", "--query", "invoice overdue"], "invoice overdue"),
        (["mediasift.cli"], None),
    ):
        with qtbot.waitSignal(server.launched, timeout=60_000) as handed:
            second = subprocess.Popen([sys.executable, "-m", *command], env=env)
        assert handed.args == [query]
        assert second.wait(timeout=30) == 0  # it exits instead of opening a second window
    assert window.field.text() == "invoice overdue"


def test_mediasift_alone_without_a_display_says_so():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM")
    result = subprocess.run(
        [sys.executable, "-m", "mediasift.cli"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "no display" in result.stderr and "search" in result.stderr


def test_pasting_an_image_searches_by_example_and_text_still_pastes(qtbot, window, indexed):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    _, _, folder = indexed
    clipboard = QApplication.clipboard()
    clipboard.setImage(QImage(str(folder / "photo2.jpg")))
    with qtbot.waitSignal(window.searched, timeout=60_000):
        qtbot.keyClick(window.field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert _paths(window)[0] == "photo2.jpg"  # the same picture looks most like itself
    assert window.field.placeholderText() == "Looks like the pasted image"
    clipboard.setText("invoice")
    with qtbot.waitSignal(window.searched, timeout=60_000):
        qtbot.keyClick(window.field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.field.text() == "invoice" and "invoice.png" in _paths(window)


def test_keeping_indexing_in_the_background(qtbot, tmp_path, settings, monkeypatch):
    """On: a login entry starts the indexer, and closing the window leaves it running."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    home = tmp_path / "My $HOME (50%)"  # not the environment's library, and hard to quote
    win = MainWindow(home, settings, start_indexer=False)
    qtbot.addWidget(win)
    dialog = win.open_preferences()
    dialog.background.setChecked(True)
    dialog.accept()
    assert Settings.load().background
    entry = autostart_path().read_text()
    command = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert f'"MEDIASIFT_HOME={home}"'.replace("$", "\\\\$").replace("%", "%%") in command
    assert command.split()[-1] == "watch"
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(autostart_path())], text=True,
                                 capture_output=True)  # fmt: skip
        assert checked.returncode == 0, checked.stdout
    dialog = win.open_preferences()
    dialog.background.setChecked(False)
    dialog.accept()
    assert not autostart_path().exists() and not Settings.load().background
    for background in (True, False):
        win.settings.background = background
        win.indexer._closing = False
        win.indexer.process = subprocess.Popen(["sleep", "60"], start_new_session=True)
        win.shut_down()
        try:
            if background:
                assert win.indexer.process.poll() is None  # still indexing on its own
            else:
                assert win.indexer.process.wait(timeout=10) == -signal.SIGTERM
        finally:
            win.indexer.process.kill()


def test_a_clip_result_is_cued_at_its_moment_in_the_preview(qtbot, tmp_path):
    """The preview plays clips (QtMultimedia's own FFmpeg, here offscreen) from the moment."""
    pytest.importorskip("PySide6.QtMultimedia")
    from mediasift.app.preview import PreviewPane
    from mediasift.app.results import ImageLoader
    from mediasift.bench.speech import clip_with_speech
    from mediasift.search.engine import Result

    clip = clip_with_speech(tmp_path / "talk.mp4", "The launch moves to the second week of May.")
    moment = {"kind": "transcript", "index": 0, "start": 2.0, "end": 4.0, "label": None}
    later = {"index": 1, "start": 3.0, "end": 4.0, "locator": "00:03"}
    result = Result(str(clip), 0.9, 1, "video", segment=moment, locator="00:02", moments=[later])
    pane = PreviewPane(ImageLoader())
    qtbot.addWidget(pane)
    pane.show()
    pane.show_result(result)
    player = pane.player
    assert player is not None and player.isVisible()
    qtbot.waitUntil(lambda: abs(player.player.position() - 2000) < 300, timeout=30_000)
    qtbot.waitUntil(lambda: not pane.image.pixmap().isNull(), timeout=30_000)  # its frame
    assert "Also at" in pane.details.text() and 'href="at:3.0"' in pane.details.text()
    pane._go_to("at:3.0")  # the "Also at 00:03" link
    qtbot.waitUntil(lambda: abs(player.player.position() - 3000) < 300, timeout=30_000)
    pane.show_result(Result(str(clip), 0.5, 2, "pdf"))
    assert not player.isVisible()


def test_a_window_follows_an_indexer_it_did_not_start(
    qtbot, tmp_path, tiny_clip, minilm, monkeypatch
):
    """An indexer kept in the background (or a terminal's watch) is followed over its socket;
    asked to restart (new settings), it stops and the window starts its own."""
    monkeypatch.setenv("MEDIASIFT_MODEL", str(tiny_clip))
    monkeypatch.setenv("MEDIASIFT_TEXT_MODEL", str(minilm))
    home = tmp_path / "home"
    monkeypatch.setenv("MEDIASIFT_HOME", str(home))
    folder = tmp_path / "files"
    write_image(folder / "a.jpg", 1)
    settings = Settings.load()
    settings.ocr = False
    with Library(home, settings) as lib:
        lib.add_folder(folder)
    background = subprocess.Popen(
        [sys.executable, "-m", "mediasift.cli", "watch"], env={**os.environ},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    win = None
    try:
        deadline = time.monotonic() + 120
        while ask(home, {"op": "ping"}, timeout=5) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        win = MainWindow(home, settings)
        qtbot.addWidget(win)
        assert win.indexer.process is None  # it did not start one of its own
        qtbot.waitUntil(lambda: win.status.text() == "Up to date", timeout=60_000)
        win.indexer.restart()  # new settings: it is asked to stop, and the window takes over
        assert background.wait(timeout=60) == 0
        qtbot.waitUntil(win.indexer.running, timeout=60_000)  # now its own
    finally:
        background.kill()
        if win is not None:
            win.shut_down()
            if win.indexer.process is not None:
                win.indexer.process.wait(timeout=60)


def test_the_grid_keeps_a_bounded_number_of_thumbnails(qtbot, window, indexed, monkeypatch):
    """A long result list holds only the recently shown tiles' pixmaps; a tile scrolled back
    to asks for its thumbnail again."""
    from mediasift.app import results

    monkeypatch.setattr(results, "KEPT_PIXMAPS", 3)
    window.more_like(str(indexed[2] / "photo0.jpg"))
    qtbot.waitUntil(lambda: window.model.rowCount() >= 5, timeout=60_000)
    model = window.model

    def shown(row: int) -> bool:
        return isinstance(model.data(model.index(row), Qt.ItemDataRole.DecorationRole), QPixmap)

    for row in range(5):
        qtbot.waitUntil(lambda row=row: shown(row))
    assert len(model._pixmaps) == 3 and not shown(0)  # dropped, and asked for again
    qtbot.waitUntil(lambda: shown(0))


def test_the_toolbar_opens_the_cleanup_wizard(qtbot, window):
    action = next(a for a in window.findChildren(QAction) if a.text() == "Clean up duplicates…")
    action.trigger()
    wizard = window.findChild(CleanupWizard)
    assert wizard is not None and wizard.isVisible()
    assert wizard.next.text() == "Scan my library"
    wizard.reject()


def test_a_model_switch_says_the_previous_model_answers_meanwhile(qtbot, indexed, tmp_path):
    home, settings, _ = indexed
    other = save_random_clip(tmp_path / "other-clip", "tiny", seed=1)
    win = MainWindow(home, replace(settings, model=str(other)), start_indexer=False)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    try:
        _type(qtbot, win, "invoice")  # the new model has no space yet: the old one answers
        assert "the previous visual model until the new one is ready" in win.count.text()
        assert "text model" not in win.count.text()
    finally:
        win.shut_down()


def test_a_long_burst_of_indexer_writes_still_refreshes_the_open_results(qtbot, window):
    from PySide6.QtWidgets import QApplication

    _type(qtbot, window, "invoice")
    refreshed = []
    window.searched.connect(refreshed.append)
    end = time.monotonic() + 1.5
    while time.monotonic() < end:  # a write every 50 ms: never a pause as long as REFRESH_MS
        window.indexer.changed.emit()
        for _ in range(5):
            QApplication.processEvents()
            time.sleep(0.01)
    assert refreshed  # the grid was refreshed during the burst, not only after it


def test_a_burst_of_changes_reaches_the_window_once_until_it_is_heard(qtbot, tmp_path):
    """Per-file changes from the indexer cost the GUI thread one signal until it takes the
    news; notices and progress still come one by one."""
    from mediasift.app.indexer import IndexerProcess

    indexer = IndexerProcess(tmp_path)
    changed, events, progress = [], [], []
    indexer.changed.connect(lambda: changed.append(1))
    indexer.event.connect(events.append)
    indexer.progress.connect(progress.append)

    def child_says(*messages: dict) -> None:
        """A real child printing ``messages`` as JSON lines, read on a thread as the
        indexer's are; the GUI thread hears of them only afterwards."""
        lines = "".join(json.dumps(m) + "\n" for m in messages)
        child = subprocess.Popen(
            [sys.executable, "-c", f"import sys; sys.stdout.write({lines!r})"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        reader = threading.Thread(target=indexer._read, args=(child,))
        reader.start()
        reader.join(timeout=30)

    indexer._closing = True  # the children end: nothing to restart
    burst = [{"kind": "indexed", "path": f"/f/{i}.png"} for i in range(200)]
    child_says(*burst, {"kind": "notice", "detail": "hello"}, {"kind": "progress", "done": 200})
    qtbot.waitUntil(lambda: bool(progress and events))
    assert len(changed) == 1 and events[0]["detail"] == "hello"
    child_says({"kind": "removed", "path": "/f/1.png"})  # after the news was taken: news again
    qtbot.waitUntil(lambda: len(changed) == 2)
