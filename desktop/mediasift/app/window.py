"""The main window: one search field, a grid of results, a preview, and the indexer's status.

Nothing slow runs on the GUI thread: searches run on the search thread, thumbnails in a
thread pool, indexing in its own process. Typing asks for a search on every keystroke.
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mediasift.config import Settings
from mediasift.desktop_entry import set_autostart
from mediasift.index.spaces import chosen_names
from mediasift.library import Library, LibraryError
from mediasift.media.kinds import IMAGE_SUFFIXES
from mediasift.models.registry import reranking_off
from mediasift.search.engine import Filters, Response
from mediasift.search.rerank import RERANK_TOP, reorder

from .failures import SHOWN, FailuresDialog
from .indexer import IndexerProcess
from .preferences import PreferencesDialog
from .preview import PreviewPane, open_result, reveal
from .results import RESULT_ROLE, TILE, ImageLoader, ResultsModel
from .searching import PAGE, Query, Rerank, RerankWorker, SearchWorker
from .welcome import Welcome

HINT = (
    "<h3>Type what you remember</h3><p>“a dog on the beach”, “the slide with the Q3 revenue "
    "chart”, “permission denied”, “IMG_2043”<br>kind:pdf · after:2024-01 · in:Desktop · "
    '"exact words" · -exclude</p>'
    "<p>Or drop or paste an image here to find ones that look like it.</p>"
)
#: The kind chips: the core's kinds, as people call them.
KINDS = {
    "image": "Images", "screenshot": "Screenshots", "slides": "Slides", "pdf": "PDFs",
    "video": "Clips", "audio": "Recordings",
}  # fmt: skip
#: The date choices, in days back (0: any time).
SINCE = {"Any time": 0, "Past week": 7, "Past month": 31, "Past year": 366}
#: Results added to the grid each time its end is reached.
MORE = 200
#: After the indexer writes, the current query runs again this much later (the writes
#: meanwhile join that refresh; a long burst refreshes this often, not only once it ends).
REFRESH_MS = 300
#: The role of the model behind each vector signal (the settings dialog's words too).
SIGNAL_MODELS = {"look": "visual", "meaning": "text"}


class MainWindow(QMainWindow):
    searched = Signal(int)  # a query number whose answer is now on screen (tests, benchmarks)
    reranked = Signal(int)  # a query number whose reranked answer is now on screen

    def __init__(self, home: Path, settings: Settings, start_indexer: bool = True) -> None:
        super().__init__()
        self.home, self.settings = home, settings
        self.setWindowTitle("MediaSift")
        screen = QApplication.primaryScreen().availableSize()
        self.resize(min(1180, screen.width()), min(760, screen.height()))  # fits 1024x640
        self.setMinimumSize(QSize(1024, 640) * 0.8)
        self.setAcceptDrops(True)
        self.number = 0  # of the newest query; answers to older ones are dropped
        self._last: Query | None = None  # the newest query asked
        self._complete = True  # the last answer held every result there is
        #: The reranker's scores by path for the query text ``_scored``, and the reranker: an
        #: answer to that text again (a refresh, more results) keeps their order at once.
        self._scores: dict[str, float] = {}
        self._scored: tuple[str, str] | None = None
        self.page, self.more = PAGE, MORE  # results asked first, and added at the grid's end
        self.loader = ImageLoader()
        self.model = ResultsModel(self.loader, self)
        self._build()
        self._start_search_thread()
        self.indexer = IndexerProcess(home, self)
        self.indexer.state.connect(self.status.setText)
        self.indexer.progress.connect(self._progress)
        self.indexer.changed.connect(self._library_changed)
        self.indexer.event.connect(self._indexer_event)
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._search_again)
        self._show_empty_state()
        QApplication.instance().aboutToQuit.connect(self.shut_down)
        if start_indexer and self.known_folders:
            self.indexer.start()
        # What start-up made (modules, models, widgets) lives as long as the window: kept out
        # of the collector's full passes, which otherwise took ~380 ms, a visible freeze.
        gc.freeze()

    # --- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.field = QLineEdit(clearButtonEnabled=True)
        self.field.setPlaceholderText("Describe what you are looking for…")
        self.field.textChanged.connect(self._typed)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(TILE)
        self.view.setGridSize(QSize(TILE.width() + 24, TILE.height() + 60))
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setDragEnabled(True)
        self.view.activated.connect(self._open)
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.welcome = Welcome(self.settings)
        self.welcome.start.connect(self.add_folders)
        self.stack = QStackedWidget()
        for page in (self.view, self.message, self.welcome):
            self.stack.addWidget(page)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(self.field)
        left_layout.addLayout(self._build_filters())
        left_layout.addWidget(self.stack, 1)
        self.preview = PreviewPane(self.loader)
        self.preview.more_like_this.connect(self.more_like)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([3000, 2000])  # 3:2 from the first paint
        self.setCentralWidget(splitter)
        self._build_actions()
        self.status = QLabel()
        self.count = QLabel()
        self.failures_button = QPushButton(flat=True, toolTip="Show the files and why")
        self.failures_button.clicked.connect(self.show_failures)
        self.failures_button.hide()
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.failures_button)
        self.statusBar().addPermanentWidget(self.count)
        self.field.setFocus()

    def _build_filters(self) -> QHBoxLayout:
        """Kind chips, a date range, a folder and the order: they narrow the typed query
        (the query syntax, kind: after: in:, narrows it the same way)."""
        row = QHBoxLayout()
        self.kind_chips: dict[str, QToolButton] = {}
        for kind, label in KINDS.items():
            chip = QToolButton(text=label, checkable=True, toolTip=f"Only {label.lower()}")
            chip.toggled.connect(self._filters_changed)
            row.addWidget(chip)
            self.kind_chips[kind] = chip
        self.when = QComboBox(toolTip="Taken or changed within")
        self.when.addItems(list(SINCE))
        self.folder_choice = QComboBox(toolTip="Only files in this folder")
        self.order = QComboBox(toolTip="Order of the results")
        self.order.addItems(["Best match", "Newest first"])
        for box in (self.when, self.folder_choice, self.order):
            box.currentIndexChanged.connect(self._filters_changed)
        row.addStretch()
        for box in (self.when, self.folder_choice, self.order):
            row.addWidget(box)
        self._set_folders(self._folders())  # once at start; then from the search thread
        return row

    def _set_folders(self, folders: list[str]) -> None:
        """The library's folders, read on the search thread (never the GUI thread: the
        indexer may hold the database for a moment) after each answer."""
        self.known_folders = folders
        chosen = self.folder_choice.currentData()
        self.folder_choice.blockSignals(True)
        self.folder_choice.clear()
        self.folder_choice.addItem("All folders", None)
        for folder in folders:
            self.folder_choice.addItem(Path(folder).name, folder)
        self.folder_choice.setCurrentIndex(max(0, self.folder_choice.findData(chosen)))
        self.folder_choice.blockSignals(False)

    def filters(self) -> Filters:
        kinds = tuple(kind for kind, chip in self.kind_chips.items() if chip.isChecked())
        days = SINCE[self.when.currentText()]
        after = time.time() - days * 86400 if days else None
        folder = self.folder_choice.currentData()
        return Filters((folder,) if folder else (), kinds, after)

    def _filters_changed(self) -> None:
        last = self._last
        if last is not None and (last.text.strip() or last.like):
            self._ask_again(filters=self.filters(), limit=self.page)

    def _build_actions(self) -> None:
        tools = self.addToolBar("Library")
        tools.setMovable(False)
        add = QAction("Add folder…", self, toolTip="Add a folder to the library")
        add.triggered.connect(self.add_folder)
        self.pause_action = QAction("Pause indexing", self, checkable=True)
        self.pause_action.setToolTip("Pause or resume indexing")
        self.pause_action.toggled.connect(self._pause)
        preferences = QAction("Settings…", self, toolTip="Folders, reading and models")
        preferences.setShortcut(QKeySequence.StandardKey.Preferences)
        preferences.triggered.connect(self.open_preferences)
        cleanup = QAction("Clean up duplicates…", self)
        cleanup.setToolTip("Find copies of the same picture and move the extras away safely")
        cleanup.triggered.connect(self.open_cleanup)
        tools.addAction(add)
        tools.addAction(self.pause_action)
        tools.addAction(cleanup)
        tools.addAction(preferences)
        shortcuts = {
            QKeySequence.StandardKey.Find: self._focus_field,
            "Ctrl+L": self._focus_field,
            "Ctrl+Shift+R": lambda: self._with_current(reveal),
            "Ctrl+M": lambda: self._with_current(self.more_like),
        }
        for keys, slot in shortcuts.items():
            QShortcut(QKeySequence(keys), self, slot)
        copy = QShortcut(QKeySequence.StandardKey.Copy, self.view)
        copy.activated.connect(lambda: self._with_current(QApplication.clipboard().setText))
        QShortcut(QKeySequence.StandardKey.Paste, self.view, self.paste)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self.view, self.preview.play_or_pause)
        self.field.installEventFilter(self)  # Down and pasting images (see eventFilter)

    def _start_search_thread(self) -> None:
        self.search_thread = QThread(self)
        self.worker = SearchWorker(lambda: Library(self.home, self.settings))
        self.worker.moveToThread(self.search_thread)
        self.worker.answered.connect(self._answered)
        self.worker.failed.connect(self._failed)
        self.worker.folders.connect(self._set_folders)
        self.search_thread.finished.connect(self.worker.close)
        self.search_thread.start()
        self.reranking = RerankWorker(lambda: Library(self.home, self.settings))
        self.reranking.reranked.connect(self._reranked)
        self.reranking.unavailable.connect(self._no_reranker)

    # --- searching -----------------------------------------------------------------------

    def _typed(self, text: str) -> None:
        if not text.strip():
            self.number += 1  # any answer still coming is for an older query
            self.model.show([])
            self.preview.show_result(None)
            self._show_empty_state()
            return
        self._ask(Query(self.number + 1, text, filters=self.filters(), limit=self.page))

    def more_like(self, path: str) -> None:
        """Search by example: files that look like ``path``."""
        self.field.blockSignals(True)
        self.field.setText("")
        self.field.blockSignals(False)
        self.field.setPlaceholderText(f"Looks like {Path(path).name}")
        self._ask(Query(self.number + 1, like=path, filters=self.filters(), limit=self.page))

    def _ask(self, query: Query) -> None:
        self.number = query.number
        self._last = query
        self.worker.ask(query)

    def _search_again(self) -> None:
        if self._last is not None and self._last.number == self.number:
            self._ask_again()

    def _ask_again(self, **changes) -> None:
        """The last query once more, as a new one, with ``changes`` (filters, more results)."""
        self._ask(replace(self._last, number=self.number + 1, **changes))

    def _scrolled(self, value: int) -> None:
        """Near the end of the grid: ask the same query for another page."""
        bar = self.view.verticalScrollBar()
        last = self._last
        if last is None or self._complete or value < bar.maximum() - bar.pageStep():
            return
        if self.model.rowCount() >= last.limit:  # the page asked for has arrived
            self._ask_again(limit=last.limit + self.more)

    def _answered(self, number: int, response: Response) -> None:
        if number != self.number:
            return  # overtaken by a newer query while it ran
        known = self._known_order(response)
        self._show(known or response)
        if known is None and self._reranks(response):
            self.reranking.ask(Rerank(number, self._last.text, response))
        self.searched.emit(number)

    def _reranks(self, response: Response) -> bool:
        """Whether to ask the second pass: a typed query's answer in best-match order, unless
        reranking is turned off (Library.rerank says when there is no reranker)."""
        typed = self._last.like is None and bool(self._last.text.strip())
        best_first = self.order.currentIndex() == 0
        return (
            typed
            and best_first
            and bool(response.results)
            and not reranking_off(self.settings.reranker)
        )

    def _known_order(self, response: Response) -> Response | None:
        """The answer in the order the reranker gave the same query before, when it scored
        each of its first results; else None."""
        if self._scored is None or self._scored[0] != self._last.text:
            return None
        return reorder(response, self._scores, RERANK_TOP, self._scored[1])

    def _reranked(self, number: int, response: Response) -> None:
        """The second pass: the grid takes its order, keeping the file the user looks at."""
        if number != self.number:
            return  # the user typed on (or the grid grew) meanwhile
        if self._scored != (self._last.text, response.reranker):
            self._scores, self._scored = {}, (self._last.text, response.reranker)
        self._scores.update({r.path: r.rerank for r in response.results if r.rerank is not None})
        self._show(response)
        self.reranked.emit(number)

    def _no_reranker(self, reason: str) -> None:
        """Said only where a reranker was chosen: off on the CPU by default, and silently."""
        if self.settings.reranker:
            self.status.setText(f"Not reranked: {reason}")

    def _show(self, response: Response) -> None:
        """An answer on screen: more of the same extends the grid, anything else replaces it."""
        current = self.view.currentIndex().data(RESULT_ROLE)
        results = response.results
        self._complete = len(results) < self._last.limit  # nothing more to scroll to
        if self.order.currentIndex() == 1:  # newest first
            results = sorted(results, key=lambda r: r.taken, reverse=True)
        # More of the same (scrolled to the end, or a refresh that found more), or the same
        # reordered (reranked): the grid keeps its place. Anything else replaces it, keeping
        # the file the user was looking at.
        shown = self.model.rowCount()
        if not (shown and (self.model.extend(results) or self.model.reorder(results))):
            self.model.show(results)
            paths = [r.path for r in results]
            if current is not None and current.path in paths:
                self.view.setCurrentIndex(self.model.index(paths.index(current.path)))
        count = len(results)
        self.count.setText(f"{count} result{'s' * (count != 1)}" if count else "")
        if results:
            self.stack.setCurrentWidget(self.view)
        else:
            self._show_message(response.message or "Nothing matches.")
        notes = [f"not searched by {s}" for s in response.missing] + [
            f"the previous {SIGNAL_MODELS[s]} model until the new one is ready"
            for s in self._answered_by_previous_model(response)
        ]
        if notes:
            self.count.setText(f"{self.count.text()} ({'; '.join(notes)})".strip())

    def _answered_by_previous_model(self, response) -> list[str]:
        """The signals still answered by the model a switch replaces (library.prune says why
        both are kept meanwhile)."""
        return [
            signal
            for signal, model in response.spaces.items()
            if (wanted := chosen_names(self.settings, SIGNAL_MODELS[signal])) is not None
            and model not in wanted
        ]

    def _failed(self, number: int, message: str) -> None:
        if number == self.number:
            self.model.show([])
            self._show_message(message)
            self.searched.emit(number)

    # --- the library and its indexer -------------------------------------------------------

    def _folders(self) -> list[str]:
        with Library(self.home, self.settings) as library:
            return library.folders()

    def add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder to search")
        if path:
            self.add_folders([path])

    def add_folders(self, paths: list[str]) -> None:
        """Add folders: the running indexer takes them; else they are added and indexing
        starts."""
        if self.indexer.running():
            self.indexer.hand_over(paths)
        else:
            try:
                with Library(self.home, self.settings) as library:
                    for path in paths:
                        library.add_folder(path)
            except LibraryError as exc:
                self.status.setText(str(exc))
                return
            self.indexer.start()
        added = [str(Path(p).expanduser().resolve()) for p in paths]
        self._set_folders(self.known_folders + [p for p in added if p not in self.known_folders])
        self.status.setText(f"Adding {', '.join(Path(p).name for p in paths)}…")
        self._show_empty_state()

    def open_preferences(self) -> PreferencesDialog:
        dialog = PreferencesDialog(self.settings, self.known_folders, self)
        dialog.accepted.connect(lambda: self.apply_preferences(dialog))
        dialog.open()
        return dialog

    def open_cleanup(self) -> QWidget:
        from .cleanup.wizard import CleanupWizard  # its dedup core loads when first opened

        wizard = CleanupWizard(self.home, self.settings, self)
        wizard.cleaned.connect(self._refresh.start)  # moved files leave the open results
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()
        return wizard

    def apply_preferences(self, dialog: PreferencesDialog) -> None:
        """Carry out what the settings dialog says: folders through the indexer when one
        runs; changed settings saved, the search thread reopened and the indexer restarted."""
        if dialog.removed:
            if self.indexer.running():
                self.indexer.remove_folders(dialog.removed)
            else:
                with Library(self.home, self.settings) as library:
                    for path in dialog.removed:
                        library.remove_folder(path)
        if dialog.added:
            self.add_folders(dialog.added)
        new, old = dialog.result_settings, self.settings
        if new != old:
            self.settings = new
            new.save()
            if new.background != old.background:
                set_autostart(new.background, self.home)
            # The indexer reads the rest; the cleanup wizard reads its own when it opens.
            window_only = {f: getattr(old, f) for f in ("background", "protected", "keeper_rules")}
            if replace(new, **window_only) != old:
                self.worker.reopen(lambda settings=new: Library(self.home, settings))
                self.reranking.reopen(lambda settings=new: Library(self.home, settings))
                self._scored = None
                self.indexer.restart()
        self._search_again()

    def _progress(self, progress: dict) -> None:
        if progress["paused"]:
            text = f"Indexing paused · {progress['queued']} waiting"
        elif progress["queued"]:
            text = f"Indexing · {progress['queued']} waiting · {progress['rate']:.1f} files/s"
        else:
            text = "Up to date"
        self.status.setText(text)
        failed = progress["failed"]
        self.failures_button.setText(f"{failed} could not be read")
        self.failures_button.setVisible(bool(failed))

    def show_failures(self) -> None:
        with Library(self.home, self.settings) as library:
            failures = library.catalog.failures(SHOWN)
        FailuresDialog(failures, self.indexer.retry_failed, self).open()

    def _library_changed(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()  # new files appear in the open results, even mid-burst

    def _indexer_event(self, event: dict) -> None:
        if event["kind"] == "notice" and event.get("detail"):
            self.status.setText(event["detail"])

    def _pause(self, paused: bool) -> None:
        self.pause_action.setText("Resume indexing" if paused else "Pause indexing")
        self.indexer.pause(paused)

    # --- empty states and keys -----------------------------------------------------------

    def _show_empty_state(self) -> None:
        if self.field.text().strip():
            return
        if self.known_folders:
            self._show_message(HINT)
        else:
            self.stack.setCurrentWidget(self.welcome)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.preview.show_result(current.data(RESULT_ROLE) if current.isValid() else None)

    def _with_current(self, action) -> None:
        result = self.view.currentIndex().data(RESULT_ROLE)
        if result is not None:
            action(result.path)

    def _open(self, index: QModelIndex) -> None:
        open_result(index.data(RESULT_ROLE))

    def _focus_field(self) -> None:
        self.field.setFocus()
        self.field.selectAll()

    def present(self, query: str | None = None) -> None:
        """Come to the front (a second launch asked), with its query typed if it brought one."""
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()
        if query:
            self.field.setText(query)
        self._focus_field()

    def paste(self) -> bool:
        """Search by example with a pasted image or a copied image file; False when the
        clipboard holds neither (the search field then pastes its text as usual)."""
        data = QApplication.clipboard().mimeData()
        files = [url.toLocalFile() for url in data.urls() if url.isLocalFile()]
        if files and Path(files[0]).suffix.lower() in IMAGE_SUFFIXES:
            self.more_like(files[0])
            return True
        image = QApplication.clipboard().image()
        if not data.hasImage() or image.isNull():
            return False
        pasted = self.home / "pasted.png"  # one at a time: a new paste replaces the last
        if not image.save(str(pasted), "PNG"):
            self._show_message("The pasted image could not be saved to search with it.")
            return True
        self.more_like(str(pasted))
        self.field.setPlaceholderText("Looks like the pasted image")
        return True

    def select_first(self) -> None:
        """Move into the results (Down from the search field): the first one is chosen."""
        if self.model.rowCount():
            self.view.setFocus()
            self.view.setCurrentIndex(self.model.index(0))

    def eventFilter(self, watched, event) -> bool:
        """In the search field, Down goes to the results (a line edit keeps Down otherwise) and
        pasting an image searches by example."""
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Down and self.model.rowCount():
                self.select_first()
                return True
            if event.matches(QKeySequence.StandardKey.Paste) and self.paste():
                return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            self.more_like(files[0])

    def closeEvent(self, event) -> None:
        self.shut_down()
        super().closeEvent(event)

    def shut_down(self) -> None:
        """Stop the threads; never wait on the indexer (SIGTERM: it shuts down on its own),
        and leave it running when the user asked to keep indexing in the background."""
        self.indexer.close(keep_running=self.settings.background)
        self.welcome.fetch.cancel()  # a first-run download stops; what came stays for later
        self.loader.cancel_waiting()
        self.reranking.close()  # a rerank in flight ends on its own
        self.search_thread.quit()
        self.search_thread.wait(2000)  # a search in flight takes milliseconds
