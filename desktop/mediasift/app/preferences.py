"""Settings the window can change: folders, what is read, how hard the computer works, and
the models. Saved to the settings file; the indexer restarts to take them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediasift.config import Settings


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
        self.folders = QListWidget()
        self.folders.addItems(folders)
        add = QPushButton("Add…", toolTip="Add a folder to search")
        remove = QPushButton("Remove", toolTip="Stop searching this folder (files stay on disk)")
        add.clicked.connect(self._add)
        remove.clicked.connect(self._remove)
        folder_buttons = QVBoxLayout()
        folder_buttons.addWidget(add)
        folder_buttons.addWidget(remove)
        folder_buttons.addStretch()
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folders, 1)
        folder_row.addLayout(folder_buttons)
        folders_box = QGroupBox("Folders")
        folders_box.setLayout(folder_row)

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
        for field in (self.model, self.text_model, self.speech_model):
            field.setToolTip("A model id on the Hugging Face hub, or a local folder")
        form = QFormLayout()
        form.addRow(self.ocr)
        form.addRow(self.transcribe)
        form.addRow(self.throttle)
        form.addRow(self.battery)
        form.addRow(self.background)
        form.addRow("Visual model", self.model)
        form.addRow("Text model", self.text_model)
        form.addRow("Speech model", self.speech_model)
        indexing_box = QGroupBox("Indexing")
        indexing_box.setLayout(form)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(folders_box)
        layout.addWidget(indexing_box)
        layout.addWidget(buttons)

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
        )
        super().accept()
