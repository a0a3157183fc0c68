"""First run: which folders to search (the usual ones that exist here, ticked), which models
will read them and what they cost to download, then Start."""

from __future__ import annotations

import shutil
from pathlib import Path

import platformdirs
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from mediasift.config import Settings
from mediasift.models.registry import (
    DEFAULT_CPU_MODEL,
    DEFAULT_CUDA_MODEL,
    DEFAULT_TEXT_MODEL,
    default_speech_model,
    get_spec,
)

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


def models_text(settings: Settings) -> str:
    """Which models will be used here and what downloading them costs, in words."""
    gpu = shutil.which("nvidia-smi") is not None  # a hint only: torch decides when it loads
    visual = settings.model or (DEFAULT_CUDA_MODEL if gpu else DEFAULT_CPU_MODEL)
    spec = get_spec(visual)
    described = spec.note if spec else visual
    text = settings.text_model or DEFAULT_TEXT_MODEL
    device = "an NVIDIA GPU" if gpu else "the processor (no NVIDIA GPU found)"
    speech = settings.speech_model or default_speech_model("cuda" if gpu else "cpu")
    speech_size = "~1.6 GB" if gpu else "~150 MB"
    said = f"Speech with {Path(speech).name} ({speech_size})<br>" if settings.transcribe else ""
    return (
        f"Looks are read on {device} with {described}<br>"
        f"Meaning with {Path(text).name} (~90 MB)<br>{said}"
        "Models download once, on first use; file names and words are searchable without them."
    )


class Welcome(QWidget):
    start = Signal(list)  # the chosen folders

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self.start.emit(self.chosen()))
        layout.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignHCenter)
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
