"""The pair rules, in bulk: copies as made land in their tier, look-alikes never reach the
bulk tiers, and the relation reads the same both ways."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from mediasift.bench.data import photo
from mediasift.bench.dupeset import _lookalike
from mediasift.dedup.hashes import picture_hashes
from mediasift.dedup.model import Item
from mediasift.dedup.relate import RULES, TIER_OF, Facts, classify, evidence

BULK = {"exact", "same", "edited"}


def _item(n: int, image: Image.Image, captured_at: float | None = None) -> Item:
    h = picture_hashes(image)
    return Item(n, f"/p/{n}.jpg", f"h{n}", 1000 + n, 0.0, *image.size, captured_at, h.phash,
                h.dhash, h.turns, h.colour, h.sharpness)  # fmt: skip


def _rules(items: list[Item], pairs: list[tuple[int, int]]) -> list[str | None]:
    i, j = (np.array(side) for side in zip(*pairs, strict=True))
    codes = classify(Facts.of(items), i, j, np.full(len(pairs), np.nan))
    assert (codes == classify(Facts.of(items), j, i, np.full(len(pairs), np.nan))).all()
    return [RULES[c - 1] if c else None for c in codes.tolist()]


def test_copies_as_made_take_their_rule():
    image = photo(np.random.default_rng(3), 640, 480)
    w, h = image.size
    copies = {
        "same": image.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "crop": image.crop((w // 20, h // 20, w - w // 20, h - h // 20)),
        "recolour": ImageEnhance.Brightness(image).enhance(1.35),
        "turn": image.transpose(Image.Transpose.ROTATE_90),
    }
    upside_down = image.transpose(Image.Transpose.ROTATE_180)
    items = [_item(0, image), *(_item(n + 1, c) for n, c in enumerate(copies.values()))]
    items.append(_item(len(items), upside_down))
    rules = _rules(items, [(0, n) for n in range(1, len(items))])
    assert rules == [*copies, "turn"]


def test_lookalikes_never_reach_the_bulk_tiers():
    rng = np.random.default_rng(5)
    items = []
    for n in range(24):
        if n % 2 == 0:
            layout = rng.integers(0, 256, (2, 2, 3), dtype=np.uint8)
        items.append(_item(n, _lookalike(rng, layout, 320, 240)))
    pairs = [(a, b) for a in range(len(items)) for b in range(a + 1, len(items))]
    assert not [r for r in _rules(items, pairs) if r and TIER_OF[r] in BULK]


def _bits(rng: np.random.Generator, value: int, flips: int) -> int:
    for bit in rng.choice(64, flips, replace=False).tolist():
        value ^= 1 << bit
    return value


@pytest.mark.parametrize("colour_b", [0x8C4A20, 0x302010])
def test_hashes_as_close_as_chance_allows_are_no_crop(colour_b):
    """The look-alike the benchmark once put in a bulk tier: the same size, phash 16 and
    dhash 19 bits from a picture (colours 82 levels apart), then the same with equal
    colours: a crop needs closer hashes than unrelated pictures reach by chance."""
    rng = np.random.default_rng(0)
    phash, dhash = (int(v) for v in rng.integers(0, 2**63, 2))
    a = Item(1, "/p/a.jpg", "ha", 900, 0.0, 640, 480, None, phash, dhash, (1, 2, 3), 0x302010,
             9.0)  # fmt: skip
    b = Item(2, "/p/b.jpg", "hb", 600, 0.0, 640, 480, None, _bits(rng, phash, 16),
             _bits(rng, dhash, 19), (4, 5, 6), colour_b, 9.0)  # fmt: skip
    assert _rules([a, b], [(0, 1)]) == [None]


def test_evidence_says_why_in_figures_and_words():
    image = photo(np.random.default_rng(4), 480, 360)
    items = [_item(0, image), _item(1, image.transpose(Image.Transpose.ROTATE_270), 5.0)]
    facts, i, j = Facts.of(items), np.array([0]), np.array([1])
    rule = classify(facts, i, j, np.array([0.97]))
    (proof,) = evidence(facts, items, i, j, rule, np.array([0.97]))
    assert proof.tier == "edited" and "quarter turn" in proof.reason
    assert proof.cosine == 0.97 and proof.capture_gap is None and proof.pixel_ratio == 1.0
