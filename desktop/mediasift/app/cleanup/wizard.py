"""The duplicate cleanup wizard: scan -> review -> confirm -> done, with Undo.

Nothing moves before the confirm page's button, and what moves goes to the library's
quarantine folder or the OS trash, never deleted; the done page can undo it at once (as can
``mediasift undo`` later). A scan can be cancelled at any moment; a file that changed after
the scan is skipped at apply time, and the done page says which and why.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mediasift.app.results import ImageLoader
from mediasift.config import Settings
from mediasift.dedup import Report
from mediasift.dedup.actions import make_plan
from mediasift.dedup.choices import Choices

from .review import ReviewPage, human_bytes
from .work import CleanupWork

INTRO = (
    "<h2>Find duplicate pictures</h2>"
    "<p>MediaSift compares every picture in your library and sorts what it finds into "
    "tiers: <b>exact copies</b>, the <b>same picture</b> re-saved or resized, <b>edited "
    "copies</b> (cropped, rotated, recoloured), <b>bursts</b> and <b>similar pictures</b>.</p>"
    "<p>You review every group before anything happens. Files you choose to remove go to the "
    "trash or to a quarantine folder, and you can undo the cleanup at any time.</p>"
)
#: Files listed by name on the confirm and done pages; the rest are counted.
LISTED = 12


def _listing(paths: list[str], more: str = "more") -> str:
    names = "".join(f"<li>{html.escape(p)}</li>" for p in paths[:LISTED])
    rest = f"<li>… and {len(paths) - LISTED} {more}</li>" if len(paths) > LISTED else ""
    return f"<ul>{names}{rest}</ul>"


class CleanupWizard(QDialog):
    cleaned = Signal()  # files moved away or back: the window's results may change

    def __init__(self, home: Path, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clean up duplicates")
        self.resize(1100, 760)
        self.home = home
        self.work = CleanupWork(home, settings, self)
        self.work.scanned.connect(self._scanned)
        self.work.scanning.connect(self._scanning)
        self.work.reported.connect(self._reported)
        self.work.failed.connect(self._failed)
        self._waiting_for = ""  # what the step under way will report: dry-run | apply | undo
        self._step = 0
        self.loader = ImageLoader()
        self.review = ReviewPage(self.loader, home / "thumbs")
        self.review.changed.connect(self._totals)
        self.review.dismissed.connect(self.work.not_duplicates)
        self.review.finished.connect(self.confirm)
        self.pages = QStackedWidget()
        for page in (self._build_start(), self.review, self._build_confirm(), self._build_done()):
            self.pages.addWidget(page)
        self.totals = QLabel()
        self.back = QPushButton("Back")
        self.back.clicked.connect(self._back)
        self.next = QPushButton()
        self.next.setDefault(True)
        self.next.clicked.connect(self._next)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.totals, 1)
        for button in (self.back, self.next, self.close_button):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(row)
        self._show(0)

    # --- pages ---------------------------------------------------------------------------

    def _build_start(self) -> QWidget:
        column = QWidget(maximumWidth=640)
        self.intro = QLabel(INTRO, wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.protected_note = QLabel(wordWrap=True)
        self.scan_state = QLabel(wordWrap=True)
        self.progress = QProgressBar()
        self.progress.hide()
        layout = QVBoxLayout(column)
        layout.addWidget(self.intro)
        layout.addWidget(self.protected_note)
        layout.addSpacing(24)
        layout.addWidget(self.scan_state)
        layout.addWidget(self.progress)
        page = QWidget()
        centred = QVBoxLayout(page)
        centred.addStretch(1)
        centred.addWidget(column, 0, Qt.AlignmentFlag.AlignHCenter)
        centred.addStretch(2)
        protected = self.work.settings.protected
        self.protected_note.setText(
            "Never moved (protected in Settings): " + ", ".join(protected)
            if protected else "Tip: folders you mark as protected in Settings are never "
            "touched by a cleanup."
        )  # fmt: skip
        return page

    def _build_confirm(self) -> QWidget:
        page = QWidget()
        self.confirm_text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.destinations = QButtonGroup(page)
        quarantine = QRadioButton(
            f"To MediaSift's quarantine folder ({self.home / 'quarantine'}): the files stay on "
            "this disk until you delete that folder"
        )
        trash = QRadioButton("To the trash, where your file manager can restore them")
        quarantine.setChecked(True)
        for n, button in enumerate((quarantine, trash)):
            self.destinations.addButton(button, n)
        self.skipped_text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        layout = QVBoxLayout(page)
        layout.addWidget(self.confirm_text)
        layout.addWidget(quarantine)
        layout.addWidget(trash)
        layout.addWidget(self.skipped_text)
        layout.addStretch()
        return page

    def _build_done(self) -> QWidget:
        page = QWidget()
        self.done_text = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.undo_button = QPushButton("Undo", toolTip="Put every file back where it was")
        self.undo_button.clicked.connect(self.undo)
        self.open_quarantine = QPushButton("Show the quarantine folder")
        self.open_quarantine.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.home / "quarantine")))
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.open_quarantine)
        buttons.addStretch()
        layout = QVBoxLayout(page)
        layout.addWidget(self.done_text)
        layout.addLayout(buttons)
        layout.addStretch()
        return page

    def _show(self, page: int) -> None:
        """Go to a page and set the buttons for it."""
        self.pages.setCurrentIndex(page)
        scanning = page == 0 and not self.progress.isHidden()
        self.back.setVisible(page in (1, 2))
        self.next.setVisible(page != 3)
        self.next.setEnabled(True)
        self.next.setText(
            ["Cancel scan" if scanning else "Scan my library", "Continue", "", ""][page]
        )
        if page == 1:
            self.review.setFocus()
        self._totals()

    def _totals(self) -> None:
        files, size = self.review.choices.totals()
        if self.pages.currentIndex() in (1, 2):
            self.totals.setText(f"{files} files to move away · {human_bytes(size)}")
            if self.pages.currentIndex() == 2:
                self.next.setText(f"Move {files} files")
                self.next.setEnabled(bool(files) and self._waiting_for != "dry-run")
            else:
                self.next.setEnabled(bool(files))
        else:
            self.totals.setText("")

    def _back(self) -> None:
        self._show(self.pages.currentIndex() - 1)

    def _next(self) -> None:
        page = self.pages.currentIndex()
        if page == 0 and self.progress.isHidden():
            self.scan()
        elif page == 0:
            self.cancel_scan()
        elif page == 1:
            self.confirm()
        elif page == 2:
            self.apply()

    # --- steps ---------------------------------------------------------------------------

    def scan(self) -> None:
        self.progress.setRange(0, 0)  # busy until the scan says how much it hashes
        self.progress.show()
        self.scan_state.setText("Comparing your pictures…")
        self._step = self.work.scan()
        self._show(0)

    def cancel_scan(self) -> None:
        self.work.cancel()
        self.progress.hide()
        self.scan_state.setText("Scan cancelled.")
        self._show(0)

    def _scanning(self, step: int, done: int, total: int) -> None:
        if step == self._step and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.scan_state.setText(f"Reading pictures indexed before… {done} of {total}")

    def _scanned(self, step: int, groups: list) -> None:
        if step != self._step:
            return  # a cancelled scan
        self.progress.hide()
        if not groups:
            self.scan_state.setText("No duplicates found: every picture is one of a kind.")
            self._show(0)
            return
        self.scan_state.setText(f"Found {len(groups)} groups.")
        self.review.load(Choices(groups))
        self._show(1)

    def confirm(self) -> None:
        """The confirm page, after a dry run of the plan: what moves, what would be skipped."""
        files, size = self.review.choices.totals()
        if not files:
            return
        groups = self.review.choices.chosen()
        self.confirm_text.setText(
            f"<h2>Move {files} files away?</h2><p>{human_bytes(size)} from {len(groups)} "
            "groups. Each group keeps the copy you chose.</p>"
        )
        self.skipped_text.setText("Checking the files…")
        self._waiting_for = "dry-run"
        self._show(2)
        self._step = self.work.dry_run(self._plan_for(groups))

    def _plan_for(self, groups: list) -> dict:
        destination = "trash" if self.destinations.checkedId() == 1 else "quarantine"
        return make_plan(groups, destination)

    def apply(self) -> None:
        plan = self._plan_for(self.review.choices.chosen())
        self._waiting_for = "apply"
        self.next.setEnabled(False)
        self.back.setEnabled(False)
        self.skipped_text.setText("Moving the files…")
        self._step = self.work.apply(plan)

    def undo(self) -> None:
        self._waiting_for = "undo"
        self.undo_button.setEnabled(False)
        self.done_text.setText(self.done_text.text() + "<p>Putting the files back…</p>")
        self._step = self.work.undo()

    def _reported(self, step: int, report: Report | None) -> None:
        if step != self._step:
            return
        what, self._waiting_for = self._waiting_for, ""
        self.back.setEnabled(True)
        if what == "dry-run":
            skipped = [f"{s['path']}: {s['reason']}" for s in report.skipped]
            self.skipped_text.setText(
                f"<p>{len(skipped)} files changed since the scan and will be left alone:</p>"
                + _listing(skipped)
                if skipped
                else ""
            )
            self._totals()
        elif what == "apply":
            self._done(report)
        elif what == "undo":
            self._undone(report)

    def _done(self, report: Report) -> None:
        where = "the trash" if report.destination == "trash" else "the quarantine folder"
        text = (
            f"<h2>Moved {len(report.files)} files to {where}</h2>"
            f"<p>{human_bytes(report.bytes)} of duplicates out of your folders.</p>"
        )
        if report.skipped:
            skipped = [f"{s['path']}: {s['reason']}" for s in report.skipped]
            text += f"<p>Left alone ({len(skipped)}):</p>" + _listing(skipped)
        text += "<p>Changed your mind? Undo puts every file back where it was.</p>"
        self.done_text.setText(text)
        self.undo_button.setEnabled(bool(report.files))
        self.open_quarantine.setVisible(report.destination != "trash")
        self._show(3)
        self.cleaned.emit()

    def _undone(self, report: Report | None) -> None:
        if report is None:
            self.done_text.setText("<h2>Nothing to undo</h2>")
            return
        text = f"<h2>Put back {len(report.files)} files</h2>"
        if report.skipped:
            skipped = [f"{s['path']}: {s['reason']}" for s in report.skipped]
            text += f"<p>Could not put back ({len(skipped)}):</p>" + _listing(skipped)
        self.done_text.setText(text)
        self.undo_button.hide()
        self.open_quarantine.hide()
        self.cleaned.emit()

    def _failed(self, step: int, message: str) -> None:
        if step != self._step:
            return
        what, self._waiting_for = self._waiting_for, ""
        self.back.setEnabled(True)
        text = f"<p><b>{html.escape(message)}</b></p>"
        if self.pages.currentIndex() == 0:
            self.progress.hide()
            self.scan_state.setText(text)
            self._show(0)
        elif what == "undo":
            self.done_text.setText(self.done_text.text() + text)
            self.undo_button.setEnabled(True)
        else:
            self.skipped_text.setText(text)
            self._totals()

    def reject(self) -> None:
        self.work.cancel()
        self.loader.cancel_waiting()
        super().reject()
