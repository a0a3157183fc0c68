"""The cleanup wizard with real widgets (offscreen) over a real indexed library: scan, review
from the keyboard, synced zoom, "not duplicates" remembered, confirm, apply and Undo."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from mediasift.app.cleanup.wizard import CleanupWizard
from mediasift.app.preferences import PreferencesDialog
from mediasift.bench.dupeset import make_set
from mediasift.catalog.dedup import not_duplicates
from mediasift.config import Settings
from mediasift.library import Library


@pytest.fixture
def indexed(tmp_path, tiny_clip, minilm):
    made = make_set(tmp_path / "photos", originals=3, bursts=1, size=(320, 240))
    protected = tmp_path / "photos"
    settings = Settings(model=str(tiny_clip), text_model=str(minilm), min_score=-1.0, ocr=False)
    with Library(tmp_path / "home", settings) as lib:
        lib.add_folder(protected)
        lib.index()
    return tmp_path / "home", settings, made


def _digests(made) -> dict[Path, str]:
    return {m.path: hashlib.sha256(m.path.read_bytes()).hexdigest() for m in made}


@pytest.fixture
def wizard(qtbot, indexed):
    home, settings, _ = indexed
    wiz = CleanupWizard(home, settings)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.activateWindow()
    qtbot.waitUntil(wiz.isActiveWindow)
    return wiz


def _scan(qtbot, wiz) -> None:
    qtbot.mouseClick(wiz.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.pages.currentWidget() is wiz.review, timeout=60000)


def test_review_from_the_keyboard_then_apply_and_undo(qtbot, wizard, indexed):
    home, _, made = indexed
    before = _digests(made)
    _scan(qtbot, wizard)
    review = wizard.review
    groups = review.choices.groups
    assert review.tabs.tabText(2) == "Edited copies (3)"  # a group takes its loosest tier
    assert review.tier == "edited" and review.groups.count() == 3  # the strictest with any
    assert not review.tabs.isTabEnabled(0)
    bulk = sum(len(g.removable()) for g in groups if g.bulk)
    assert review.choices.totals()[0] == bulk  # keep one per bulk group, the rest moves

    # Enter keeps the copy under review: it becomes the keeper, the old one moves.
    n = review.current_group()
    shown = review.current_member().file_id
    qtbot.keyClick(review, Qt.Key.Key_Return)
    assert review.choices.keeper(n) == shown
    assert review.member_ids[0] == shown  # the keeper leads the strip

    # Down goes to the next group; N dismisses it, and the library remembers.
    qtbot.keyClick(review, Qt.Key.Key_Down)
    dismissed = review.current_group()
    assert dismissed != n
    qtbot.keyClick(review, Qt.Key.Key_N)
    assert review.choices.dismissed(dismissed)
    qtbot.waitUntil(lambda: len(not_duplicates(Library(home, indexed[1]).catalog)) > 0)

    # T goes to the next tier; bursts are review only: nothing of them moves unmarked.
    while review.tier != "burst":
        qtbot.keyClick(review, Qt.Key.Key_T)
    burst = review.current_group()
    assert review.choices.moving(burst) == []
    qtbot.keyClick(review, Qt.Key.Key_Space)  # mark the one under review to move
    assert [m.file_id for m in review.choices.moving(burst)] == [review.current_member().file_id]

    moving = [m.path for k in range(len(groups)) for m in review.choices.moving(k)]
    qtbot.keyClick(review, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert wizard.pages.currentIndex() == 2
    qtbot.waitUntil(lambda: wizard.next.isEnabled(), timeout=30000)  # the dry run checked
    assert wizard.next.text() == f"Move {len(moving)} files"
    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.pages.currentIndex() == 3, timeout=30000)
    assert not any(os.path.exists(p) for p in moving)
    assert f"Moved {len(moving)} files" in wizard.done_text.text()
    assert len(list((home / "quarantine").rglob("*.*"))) == len(moving)

    qtbot.mouseClick(wizard.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Put back" in wizard.done_text.text(), timeout=30000)
    assert _digests(made) == before  # every file back, byte for byte


def test_compare_zooms_and_pans_both_sides_together(qtbot, wizard):
    _scan(qtbot, wizard)
    compare = wizard.review.compare
    left, right = compare.panes["left"], compare.panes["right"]
    qtbot.waitUntil(lambda: not left.item.pixmap().isNull() and not right.item.pixmap().isNull())
    qtbot.keyClick(wizard.review, Qt.Key.Key_Plus)
    qtbot.keyClick(wizard.review, Qt.Key.Key_Plus)
    qtbot.keyClick(wizard.review, Qt.Key.Key_Plus)
    assert left.transform().m11() == pytest.approx(right.transform().m11())
    bar = left.horizontalScrollBar()
    assert bar.maximum() > 0  # zoomed in past the pane
    bar.setValue(bar.maximum() // 2)
    assert right.horizontalScrollBar().value() == bar.value()
    qtbot.keyClick(wizard.review, Qt.Key.Key_0)
    assert right.horizontalScrollBar().maximum() == 0  # fitted again


def test_a_scan_can_be_cancelled(qtbot, wizard):
    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    assert wizard.next.text() == "Cancel scan"
    qtbot.mouseClick(wizard.next, Qt.MouseButton.LeftButton)
    assert wizard.progress.isHidden() and wizard.scan_state.text() == "Scan cancelled."
    qtbot.wait(1500)  # the cancelled scan's answer, if it comes, is dropped
    assert wizard.pages.currentIndex() == 0


def test_protected_folders_and_keeper_order_from_the_settings_dialog(qtbot, indexed, tmp_path):
    home, settings, made = indexed
    dialog = PreferencesDialog(settings, [], None)
    qtbot.addWidget(dialog)
    copies = str(next(m.path.parent for m in made if m.how == "resized"))
    dialog.protected.addItem(copies)
    rules = dialog.rules
    rules.insertItem(0, rules.takeItem(rules.count() - 1))  # "newest" first, ticked
    rules.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    chosen = dialog.result_settings
    assert chosen.protected == [copies] and chosen.keeper_rules[0] == "newer"
    chosen.save(tmp_path / "settings.toml")
    assert Settings.load(tmp_path / "settings.toml").keeper() == chosen.keeper()

    wiz = CleanupWizard(home, chosen)
    qtbot.addWidget(wiz)
    wiz.show()
    _scan(qtbot, wiz)
    choices = wiz.review.choices
    in_copies = [m for g in choices.groups for m in g.members if m.path.startswith(copies)]
    assert in_copies and all(m.protected for m in in_copies)
    moving = [m for n in range(len(choices.groups)) for m in choices.moving(n)]
    assert moving and not any(m.path.startswith(copies) for m in moving)
