"""Files that could not be read, with the reason, one click from the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: Rows listed; the catalog holds them all, and `mediasift status` prints them too.
SHOWN = 1000


class FailuresDialog(QDialog):
    """Lists ``failures`` (rows with ``path`` and ``error``); "Retry all" calls ``retry``."""

    def __init__(self, failures: list[dict], retry: Callable[[], None], parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files that could not be read")
        self.resize(760, 420)
        self.table = QTableWidget(len(failures), 3)
        self.table.setHorizontalHeaderLabels(["File", "Folder", "Why"])
        for row, failure in enumerate(failures):
            path = Path(failure["path"])
            for column, text in enumerate((path.name, str(path.parent), failure["error"] or "")):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.retry_button = buttons.addButton("Retry all", QDialogButtonBox.ButtonRole.ActionRole)
        self.retry_button.setToolTip("Read these files again (after fixing or replacing them)")
        self.retry_button.setEnabled(bool(failures))
        self.retry_button.clicked.connect(lambda: (retry(), self.accept()))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = "Nothing failed." if not failures else f"{len(failures)} files, by name:"
        layout.addWidget(QLabel(note))
        layout.addWidget(self.table)
        layout.addWidget(buttons)
