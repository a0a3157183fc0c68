"""First run: which folders to search (the usual ones that exist here, ticked), which models
will read them and what they cost to download (the registry's sizes), then Start: the models
are fetched with progress and a cancel, and indexing starts once they are here. When they
cannot be had (offline, cancelled, no room) the page says why, and indexing can start anyway."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import platformdirs
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediasift.config import Settings
from mediasift.models.download import DownloadProgress
from mediasift.models.registry import (
    DEFAULT_TEXT_MODEL,
    default_model_id,
    default_reranker,
    default_speech_model,
    find_spec,
    reranking_off,
)

from .fetching import ModelFetch, describe

TITLE = "<h2>Find your files by describing them</h2>"
INTRO = (
    "Choose the folders to search: pictures, screenshots, slide decks, PDFs, clips and "
    "recordings. MediaSift reads "
    "them on this computer and keeps up as they change; your files are never modified."
)
#: Folders suggested when they exist, and whether they start ticked. A music collection starts
#: unticked: songs are rarely what people describe, and listening through thousands of them for
#: speech costs hours of processor time.
_SUGGESTED = (
    ("Pictures", platformdirs.user_pictures_dir, True),
    ("Screenshots", lambda: str(Path(platformdirs.user_pictures_dir()) / "Screenshots"), True),
    ("Desktop", platformdirs.user_desktop_dir, True),
    ("Documents", platformdirs.user_documents_dir, True),
    ("Videos", platformdirs.user_videos_dir, True),
    ("Music", platformdirs.user_music_dir, False),
)


def suggested_folders() -> list[tuple[str, bool]]:
    """(folder, ticked) for the usual folders that exist here, each once."""
    found: dict[str, bool] = {}
    for _, where, ticked in _SUGGESTED:
        path = Path(where()).expanduser()
        if path.is_dir() and path != Path.home():
            found.setdefault(str(path.resolve()), ticked)
    # A folder inside another ticked one is searched anyway: offer the outer one only.
    return [
        (path, ticked)
        for path, ticked in found.items()
        if not any(Path(path).is_relative_to(other) and path != other for other in found)
    ]


def _gpu() -> bool:
    return shutil.which("nvidia-smi") is not None  # a hint only: torch decides when it loads


def first_run_models(settings: Settings) -> list[tuple[str, str]]:
    """(what it reads, hub id or folder) for each model indexing will need here."""
    device = "cuda" if _gpu() else "cpu"
    visual = settings.model or default_model_id(device)
    models = [("Looks", visual), ("Meaning", settings.text_model or DEFAULT_TEXT_MODEL)]
    if settings.transcribe:
        models.append(("Speech", settings.speech_model or default_speech_model(device)))
    if not reranking_off(settings.reranker):
        reranker = settings.reranker or default_reranker(device, visual)
        if reranker:
            models.append(("Second look", reranker))
    return models


def models_text(settings: Settings) -> str:
    """Which models will read the files here and what downloading them costs, in words."""
    device = "an NVIDIA GPU" if _gpu() else "the processor (no NVIDIA GPU found)"
    lines, total = [f"Read on {device} by:"], 0
    for what, model in first_run_models(settings):
        spec = find_spec(model)
        total += spec.size_mb if spec else 0
        local = Path(model).expanduser().is_dir()
        size = f"{spec.size_mb:,} MB" if spec else "on this computer" if local else "size unknown"
        lines.append(f"{what}: {html.escape(Path(model).name)} ({size})")
    lines.append(f"Start downloads them once ({total:,} MB at most: what is here already is not "
                 "fetched again); file names and words are searchable without them.")  # fmt: skip
    return "<br>".join(lines)


class Welcome(QWidget):
    start = Signal(list)  # the chosen folders, once the models are here (or not wanted now)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.boxes: list[QCheckBox] = []
        layout = QVBoxLayout(self)
        layout.addStretch()
        for text in (TITLE, INTRO):
            label = QLabel(text, wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        self.folder_list = QVBoxLayout()
        layout.addLayout(self.folder_list)
        for path, ticked in suggested_folders():
            self._add_box(path, ticked)
        other = QPushButton("Choose another folder…")
        other.clicked.connect(self._choose)
        layout.addWidget(other, 0, Qt.AlignmentFlag.AlignHCenter)
        self.models = QLabel(models_text(settings), wordWrap=True)
        self.models.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.models)
        self.fetch = ModelFetch(self)
        self.fetch.progress.connect(self._progress)
        self.fetch.ended.connect(self._fetched)
        self.bar = QProgressBar(maximum=1000, textVisible=False, visible=False)
        self.fetch_text = QLabel(wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.fetch_text.setTextFormat(Qt.TextFormat.PlainText)  # hub messages are not markup
        layout.addWidget(self.bar)
        layout.addWidget(self.fetch_text)
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._get_models)
        self.cancel_button = QPushButton("Cancel", visible=False)
        self.cancel_button.clicked.connect(self.fetch.cancel)
        self.without_button = QPushButton("Start without them", visible=False)
        self.without_button.clicked.connect(self._begin)
        buttons = QHBoxLayout()
        buttons.addStretch()
        for button in (self.start_button, self.cancel_button, self.without_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout.addLayout(buttons)
        layout.addStretch()
        self._update()

    def _add_box(self, path: str, ticked: bool) -> None:
        box = QCheckBox(path, checked=ticked)
        box.toggled.connect(self._update)
        self.folder_list.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        self.boxes.append(box)

    def _choose(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder to search")
        if path and path not in [box.text() for box in self.boxes]:
            self._add_box(path, True)
            self._update()

    def chosen(self) -> list[str]:
        return [box.text() for box in self.boxes if box.isChecked()]

    def _update(self) -> None:
        self.start_button.setEnabled(bool(self.chosen()))

    def _get_models(self) -> None:
        for widget, shown in ((self.start_button, False), (self.without_button, False),
                              (self.cancel_button, True), (self.bar, True)):  # fmt: skip
            widget.setVisible(shown)
        self.bar.setValue(0)
        self.fetch_text.setText("Getting the models…")
        self.fetch.start([model for _, model in first_run_models(self.settings)])

    def _progress(self, step: int, steps: int, event: DownloadProgress) -> None:
        self.bar.setValue(round(1000 * event.done / event.total) if event.total else 0)
        self.fetch_text.setText(describe(step, steps, event))

    def _fetched(self, why_not: str) -> None:
        self.cancel_button.hide()
        self.bar.hide()
        self.start_button.show()
        if not why_not:
            self._begin()
            return
        self.fetch_text.setText(
            f"{why_not}\nUntil they are here, file names and words are searchable; indexing can "
            "start now and the models read the files when they come."
        )
        self.start_button.setText("Try again")
        self.without_button.show()

    def _begin(self) -> None:
        self.fetch_text.clear()
        self.without_button.hide()
        self.start_button.setText("Start")
        self.start.emit(self.chosen())
