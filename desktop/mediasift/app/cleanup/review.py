"""Reviewing duplicate groups, tier by tier, from the keyboard or the mouse.

Tabs hold the tiers (exact copies first); the list on the left holds a tier's groups; on the
right the kept copy and the member under review are compared with one zoom, above the group's
members and the evidence of why they were grouped. Every decision lands in a
:class:`~mediasift.dedup.choices.Choices`, which the wizard turns into a plan.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from mediasift.app.results import ImageLoader, dpr, sharp
from mediasift.dedup import TIERS, Evidence, Member
from mediasift.dedup.choices import Choices
from mediasift.media.kinds import IMAGE_SUFFIXES
from mediasift.media.thumbs import thumb_path

from .compare import CompareView

#: Tiers as people say them.
TIER_NAMES = {
    "exact": "Exact copies", "same": "Same picture", "edited": "Edited copies",
    "burst": "Bursts and series", "similar": "Similar pictures",
}  # fmt: skip
TIER_HELP = {
    "exact": "Byte-for-byte the same file.",
    "same": "The same picture re-saved, resized or recompressed.",
    "edited": "The same picture cropped, rotated or with its colours changed.",
    "burst": "Shots taken seconds apart: review only, nothing moves unless you mark it.",
    "similar": "The same subject in another picture: review only, nothing moves unless marked.",
}
GROUP_ICON = QSize(72, 54)
MEMBER_ICON = QSize(120, 90)
KEYS = (
    "↑↓ group · ←→ file · Enter keep this one · Space move or keep · N not duplicates · "
    "T next tier · +/−/0 zoom · Ctrl+Enter continue"
)


def human_bytes(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def facts(member: Member) -> str:
    """A member's name, pixels, size, date and folder, for a caption."""
    taken = member.captured_at or member.mtime
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(taken))
    path = Path(member.path)
    pixels = f"{member.width}×{member.height} · " if member.width else ""  # not a document
    return (
        f"<b>{html.escape(path.name)}</b><br>{pixels}"
        f"{human_bytes(member.size)} · {when}<br><small>{html.escape(str(path.parent))}</small>"
    )


def evidence_html(evidence: Evidence, against: str) -> str:
    """Why two files were grouped: in words first, then the figures behind the words."""
    rows = [f"<b>{html.escape(evidence.reason)}</b> (compared with {html.escape(against)})"]
    if evidence.cosine is not None:
        rows.append(f"Looks alike: {evidence.cosine:.3f} (1 is the same picture)")
    if evidence.phash_distance is not None:  # pictures; documents are compared by words
        rows.append(
            f"Picture fingerprint: {evidence.phash_distance} of 64 bits differ "
            f"(gradient: {evidence.dhash_distance})"
        )
        rows.append(f"File size ×{evidence.size_ratio:.2f} · pixels ×{evidence.pixel_ratio:.2f}")
    else:
        rows.append(f"File size ×{evidence.size_ratio:.2f}")
    if evidence.capture_gap is not None:
        rows.append(f"Taken {evidence.capture_gap:.0f} s apart")
    return "<br>".join(rows)


