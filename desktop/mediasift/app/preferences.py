"""Settings the window can change: folders, what is read, how hard the computer works, the
models, and how a duplicate cleanup chooses. Saved to the settings file; the indexer restarts
to take the ones it reads."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mediasift.config import Settings

#: The keeper rules, as the Duplicates tab names them (mediasift.dedup.keeper).
KEEPER_RULES = {
    "resolution": "Highest resolution",
    "sharpness": "Sharpest",
    "size": "Largest file",
    "metadata": "Has the camera's capture time",
    "format": "Original format (RAW, then HEIC, then JPEG, before re-saves like PNG)",
    "older": "Oldest",
    "newer": "Newest",
}


def folder_list(
    folders: list[str], add_tip: str, remove_tip: str
) -> tuple[QListWidget, QHBoxLayout, QPushButton, QPushButton]:
    """A list of folders with Add… and Remove buttons beside it (unconnected)."""
    listing = QListWidget()
    listing.addItems(folders)
    add = QPushButton("Add…", toolTip=add_tip)
    remove = QPushButton("Remove", toolTip=remove_tip)
    buttons = QVBoxLayout()
    buttons.addWidget(add)
    buttons.addWidget(remove)
    buttons.addStretch()
    row = QHBoxLayout()
    row.addWidget(listing, 1)
    row.addLayout(buttons)
    return listing, row, add, remove


class PreferencesDialog(QDialog):
    """Edits a copy of the settings; ``result_settings`` holds them once accepted.

    Folder changes are listed in ``added`` and ``removed`` for the window to carry out (through
    the indexer when one runs)."""

    def __init__(self, settings: Settings, folders: list[str], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("MediaSift settings")
        self.result_settings = settings
        self.added: list[str] = []
        self.removed: list[str] = []
        self._settings = settings
        self.folders, folder_row, add, remove = folder_list(
            folders, "Add a folder to search", "Stop searching this folder (files stay on disk)"
        )
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        folders_tab = QWidget()
        folders_tab.setLayout(folder_row)

        self.ocr = QCheckBox("Read text inside images (screenshots, photos of documents)")
        self.ocr.setChecked(settings.ocr)
        self.transcribe = QCheckBox("Transcribe speech in recordings and clips")
        self.transcribe.setChecked(settings.transcribe)
        self.throttle = QCheckBox("Use one core, to leave the computer usable while indexing")
        self.throttle.setChecked(settings.throttle)
        self.battery = QCheckBox("Pause indexing on battery")
        self.battery.setChecked(settings.pause_on_battery)
        self.background = QCheckBox("Keep indexing after the window closes, and from login")
        self.background.setChecked(settings.background)
        self.model = QLineEdit(
            settings.model or "", placeholderText="the default for this computer"
        )
        self.text_model = QLineEdit(settings.text_model or "", placeholderText="all-MiniLM-L6-v2")
        self.speech_model = QLineEdit(
            settings.speech_model or "", placeholderText="Whisper, sized for this computer"
        )
        self.reranker = QLineEdit(
            settings.reranker or "", placeholderText="with the Qwen3-VL model on a GPU; or off"
        )
        for field in (self.model, self.text_model, self.speech_model):
            field.setToolTip("A model id on the Hugging Face hub, or a local folder")
        self.reranker.setToolTip(
            "Reorders the first results once shown: a model id on the Hugging Face hub, a "
            'local folder, or "off"'
        )
        form = QFormLayout()
        form.addRow(self.ocr)
        form.addRow(self.transcribe)
        form.addRow(self.throttle)
        form.addRow(self.battery)
        form.addRow(self.background)
        form.addRow("Visual model", self.model)
        form.addRow("Text model", self.text_model)
        form.addRow("Speech model", self.speech_model)
        form.addRow("Reranker", self.reranker)
        indexing_tab = QWidget()
        indexing_tab.setLayout(form)

        tabs = QTabWidget()
        tabs.addTab(folders_tab, "Folders")
        tabs.addTab(indexing_tab, "Indexing")
        tabs.addTab(self._duplicates_tab(settings), "Duplicates")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)

    def _duplicates_tab(self, settings: Settings) -> QWidget:
        """Protected folders, and the keeper rules in the order they decide (drag to reorder,
        untick to leave one out)."""
        self.protected, protected_row, add, remove = folder_list(
            settings.protected, "Protect a folder: a cleanup never moves its files",
            "Stop protecting this folder",
        )  # fmt: skip
        add.clicked.connect(self._protect)
        remove.clicked.connect(lambda: self.protected.takeItem(self.protected.currentRow()))
        self.rules = QListWidget()
        self.rules.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        used = list(settings.keeper_rules)
        for rule in used + [r for r in KEEPER_RULES if r not in used]:
            item = QListWidgetItem(KEEPER_RULES.get(rule, rule))
            item.setData(Qt.ItemDataRole.UserRole, rule)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if rule in used else Qt.CheckState.Unchecked)
            self.rules.addItem(item)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(QLabel("Protected folders: a cleanup never moves files from these"))
        layout.addLayout(protected_row)
        layout.addWidget(QLabel("Which copy to keep: the first rule decides, the next breaks "
                                "ties (drag to reorder)"))  # fmt: skip
        layout.addWidget(self.rules)
        return tab

    def _protect(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Protect a folder from cleanups")
        if path and not self.protected.findItems(path, Qt.MatchFlag.MatchExactly):
            self.protected.addItem(path)

    def keeper_rules(self) -> list[str]:
        items = (self.rules.item(row) for row in range(self.rules.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def _add(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder to search")
        if path and path not in self.added:
            self.added.append(path)
            self.folders.addItem(path)

    def _remove(self) -> None:
        item = self.folders.currentItem()
        if item is None:
            return
        path = item.text()
        if path in self.added:
            self.added.remove(path)
        else:
            self.removed.append(path)
        self.folders.takeItem(self.folders.row(item))

    def accept(self) -> None:
        self.result_settings = replace(
            self._settings,
            ocr=self.ocr.isChecked(),
            throttle=self.throttle.isChecked(),
            pause_on_battery=self.battery.isChecked(),
            background=self.background.isChecked(),
            model=self.model.text().strip() or None,
            text_model=self.text_model.text().strip() or None,
            transcribe=self.transcribe.isChecked(),
            speech_model=self.speech_model.text().strip() or None,
            reranker=self.reranker.text().strip() or None,
            protected=[self.protected.item(row).text() for row in range(self.protected.count())],
            keeper_rules=self.keeper_rules() or list(Settings().keeper_rules),
        )
        super().accept()
