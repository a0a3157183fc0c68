"""Grouping OCR lines into blocks: the message of a dialog, a menu bar, a paragraph.

A screenshot's text is mostly window clutter around a short message. Embedded as one piece,
the clutter drowns the message (MiniLM recall@1 on paraphrased queries fell to ~0.65 in the
retrieval set); embedded block by block, the message is matched on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Boxed(Protocol):
    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the image


#: A line continues the block above when the gap is under this many line heights...
LINE_GAP = 0.9
#: ...or the line beside it (a menu bar, a button row) when the gap is under this many.
WORD_GAP = 2.0


def _continues(block: list[Boxed], line: Boxed, aspect: float) -> bool:
    x0, y0, x1, y1 = line.box
    _, ly0, lx1, ly1 = block[-1].box
    x0, x1, lx1 = x0 * aspect, x1 * aspect, lx1 * aspect  # in image heights, like y
    height = max(ly1 - ly0, y1 - y0, 1e-9)
    beside = min(y1, ly1) - max(y0, ly0) >= 0.5 * height and 0 <= x0 - lx1 < WORD_GAP * height
    left = min(b.box[0] for b in block) * aspect
    right = max(b.box[2] for b in block) * aspect
    below = -0.25 * height <= y0 - ly1 <= LINE_GAP * height and min(x1, right) > max(x0, left)
    return beside or below


def blocks(lines: Sequence[Boxed], aspect: float) -> list[list[Boxed]]:
    """Lines (in reading order) grouped into blocks: lines stacked close together and
    overlapping sideways, or side by side on one row. ``aspect`` is the image's width over
    its height (boxes are fractions of each)."""
    grouped: list[list[Boxed]] = []
    for line in lines:
        home = next((b for b in reversed(grouped[-4:]) if _continues(b, line, aspect)), None)
        if home is None:
            grouped.append([line])
        else:
            home.append(line)
    return grouped
