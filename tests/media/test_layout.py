"""Grouping OCR lines into blocks: a dialog's message apart from the window around it."""

from __future__ import annotations

from dataclasses import dataclass

from mediasift.media.layout import blocks


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[float, float, float, float]


def _line(text: str, x: float, y: float, width: float = 0.2, height: float = 0.03) -> Line:
    return Line(text, (x, y, x + width, y + height))


def test_menu_row_message_and_buttons_become_separate_blocks():
    lines = [
        _line("File", 0.01, 0.01, 0.03), _line("Edit", 0.05, 0.01, 0.03),
        _line("Permission denied", 0.3, 0.40), _line("while opening notes.txt", 0.3, 0.44),
        _line("OK", 0.3, 0.60, 0.03), _line("Cancel", 0.36, 0.60, 0.05),
        _line("Ready", 0.01, 0.95, 0.05),
    ]  # fmt: skip
    grouped = [[line.text for line in block] for block in blocks(lines, 16 / 9)]
    assert grouped == [
        ["File", "Edit"],
        ["Permission denied", "while opening notes.txt"],
        ["OK", "Cancel"],
        ["Ready"],
    ]


def test_side_by_side_columns_stay_apart():
    lines = [_line("left column", 0.05, 0.2), _line("right column", 0.6, 0.2)]
    assert len(blocks(lines, 1.0)) == 2