class ReviewPage(QWidget):
    changed = Signal()  # a decision changed the totals
    dismissed = Signal(list)  # paths of a group marked "not duplicates"
    finished = Signal()  # Ctrl+Enter: go on to confirm

    def __init__(self, loader: ImageLoader, thumbs: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader, self.thumbs = loader, thumbs
        self.choices = Choices([])
        self.tier = TIERS[0]
        self.shown: list[int] = []  # group numbers listed for this tier
        self.member_ids: list[int] = []  # file ids in the member strip
        self._icons: dict[tuple[str, str], QPixmap] = {}  # ("group" | "member", path)
        self._waiting: dict[str, dict[str, set[int]]] = {"group": {}, "member": {}}  # rows
        self.tabs = QTabBar()
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for tier in TIERS:
            self.tabs.addTab(TIER_NAMES[tier])
        self.tabs.currentChanged.connect(lambda i: self.show_tier(TIERS[i]))
        self.tier_help = QLabel(wordWrap=True)
        self.groups = QListWidget(iconSize=GROUP_ICON)
        self.groups.currentRowChanged.connect(self._group_chosen)
        self.groups.verticalScrollBar().valueChanged.connect(self._show_group_icons)
        self.compare = CompareView(loader)
        self.members = QListWidget(iconSize=MEMBER_ICON)
        self.members.setViewMode(QListView.ViewMode.IconMode)
        self.members.setFlow(QListView.Flow.LeftToRight)
        self.members.setWrapping(False)
        self.members.setMovement(QListView.Movement.Static)
        self.members.setGridSize(QSize(MEMBER_ICON.width() + 40, MEMBER_ICON.height() + 44))
        self.members.setFixedHeight(MEMBER_ICON.height() + 64)
        self.members.currentRowChanged.connect(self._member_chosen)
        self.members.itemDoubleClicked.connect(lambda _: self.keep_current())
        for view in (self.groups, self.members):
            view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the page's keys work everywhere
        self.evidence = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.keep_button = QPushButton("Keep this one", toolTip="Keep this copy (Enter)")
        self.keep_button.clicked.connect(self.keep_current)
        self.move_button = QPushButton(toolTip="Move this file away, or keep it (Space)")
        self.move_button.clicked.connect(self.toggle_current)
        self.dismiss_button = QPushButton(
            "Not duplicates", toolTip="These are different pictures: never group them (N)"
        )
        self.dismiss_button.clicked.connect(self.dismiss_current)
        buttons = QHBoxLayout()
        for button in (self.keep_button, self.move_button, self.dismiss_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(button)
        buttons.addStretch()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.compare, 1)
        right_layout.addWidget(self.members)
        right_layout.addWidget(self.evidence)
        right_layout.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(self.groups)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 900])
        keys = QLabel(KEYS)
        keys.setStyleSheet("color: palette(mid)")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.tier_help)
        layout.addWidget(splitter, 1)
        layout.addWidget(keys)
        self._shortcuts()
        loader.loaded.connect(self._arrived)

    def _shortcuts(self) -> None:
        actions = {
            (Qt.Key.Key_Down, Qt.Key.Key_J): lambda: self._step(self.groups, 1),
            (Qt.Key.Key_Up,): lambda: self._step(self.groups, -1),
            (Qt.Key.Key_Right, Qt.Key.Key_L): lambda: self._step(self.members, 1),
            (Qt.Key.Key_Left, Qt.Key.Key_H): lambda: self._step(self.members, -1),
            (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_K): self.keep_current,
            (Qt.Key.Key_Space, Qt.Key.Key_X): self.toggle_current,
            (Qt.Key.Key_N,): self.dismiss_current,
            (Qt.Key.Key_T,): self.next_tier,
            (Qt.Key.Key_Plus, Qt.Key.Key_Equal): lambda: self.compare.zoom(1.25),
            (Qt.Key.Key_Minus,): lambda: self.compare.zoom(0.8),
            (Qt.Key.Key_0,): self.compare.fit,
            ("Ctrl+Return", "Ctrl+Enter"): self.finished.emit,
        }
        for keys, act in actions.items():
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self, act)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # --- what is shown --------------------------------------------------------------------

    def load(self, choices: Choices) -> None:
        """Show a scan's groups, starting with the strictest tier that has any."""
        self.choices = choices
        counts = {t: sum(g.tier == t for g in choices.groups) for t in TIERS}
        for i, tier in enumerate(TIERS):
            self.tabs.setTabText(i, f"{TIER_NAMES[tier]} ({counts[tier]})")
            self.tabs.setTabEnabled(i, bool(counts[tier]))
        first = next((t for t in TIERS if counts[t]), TIERS[0])
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(TIERS.index(first))
        self.tabs.blockSignals(False)
        self.show_tier(first)

    def show_tier(self, tier: str) -> None:
        self.tier = tier
        self.tier_help.setText(TIER_HELP[tier])
        self.shown = [n for n, g in enumerate(self.choices.groups) if g.tier == tier]
        self.groups.blockSignals(True)
        self.groups.clear()
        self._waiting["group"].clear()
        for n in self.shown:
            self.groups.addItem(QListWidgetItem())
            self._label_group(n, icon=False)  # icons as rows come into view: a tier may be long
        self.groups.blockSignals(False)
        self.groups.setCurrentRow(0 if self.shown else -1)
        self._show_group_icons()
        if not self.shown:
            self._group_chosen(-1)

    def next_tier(self) -> None:
        for step in range(1, len(TIERS)):
            i = (TIERS.index(self.tier) + step) % len(TIERS)
            if self.tabs.isTabEnabled(i):
                self.tabs.setCurrentIndex(i)
                return

    def current_group(self) -> int | None:
        row = self.groups.currentRow()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def current_member(self) -> Member | None:
        n, row = self.current_group(), self.members.currentRow()
        if n is None or not 0 <= row < len(self.member_ids):
            return None
        return self.choices.groups[n].member(self.member_ids[row])

    def _label_group(self, n: int, icon: bool = True) -> None:
        group, item = self.choices.groups[n], self.groups.item(self.shown.index(n))
        if self.choices.dismissed(n):
            text = f"{len(group.members)} files · not duplicates"
            item.setForeground(self.palette().placeholderText())
        else:
            moving = self.choices.moving(n)
            freed = human_bytes(sum(m.size for m in moving))
            text = f"{len(group.members)} files · " + (
                f"{len(moving)} to move, {freed}" if moving else "all kept"
            )
            item.setForeground(self.palette().text())
        keeper = group.member(self.choices.keeper(n))
        item.setText(f"{Path(keeper.path).name}\n{text}")
        if icon:
            self._icon("group", self.shown.index(n), keeper)

    def _show_group_icons(self) -> None:
        """Ask for the icons of the groups in view (and a screenful beyond)."""
        top = self.groups.indexAt(self.groups.viewport().rect().topLeft()).row()
        bottom = self.groups.indexAt(self.groups.viewport().rect().bottomLeft()).row()
        top = max(top, 0)
        bottom = bottom if bottom >= 0 else len(self.shown) - 1
        for row in range(top, min(len(self.shown), bottom + 1 + (bottom - top + 1))):
            n = self.shown[row]
            if self.groups.item(row).icon().isNull():
                self._icon("group", row, self.choices.groups[n].member(self.choices.keeper(n)))

    def _group_chosen(self, row: int) -> None:
        self.members.blockSignals(True)
        self.members.clear()
        self._waiting["member"].clear()
        self.member_ids = []
        n = self.current_group()
        if n is not None:
            group, keeper = self.choices.groups[n], self.choices.keeper(n)
            ordered = sorted(group.members, key=lambda m: m.file_id != keeper)  # keeper first
            for member in ordered:
                self.member_ids.append(member.file_id)
                self.members.addItem(QListWidgetItem(self._badge(n, member)))
                self._icon("member", len(self.member_ids) - 1, member)
        self.members.blockSignals(False)
        self.members.setCurrentRow(1 if len(self.member_ids) > 1 else 0)
        self._member_chosen(self.members.currentRow())

    def _state(self, n: int, member: Member) -> str:
        """What happens to a member, in words."""
        if member.file_id == self.choices.keeper(n):
            return "★ Keep"
        if member.protected:
            return "Protected"
        if self.choices.moves(n, member.file_id) and not self.choices.dismissed(n):
            return "Move away"
        return "Keep too"

    def _badge(self, n: int, member: Member) -> str:
        return f"{Path(member.path).name}\n{self._state(n, member)}"

    def _member_chosen(self, row: int) -> None:
        n, member = self.current_group(), self.current_member()
        for button in (self.keep_button, self.move_button, self.dismiss_button):
            button.setEnabled(member is not None)
        if n is None or member is None:
            self.evidence.setText("No groups in this tier." if n is None else "")
            return
        group = self.choices.groups[n]
        keeper = group.member(self.choices.keeper(n))
        self.compare.show_pair(
            self._picture(keeper), self._picture(member),
            "Kept: " + facts(keeper), f"{self._state(n, member)}: {facts(member)}",
        )  # fmt: skip
        rep = group.member(group.representative)
        shown = member if member.evidence is not None else keeper
        if shown.evidence is not None:
            self.evidence.setText(evidence_html(shown.evidence, Path(rep.path).name))
        else:
            self.evidence.setText("The kept copy itself.")
        is_keeper = member.file_id == keeper.file_id
        self.keep_button.setEnabled(not is_keeper and not self.choices.dismissed(n))
        self.move_button.setEnabled(
            not is_keeper and not member.protected and not self.choices.dismissed(n)
        )
        moving = self.choices.moves(n, member.file_id)
        self.move_button.setText("Keep it too" if moving else "Move it away")
        self.dismiss_button.setText("Group again" if self.choices.dismissed(n)
                                    else "Not duplicates")  # fmt: skip

    # --- decisions ------------------------------------------------------------------------

    def keep_current(self) -> None:
        n, member = self.current_group(), self.current_member()
        if n is None or member is None or self.choices.dismissed(n):
            return
        self.choices.keep(n, member.file_id)
        self._decided(n, keep_row=0)

    def toggle_current(self) -> None:
        n, member = self.current_group(), self.current_member()
        if n is None or member is None or self.choices.dismissed(n):
            return
        if self.choices.toggle(n, member.file_id):
            self._decided(n, keep_row=self.members.currentRow())

    def dismiss_current(self) -> None:
        n = self.current_group()
        if n is None:
            return
        paths = self.choices.dismiss(n, not self.choices.dismissed(n))
        if self.choices.dismissed(n):
            self.dismissed.emit(paths)
        self._decided(n, keep_row=self.members.currentRow())
        if self.choices.dismissed(n):
            self._step(self.groups, 1)  # on to the next group

    def _decided(self, n: int, keep_row: int) -> None:
        """Redraw the group after a decision (the keeper moves to the front)."""
        self._label_group(n)
        self._group_chosen(self.groups.currentRow())
        self.members.setCurrentRow(min(keep_row, len(self.member_ids) - 1))
        self.changed.emit()

    def _step(self, view: QListWidget, step: int) -> None:
        row = view.currentRow() + step
        if 0 <= row < view.count():
            view.setCurrentRow(row)

    def _picture(self, member: Member) -> str:
        """What the comparison shows: a picture itself, or a document's first page."""
        if Path(member.path).suffix.lower() in IMAGE_SUFFIXES:
            return member.path
        return str(thumb_path(self.thumbs, member.hash))

    def _view(self, what: str) -> QListWidget:
        return self.groups if what == "group" else self.members

    def _icon(self, what: str, row: int, member: Member) -> None:
        """A row's picture (its cached thumbnail, else the file): at once when loaded before,
        else when the loader has it."""
        thumb = thumb_path(self.thumbs, member.hash)
        source = str(thumb) if thumb.exists() else member.path
        pixmap = self._icons.get((what, source))
        if pixmap is not None:
            self._view(what).item(row).setIcon(pixmap)
            return
        waiting = self._waiting[what].setdefault(source, set())
        if not waiting:
            size = GROUP_ICON if what == "group" else MEMBER_ICON
            self.loader.load((what, source), source, size * dpr())
        waiting.add(row)

    def _arrived(self, key: tuple, image: QImage) -> None:
        if key[0] not in self._waiting or image.isNull():
            return
        what, source = key
        size = GROUP_ICON if what == "group" else MEMBER_ICON
        pixmap = self._icons[key] = sharp(QPixmap.fromImage(image), size)
        view = self._view(what)
        for row in self._waiting[what].pop(source, ()):
            if row < view.count():
                view.item(row).setIcon(pixmap)
